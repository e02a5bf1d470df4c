import type {Database, Tx} from '../db/connection.js'
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
const JSON_FIELDS = new Set(['tables', 'dimensions', 'filters', 'synonyms', 'sql_variants', 'validation', 'aliases'])

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

async function lastVersion(tx: Tx, id: string): Promise<number> {
  const rows = await tx.all<{v: number | null}>(`SELECT max(version)::INTEGER AS v FROM ${VERSIONS} WHERE id = $1`, [id])
  return rows[0]?.v ?? 0
}

export interface WriteContext {
  source: ChangeSource
  actor?: string
  /** where the definition came from, e.g. the YAML file */
  sourceFile?: string
}

/**
 * Creates or replaces a definition and records one version row. Returns the change made, or
 * null when the stored definition already says the same thing (no version is written then).
 */
export async function writeMetric(tx: Tx, def: MetricDefinition, ctx: WriteContext): Promise<ChangeKind | null> {
  const clean = pickDefinition(def)
  const hash = contentHash(clean)
  const existing = await readMetric(tx, clean.id)
  if (existing && existing.content_hash === hash) return null
  const version = (await lastVersion(tx, clean.id)) + 1
  const change: ChangeKind = existing ? 'update' : 'create'
  const values = DEFINITION_FIELDS.map((k) => {
    const v = clean[k]
    if (v === undefined || v === null) return null
    return JSON_FIELDS.has(k) ? JSON.stringify(v) : (v as string | number)
  })
  const cols = [...DEFINITION_FIELDS, 'source', 'source_file', 'version', 'content_hash']
  const params = [...values, ctx.source, ctx.sourceFile ?? null, version, hash]
  const placeholders = params.map((_, i) => `$${i + 1}`).join(', ')
  await tx.run(
    `INSERT OR REPLACE INTO ${DEFS} (${cols.join(', ')}, created_at, updated_at)
     VALUES (${placeholders}, ${existing ? `$${params.length + 1}::TIMESTAMP` : 'now()::TIMESTAMP'}, now()::TIMESTAMP)`,
    existing ? [...params, existing.created_at.replace('Z', '')] : params,
  )
  await insertVersion(tx, clean, version, change, hash, ctx)
  return change
}

/** Deletes a definition, recording a `delete` version with its last content. */
export async function deleteMetric(tx: Tx, id: string, ctx: WriteContext): Promise<boolean> {
  const existing = await readMetric(tx, id)
  if (!existing) return false
  const version = (await lastVersion(tx, id)) + 1
  await tx.run(`DELETE FROM ${DEFS} WHERE id = $1`, [id])
  await insertVersion(tx, pickDefinition(existing), version, 'delete', existing.content_hash, ctx)
  return true
}

async function insertVersion(tx: Tx, def: MetricDefinition, version: number, change: ChangeKind, hash: string, ctx: WriteContext) {
  await tx.run(
    `INSERT INTO ${VERSIONS} (id, version, change, definition, content_hash, source, actor, changed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now()::TIMESTAMP)`,
    [def.id, version, change, canonicalJson(def), hash, ctx.source, ctx.actor ?? defaultActor()],
  )
}

function defaultActor(): string | null {
  return process.env.METRICAT_ACTOR ?? process.env.USER ?? null
}
