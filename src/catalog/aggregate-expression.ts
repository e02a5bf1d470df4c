import type {Database} from '../db/connection.js'

interface SqlNode {
  class?: string
  function_name?: string
  [key: string]: unknown
}

// The aggregate function names of this DuckDB build (count(*) parses as count_star), read once per database.
const aggregateNames = new WeakMap<Database, Promise<Set<string>>>()

function namesOf(db: Database): Promise<Set<string>> {
  let names = aggregateNames.get(db)
  if (!names) {
    names = db
      .all<{name: string}>(`SELECT DISTINCT lower(function_name) AS name FROM duckdb_functions() WHERE function_type = 'aggregate'`)
      .then((rows) => new Set(rows.map((r) => r.name)))
    aggregateNames.set(db, names)
  }
  return names
}

/**
 * Whether a parsed expression calls an aggregate function outside any subquery and window:
 * `SUM(x) * 12`, `COUNT(DISTINCT id)`, `SUM(CASE ... END)` do; `x * 12`, `sum(x) OVER ()`,
 * `(SELECT max(y) FROM t)` do not.
 */
function callsAggregate(node: unknown, names: Set<string>): boolean {
  if (Array.isArray(node)) return node.some((n) => callsAggregate(n, names))
  if (node === null || typeof node !== 'object') return false
  const n = node as SqlNode
  if (n.class === 'SUBQUERY' || n.class === 'WINDOW') return false
  if (n.class === 'FUNCTION' && typeof n.function_name === 'string' && names.has(n.function_name.toLowerCase())) return true
  return Object.values(n).some((v) => callsAggregate(v, names))
}

/**
 * Of `expressions`, those that already are aggregates, decided by DuckDB's own parser
 * (`json_serialize_sql`) and its function catalog (`duckdb_functions()`), never by pattern
 * matching. An expression that does not parse as one select item is not an aggregate (binding it
 * later reports the real error).
 */
export async function aggregateExpressions(db: Database, expressions: string[]): Promise<Set<string>> {
  const out = new Set<string>()
  const distinct = [...new Set(expressions.filter((e) => e.trim() !== ''))]
  if (distinct.length === 0) return out
  const names = await namesOf(db)
  // one statement for any number of expressions; each one is a bound value, never SQL text
  const rows = await db.all<{e: string; j: string}>(
    `SELECT e, json_serialize_sql('SELECT ' || e) AS j FROM (SELECT unnest(from_json($1, '["VARCHAR"]')) AS e)`,
    [JSON.stringify(distinct)],
  )
  for (const {e, j} of rows) {
    const parsed = JSON.parse(j) as {error?: boolean; statements?: {node?: {select_list?: unknown[]; from_table?: {type?: string}}}[]}
    const statement = parsed.statements?.length === 1 ? parsed.statements[0]!.node : undefined
    if (parsed.error || !statement || statement.select_list?.length !== 1 || statement.from_table?.type !== 'EMPTY') continue
    if (callsAggregate(statement.select_list, names)) out.add(e)
  }
  return out
}
