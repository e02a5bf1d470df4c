import type {Database, SqlValue, Tx} from '../db/connection.js'
import {DEFAULT_MAX_FAILURES, nextPollAt, timestampText} from './schedule.js'
import type {DataSource, DataSourceInput} from './types.js'

const TABLE = 'mc.metricat.data_sources'

/** The fields a caller may set, besides the id. */
export const SOURCE_FIELDS = [
  'name',
  'connector_key',
  'source_kind',
  'entity_kind',
  'entity_id',
  'command',
  'schedule',
  'poll_frequency',
  'cron',
  'max_failures',
  'timeout_seconds',
  'retries',
  'mode',
] as const satisfies readonly Exclude<keyof DataSourceInput, 'id'>[]

/** Fields that change when a source runs next. */
const SCHEDULE_FIELDS = new Set(['poll_frequency', 'cron', 'command'])

const TIMESTAMPS = ['created_at', 'updated_at', 'last_run_at', 'next_poll_at', 'last_success_at'] as const

function toIso(ts: unknown): string | null {
  if (ts === null || ts === undefined) return null
  const text = String(ts)
  const ms = Date.parse(`${text.replace(' ', 'T')}${text.endsWith('Z') ? '' : 'Z'}`)
  return Number.isFinite(ms) ? new Date(ms).toISOString() : text
}

function rowToSource(row: Record<string, unknown>): DataSource {
  const out = {...row} as Record<string, unknown>
  for (const c of TIMESTAMPS) out[c] = toIso(row[c])
  out.failure_count = Number(row.failure_count ?? 0)
  out.status = row.status ?? 'active'
  out.max_failures = Number(row.max_failures ?? DEFAULT_MAX_FAILURES)
  out.retries = Number(row.retries ?? 0)
  out.timeout_seconds = row.timeout_seconds === null || row.timeout_seconds === undefined ? null : Number(row.timeout_seconds)
  out.mode = row.mode ?? 'series'
  return out as unknown as DataSource
}

export async function readSources(db: Database | Tx): Promise<DataSource[]> {
  const rows = await db.all(`SELECT * FROM ${TABLE} ORDER BY id`)
  return rows.map(rowToSource)
}

export async function readSource(db: Database | Tx, id: string): Promise<DataSource | undefined> {
  const rows = await db.all(`SELECT * FROM ${TABLE} WHERE id = $1`, [id])
  return rows[0] ? rowToSource(rows[0]) : undefined
}

/** When a source (as it will be stored) runs next, counted from `now`; null without a command. */
function scheduledAt(source: Pick<DataSource, 'command' | 'poll_frequency' | 'cron' | 'status'>, now: Date): string | null {
  if (!source.command || source.status === 'disabled') return null
  const next = nextPollAt(source, now)
  return next ? timestampText(next) : null
}

/** Inserts a new data source; the caller has checked the id is free. */
export async function insertSource(tx: Tx, input: DataSourceInput, stamp: string, now = new Date()): Promise<void> {
  const cols = ['id', ...SOURCE_FIELDS, 'created_at', 'updated_at', 'next_poll_at']
  const next = scheduledAt({command: input.command ?? null, poll_frequency: input.poll_frequency ?? null, cron: input.cron ?? null, status: 'active'}, now)
  const values: SqlValue[] = [
    input.id,
    input.name ?? input.id,
    ...SOURCE_FIELDS.slice(1).map((k) => input[k] ?? (k === 'max_failures' ? DEFAULT_MAX_FAILURES : k === 'retries' ? 0 : k === 'mode' ? 'series' : null)),
    stamp,
    stamp,
    next,
  ]
  await tx.run(
    `INSERT INTO ${TABLE} (${cols.join(', ')}, status) VALUES (${cols.map((c, i) => (c.endsWith('_at') ? `CAST($${i + 1} AS TIMESTAMP)` : `$${i + 1}`)).join(', ')}, 'active')`,
    values,
  )
}

/** Sets the given fields of an existing data source; a new schedule or command moves next_poll_at. */
export async function updateSource(tx: Tx, input: DataSourceInput, stamp: string, now = new Date()): Promise<void> {
  const sets: string[] = []
  const values: SqlValue[] = [input.id, stamp]
  let rescheduled = false
  for (const column of SOURCE_FIELDS) {
    const v = input[column]
    if (v === undefined) continue
    values.push(v)
    sets.push(`${column} = $${values.length}`)
    if (SCHEDULE_FIELDS.has(column)) rescheduled = true
  }
  // a poll frequency replaces a cron expression and the other way round
  if (input.poll_frequency !== undefined && input.cron === undefined) sets.push('cron = NULL')
  if (input.cron !== undefined && input.poll_frequency === undefined) sets.push('poll_frequency = NULL')
  await tx.run(`UPDATE ${TABLE} SET ${[...sets, 'updated_at = CAST($2 AS TIMESTAMP)'].join(', ')} WHERE id = $1`, values)
  if (rescheduled) {
    const source = (await readSource(tx, input.id))!
    await tx.run(`UPDATE ${TABLE} SET next_poll_at = CAST($2 AS TIMESTAMP) WHERE id = $1`, [input.id, scheduledAt(source, now)])
  }
}

export async function deleteSource(tx: Tx, id: string): Promise<void> {
  await tx.run(`DELETE FROM ${TABLE} WHERE id = $1`, [id])
  await tx.run('DELETE FROM mc.metricat.source_leases WHERE data_source_id = $1', [id])
}

/** `sources enable`: active again, failures forgotten, scheduled from `now`. */
export async function enableSource(tx: Tx, id: string, now: Date): Promise<void> {
  const source = (await readSource(tx, id))!
  const next = scheduledAt({...source, status: 'active'}, now)
  await tx.run(`UPDATE ${TABLE} SET status = 'active', failure_count = 0, disabled_reason = NULL, next_poll_at = CAST($2 AS TIMESTAMP), updated_at = CAST($3 AS TIMESTAMP) WHERE id = $1`, [
    id,
    next,
    timestampText(now),
  ])
}

/**
 * Records the outcome of a run of data source `input.id`, registering the source first when
 * the id is unknown. `failure_count` counts consecutive failures: a success resets it (and makes
 * the source active again); a failure makes it `failing`, and the max_failures-th one in a row
 * `disabled`, with the reason. The next poll is counted from this run.
 */
export async function recordSourceRun(tx: Tx, input: DataSourceInput, outcome: {ok: boolean; error?: string; at: string; now?: Date}): Promise<void> {
  const now = outcome.now ?? new Date(`${outcome.at.replace(' ', 'T')}Z`)
  if (!(await readSource(tx, input.id))) await insertSource(tx, input, outcome.at, now)
  const source = (await readSource(tx, input.id))!
  const failures = outcome.ok ? 0 : source.failure_count + 1
  const status = outcome.ok ? 'active' : failures >= source.max_failures ? 'disabled' : 'failing'
  const error = outcome.ok ? null : (outcome.error ?? 'failed').slice(0, 4000)
  const reason = status === 'disabled' ? `disabled after ${failures} consecutive failed runs (max_failures ${source.max_failures}); last error: ${error}; \`metricat sources enable ${source.id}\` after fixing it` : null
  await tx.run(
    `UPDATE ${TABLE} SET last_run_at = CAST($2 AS TIMESTAMP), last_status = $3, last_error = $4, failure_count = $5, status = $6,
       disabled_reason = $7, next_poll_at = CAST($8 AS TIMESTAMP),
       last_success_at = CASE WHEN $3 = 'succeeded' THEN CAST($2 AS TIMESTAMP) ELSE last_success_at END
     WHERE id = $1`,
    [input.id, outcome.at, outcome.ok ? 'succeeded' : 'failed', error, failures, status, reason, scheduledAt({...source, status}, now)],
  )
}
