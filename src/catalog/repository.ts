import {userInfo} from 'node:os'

import {type Database, STORE, type Tx} from '../db/connection.js'
import {DEFINITIONS_SCOPE, recordChanges} from '../db/data-versions.js'
import {quoteIdent} from '../query/quote.js'
import {DEFINITION_FIELDS, canonicalJson, contentHash, pickDefinition} from './hash.js'
import type {MetricDefinition, StoredMetric} from './types.js'

export type ChangeKind = 'create' | 'update' | 'delete'
export type ChangeSource = 'yaml' | 'cli' | 'api'

export interface MetricVersion {
  id: string
  version: number
  change: ChangeKind
  content_hash: string
  source: ChangeSource
  actor: string | null
  changed_at: string
  definition: MetricDefinition
}

const DEFS = 'mc.metricat.metric_definitions'
const VERSIONS = 'mc.metricat.metric_versions'

type Reader = Pick<Database, 'all'> | Tx

function toIso(ts: unknown): string {
  return typeof ts === 'string' ? `${ts.replace(' ', 'T')}${ts.includes('Z') ? '' : 'Z'}` : String(ts)
}

// metric_definitions holds one row per current definition: `id`, every other field of the
// definition as one JSON object (`fields`, migration 11: one column instead of one per field, as
// each column of a changed table costs DuckDB's checkpoint ~1-2 ms of CPU), and the bookkeeping.
// This file is the only reader and writer of the table.

function rowToMetric(row: Record<string, unknown>): StoredMetric {
  const fields = JSON.parse(row.fields as string) as Record<string, unknown>
  const def: Record<string, unknown> = {}
  // the fields in DEFINITION_FIELDS order whatever the order stored, as show and export list them
  for (const k of DEFINITION_FIELDS) {
    const v = k === 'id' ? row.id : fields[k]
    if (v === null || v === undefined) continue
    def[k] = v
  }
  return {
    ...(def as unknown as MetricDefinition),
    version: Number(row.version),
    content_hash: row.content_hash as string,
    source: (row.source as string | null) ?? undefined,
    source_file: (row.source_file as string | null) ?? undefined,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  }
}

/** Every current definition, ordered by id. */
export async function readAllMetrics(db: Reader): Promise<StoredMetric[]> {
  const rows = await db.all(`SELECT * FROM ${DEFS} ORDER BY id`)
  return rows.map(rowToMetric)
}

export async function readMetric(db: Reader, id: string): Promise<StoredMetric | undefined> {
  const rows = await db.all(`SELECT * FROM ${DEFS} WHERE id = $1`, [id])
  return rows[0] ? rowToMetric(rows[0]) : undefined
}

/** The current metric that lists `alias` among its former ids. */
export async function readMetricByAlias(db: Reader, alias: string): Promise<StoredMetric | undefined> {
  const rows = await db.all(
    `SELECT * FROM ${DEFS} WHERE list_contains(from_json(fields -> '$.aliases', '["VARCHAR"]'), $1) ORDER BY id LIMIT 1`,
    [alias],
  )
  return rows[0] ? rowToMetric(rows[0]) : undefined
}

export async function readHistory(db: Reader, id: string): Promise<MetricVersion[]> {
  const rows = await db.all(`SELECT * FROM ${VERSIONS} WHERE id = $1 ORDER BY version`, [id])
  return rows.map((r) => ({
    id: r.id as string,
    version: Number(r.version),
    change: r.change as ChangeKind,
    content_hash: r.content_hash as string,
    source: r.source as ChangeSource,
    actor: (r.actor as string | null) ?? null,
    changed_at: toIso(r.changed_at),
    definition: JSON.parse(r.definition as string) as MetricDefinition,
  }))
}

export interface WriteContext {
  source: ChangeSource
  actor?: string
}

export interface MetricWrite {
  definition: MetricDefinition
  /** where the definition came from, e.g. the YAML file */
  sourceFile?: string
}

const ID_LIST = `(SELECT unnest(from_json($1, '["VARCHAR"]')))`

async function lastVersions(tx: Tx, ids: string[]): Promise<Map<string, number>> {
  const rows = await tx.all<{id: string; v: number}>(`SELECT id, max(version)::INTEGER AS v FROM ${VERSIONS} WHERE id IN ${ID_LIST} GROUP BY id`, [JSON.stringify(ids)])
  return new Map(rows.map((r) => [r.id, r.v]))
}

/**
 * Creates or replaces definitions and records one version row for each that changed. Returns
 * the change made per id; ids whose stored definition already says the same thing are absent
 * (no version is written for them).
 */
export async function writeMetrics(tx: Tx, writes: MetricWrite[], ctx: WriteContext): Promise<Map<string, ChangeKind>> {
  const changes = new Map<string, ChangeKind>()
  if (writes.length === 0) return changes
  const ids = writes.map((w) => w.definition.id)
  const existing = new Map(
    (await tx.all<{id: string; content_hash: string; created_at: string}>(`SELECT id, content_hash, created_at::VARCHAR AS created_at FROM ${DEFS} WHERE id IN ${ID_LIST}`, [JSON.stringify(ids)])).map((r) => [r.id, r]),
  )
  const last = await lastVersions(tx, ids)
  const rows: Record<string, unknown>[] = []
  const versions: Record<string, unknown>[] = []
  for (const w of writes) {
    const clean = pickDefinition(w.definition)
    const hash = contentHash(clean)
    const before = existing.get(clean.id)
    if (before?.content_hash === hash) continue
    const version = (last.get(clean.id) ?? 0) + 1
    const change: ChangeKind = before ? 'update' : 'create'
    changes.set(clean.id, change)
    const {id, ...fields} = clean
    rows.push({id, fields: JSON.stringify(fields), source: ctx.source, source_file: w.sourceFile ?? null, version, content_hash: hash, created_at: before?.created_at ?? null})
    versions.push({id: clean.id, version, change, definition: canonicalJson(clean), content_hash: hash})
  }
  if (rows.length === 0) return changes
  // A changed metric's row is replaced: deleted here, appended below with the rest.
  const replaced = [...changes].filter(([, change]) => change === 'update').map(([id]) => id)
  if (replaced.length > 0) await tx.run(`DELETE FROM ${DEFS} WHERE id IN ${ID_LIST}`, [JSON.stringify(replaced)])
  const now = await transactionNow(tx)
  for (const r of rows) {
    r.created_at ??= now
    r.updated_at = now
  }
  await appendRows(tx, DEFINITIONS_TABLE, rows)
  await insertVersions(tx, versions, ctx, now)
  return changes
}

/** One definition; see `writeMetrics`. Returns null when nothing changed. */
export async function writeMetric(tx: Tx, def: MetricDefinition, ctx: WriteContext): Promise<ChangeKind | null> {
  return (await writeMetrics(tx, [{definition: def}], ctx)).get(def.id) ?? null
}

/** Deletes definitions, recording a `delete` version with each one's last content. Returns the ids deleted. */
export async function deleteMetrics(tx: Tx, ids: string[], ctx: WriteContext): Promise<string[]> {
  if (ids.length === 0) return []
  const current = (await tx.all(`SELECT * FROM ${DEFS} WHERE id IN ${ID_LIST}`, [JSON.stringify(ids)])).map(rowToMetric)
  if (current.length === 0) return []
  const last = await lastVersions(tx, current.map((m) => m.id))
  await tx.run(`DELETE FROM ${DEFS} WHERE id IN ${ID_LIST}`, [JSON.stringify(current.map((m) => m.id))])
  await insertVersions(
    tx,
    current.map((m) => ({id: m.id, version: (last.get(m.id) ?? 0) + 1, change: 'delete', definition: canonicalJson(pickDefinition(m)), content_hash: m.content_hash})),
    ctx,
    await transactionNow(tx),
  )
  return current.map((m) => m.id)
}

export async function deleteMetric(tx: Tx, id: string, ctx: WriteContext): Promise<boolean> {
  return (await deleteMetrics(tx, [id], ctx)).length > 0
}

async function insertVersions(tx: Tx, versions: Record<string, unknown>[], ctx: WriteContext, now: string) {
  const actor = ctx.actor ?? defaultActor()
  await appendRows(tx, VERSIONS_TABLE, versions.map((v) => ({...v, source: ctx.source, actor, changed_at: now})))
  // every definition change bumps the definitions' data version (cached results keyed by it go stale)
  if (versions.length > 0) await recordChanges(tx, [{scope: DEFINITIONS_SCOPE, kind: 'definitions'}])
}

/** The transaction's timestamp (DuckDB's `now()`: the same for every statement of the transaction), as text. */
async function transactionNow(tx: Tx): Promise<string> {
  const [row] = await tx.all<{now: string}>(`SELECT now()::TIMESTAMP::VARCHAR AS now`)
  return row!.now
}

export interface TableName {
  catalog: string
  schema: string
  table: string
}
/** metricat.metric_definitions, for `appendRows` */
export const DEFINITIONS_TABLE: TableName = {catalog: STORE, schema: 'metricat', table: 'metric_definitions'}
const VERSIONS_TABLE: TableName = {catalog: STORE, schema: 'metricat', table: 'metric_versions'}

/**
 * Appends `rows` to a catalog table inside the transaction, through DuckDB's appender: one native
 * call per value and no SQL text at all, where one INSERT of the rows as a JSON parameter spent
 * most of its time unpacking the JSON (bench/catalog.bench.js). Each row names every column of
 * the table (null for none) and no other; a column a row does not name, a key that is no column
 * (the INSERT this replaced failed on one too), or a type this does not know, is a programming
 * error and fails the transaction. Constraints (primary keys, NOT NULL, CHECK) hold
 * as for INSERT, and a rollback discards the rows.
 */
export async function appendRows(tx: Tx, name: TableName, rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return
  // The table's columns in order, from preparing a SELECT of it (nothing runs): about a tenth of
  // the CPU of asking duckdb_columns(), which lists every column of every attached table first.
  const columns = await tx.describe(`SELECT * FROM ${quoteIdent(name.catalog)}.${quoteIdent(name.schema)}.${quoteIdent(name.table)}`)
  const appender = await tx.connection.createAppender(name.table, name.schema, name.catalog)
  let failed = false
  try {
    for (const row of rows) {
      // every column named (below) and no other: a field without a column would be dropped silently
      if (Object.keys(row).length !== columns.length) {
        const extra = Object.keys(row).find((k) => !columns.some((c) => c.name === k))
        if (extra !== undefined) throw new Error(`appending to ${name.table}: ${name.table} has no column ${extra}`)
      }
      for (const {name: column, type} of columns) {
        if (!(column in row)) throw new Error(`appending to ${name.table}: the row has no column ${column}`)
        const v = row[column]
        if (v === null || v === undefined) appender.appendNull()
        // text as it is; anything else as its JSON text, as the JSON INSERT this replaced stored it
        else if (type === 'VARCHAR' || type === 'JSON') appender.appendVarchar(typeof v === 'string' ? v : JSON.stringify(v))
        else if (type === 'INTEGER') appender.appendInteger(Number(v))
        else if (type === 'DOUBLE') appender.appendDouble(Number(v))
        // the transaction's timestamp as text (`transactionNow`), cast by the appender
        else if (type === 'TIMESTAMP') appender.appendVarchar(String(v))
        else throw new Error(`appending to ${name.table}: column ${column} has type ${type}, which appendRows does not write`)
      }
      appender.endRow()
    }
    appender.flushSync()
  } catch (error) {
    failed = true
    throw error
  } finally {
    // closing flushes what is left: after a failure that fails again, and the first error is the one to tell
    try {
      appender.closeSync()
    } catch (error) {
      if (!failed) throw error
    }
  }
}

function defaultActor(): string | null {
  if (process.env.METRICAT_ACTOR) return process.env.METRICAT_ACTOR
  try {
    return userInfo().username
  } catch {
    return process.env.USER ?? null
  }
}
