import type {Database, SqlValue, Tx} from './connection.js'

// Data versions (migration 9): every write through metricat bumps the version of the scopes it
// touched, in its own transaction, and logs what it wrote. Readers (the result cache, rollup
// refresh and planning) compare versions; nothing is kept in process memory, so a write by
// another process is seen as soon as it commits.

const VERSIONS = 'mc.metricat.data_versions'
const CHANGES = 'mc.metricat.data_changes'

/** Metric definitions (import, put, patch, delete). */
export const DEFINITIONS_SCOPE = 'definitions'
/** Rollup tables (refresh). */
export const ROLLUPS_SCOPE = 'rollups'

export type ChangeKind = 'append' | 'replace' | 'points' | 'definitions' | 'rollup'

/** One change: for appends and ingests, the time range of the rows written per date-like column. */
export interface DataChange {
  scope: string
  kind: ChangeKind
  ranges?: {column: string; lo: string | null; hi: string | null}[]
}

/**
 * The scope of a warehouse table, from a name as loads and definitions write it (`orders`,
 * `main.orders`, `mc.main.orders`, `"Orders"`): the last dotted part, unquoted, lower case.
 * Two tables of one name in different schemas share a scope: they invalidate each other, never
 * too little. Null for a definition whose table is a SELECT (its inputs are unknown).
 */
export function tableScope(name: string): string | null {
  if (/^\s*(select|with)\b/i.test(name)) return null
  const parts = name.match(/"(?:[^"]|"")*"|[^.]+/g) ?? [name]
  const last = parts.at(-1)!.trim()
  const bare = last.startsWith('"') ? last.slice(1, -1).replaceAll('""', '"') : last
  return `table:${bare.toLowerCase()}`
}

export function pointsScope(metricKey: string): string {
  return `points:${metricKey}`
}

/** Bumps the version of each change's scope and logs the changes, inside the writer's transaction. Returns the new version. */
export async function recordChanges(tx: Tx, changes: DataChange[]): Promise<number> {
  if (changes.length === 0) return 0
  type Row = {scope: string; kind: ChangeKind; column: string | null; lo: string | null; hi: string | null}
  const rows = changes.flatMap((c): Row[] => (c.ranges && c.ranges.length > 0 ? c.ranges.map((r) => ({scope: c.scope, kind: c.kind, column: r.column, lo: r.lo, hi: r.hi})) : [{scope: c.scope, kind: c.kind, column: null, lo: null, hi: null}]))
  const scopes = [...new Set(changes.map((c) => c.scope))]
  const json = JSON.stringify(rows)
  // The next version (one counter across scopes, so the max over any set of scopes only grows)
  // and which of the scopes have a row already, in one read;
  // then an UPDATE of those and an INSERT of the others, each only when there are any: the same
  // rows as one INSERT ... ON CONFLICT DO UPDATE, for well under half its CPU (DuckDB's conflict
  // handling costs some 20 ms even for one row; bench/lifecycle.bench.js).
  const [state] = await tx.all<{v: string; present: string}>(
    `SELECT (coalesce(max(version), 0) + 1)::VARCHAR AS v, to_json(coalesce(list(scope) FILTER (WHERE list_contains(from_json($1::JSON, '["VARCHAR"]'), scope)), []))::VARCHAR AS present FROM ${VERSIONS}`,
    [JSON.stringify(scopes)],
  )
  const version = Number(state!.v)
  const present = new Set(JSON.parse(state!.present) as string[])
  const existing = scopes.filter((s) => present.has(s))
  const added = scopes.filter((s) => !present.has(s))
  const scopeList = `(SELECT unnest(from_json($2::JSON, '["VARCHAR"]')) AS s)`
  if (existing.length > 0) {
    await tx.run(`UPDATE ${VERSIONS} SET version = $1, changed_at = now()::TIMESTAMP WHERE scope IN (SELECT s FROM ${scopeList})`, [version, JSON.stringify(existing)])
  }
  if (added.length > 0) {
    await tx.run(`INSERT INTO ${VERSIONS} (scope, version, changed_at) SELECT s, $1, now()::TIMESTAMP FROM ${scopeList}`, [version, JSON.stringify(added)])
  }
  await tx.run(
    `INSERT INTO ${CHANGES} (version, scope, kind, column_name, lo, hi, changed_at)
SELECT $1, r.scope, r.kind, r.column, CAST(r.lo AS TIMESTAMP), CAST(r.hi AS TIMESTAMP), now()::TIMESTAMP
FROM (SELECT unnest(from_json($2::JSON, '[{"scope":"VARCHAR","kind":"VARCHAR","column":"VARCHAR","lo":"VARCHAR","hi":"VARCHAR"}]'), recursive := true)) AS r`,
    [version, json],
  )
  return version
}

/**
 * The highest version among `scopes` (0 when none was ever written); `'*'`: among all scopes.
 * One small indexed read, cheap enough for every cached request.
 */
export async function readDataVersion(db: Pick<Database, 'all'> | Tx, scopes: string[] | '*'): Promise<number> {
  // An IN list of parameters: about half the cost of unnesting a JSON list, on every request. On
  // the catalog connection (`all`), not a pooled read connection: in a server those are for the
  // queries themselves, and a second trip through the pool per request held them back under load.
  const params: SqlValue[] = scopes === '*' ? [] : scopes
  const where = scopes === '*' ? '' : scopes.length === 0 ? ' WHERE false' : ` WHERE scope IN (${scopes.map((_, i) => `$${i + 1}`).join(', ')})`
  const rows = await db.all<{v: string}>(`SELECT coalesce(max(version), 0)::VARCHAR AS v FROM ${VERSIONS}${where}`, params)
  return Number(rows[0]!.v)
}

/** A change logged after `since` for one scope. */
export interface LoggedChange {
  version: number
  kind: ChangeKind
  column: string | null
  lo: string | null
  hi: string | null
}

/** The changes of `scope` with a version above `since`, oldest first. */
export async function readChanges(db: Pick<Database, 'all'>, scope: string, since: number): Promise<LoggedChange[]> {
  const rows = await db.all<{version: string; kind: ChangeKind; column_name: string | null; lo: string | null; hi: string | null}>(
    `SELECT version::VARCHAR AS version, kind, column_name, strftime(lo, '%Y-%m-%d %H:%M:%S.%f') AS lo, strftime(hi, '%Y-%m-%d %H:%M:%S.%f') AS hi
FROM ${CHANGES} WHERE scope = $1 AND version > $2 ORDER BY version`,
    [scope, since],
  )
  return rows.map((r) => ({version: Number(r.version), kind: r.kind, column: r.column_name, lo: r.lo, hi: r.hi}))
}
