import {userInfo} from 'node:os'

import type {Database, Tx} from '../db/connection.js'
import {DEFINITIONS_SCOPE, recordChanges} from '../db/data-versions.js'
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
const JSON_FIELDS = new Set(['tables', 'dimensions', 'filters', 'synonyms', 'sql_variants', 'validation', 'aliases', 'chart', 'rollups'])

type Reader = Pick<Database, 'all'> | Tx

function toIso(ts: unknown): string {
  return typeof ts === 'string' ? `${ts.replace(' ', 'T')}${ts.includes('Z') ? '' : 'Z'}` : String(ts)
}

function rowToMetric(row: Record<string, unknown>): StoredMetric {
  const def: Record<string, unknown> = {}
  for (const k of DEFINITION_FIELDS) {
    const v = row[k]
    if (v === null || v === undefined) continue
    def[k] = JSON_FIELDS.has(k) ? JSON.parse(v as string) : v
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
    `SELECT * FROM ${DEFS} WHERE list_contains(from_json(aliases, '["VARCHAR"]'), $1) ORDER BY id LIMIT 1`,
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

// Rows travel to DuckDB as one JSON parameter and are unpacked with from_json: one statement per
// table for any number of metrics, every value still a bound parameter.
const ROW_STRUCTURE = JSON.stringify([{
  ...Object.fromEntries(DEFINITION_FIELDS.map((k) => [k, k === 'percentile' ? 'DOUBLE' : 'VARCHAR'])),
  source: 'VARCHAR', source_file: 'VARCHAR', version: 'INTEGER', content_hash: 'VARCHAR', created_at: 'VARCHAR',
}])
const VERSION_STRUCTURE = JSON.stringify([{id: 'VARCHAR', version: 'INTEGER', change: 'VARCHAR', definition: 'VARCHAR', content_hash: 'VARCHAR'}])
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
    const row: Record<string, unknown> = {source: ctx.source, source_file: w.sourceFile ?? null, version, content_hash: hash, created_at: before?.created_at ?? null}
    for (const k of DEFINITION_FIELDS) {
      const v = clean[k]
      row[k] = v === undefined || v === null ? null : JSON_FIELDS.has(k) ? JSON.stringify(v) : v
    }
    rows.push(row)
    versions.push({id: clean.id, version, change, definition: canonicalJson(clean), content_hash: hash})
  }
  if (rows.length === 0) return changes
  const cols = [...DEFINITION_FIELDS, 'source', 'source_file', 'version', 'content_hash']
  await tx.run(
    `INSERT OR REPLACE INTO ${DEFS} (${cols.join(', ')}, created_at, updated_at)
     SELECT ${cols.join(', ')}, coalesce(created_at::TIMESTAMP, now()::TIMESTAMP), now()::TIMESTAMP
     FROM (SELECT unnest(from_json($1, '${ROW_STRUCTURE}'), recursive := true))`,
    [JSON.stringify(rows)],
  )
  await insertVersions(tx, versions, ctx)
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
  )
  return current.map((m) => m.id)
}

export async function deleteMetric(tx: Tx, id: string, ctx: WriteContext): Promise<boolean> {
  return (await deleteMetrics(tx, [id], ctx)).length > 0
}

async function insertVersions(tx: Tx, versions: Record<string, unknown>[], ctx: WriteContext) {
  await tx.run(
    `INSERT INTO ${VERSIONS} (id, version, change, definition, content_hash, source, actor, changed_at)
     SELECT id, version, change, definition, content_hash, $2, $3, now()::TIMESTAMP
     FROM (SELECT unnest(from_json($1, '${VERSION_STRUCTURE}'), recursive := true))`,
    [JSON.stringify(versions), ctx.source, ctx.actor ?? defaultActor()],
  )
  // every definition change bumps the definitions' data version (cached results keyed by it go stale)
  if (versions.length > 0) await recordChanges(tx, [{scope: DEFINITIONS_SCOPE, kind: 'definitions'}])
}

function defaultActor(): string | null {
  if (process.env.METRICAT_ACTOR) return process.env.METRICAT_ACTOR
  try {
    return userInfo().username
  } catch {
    return process.env.USER ?? null
  }
}
