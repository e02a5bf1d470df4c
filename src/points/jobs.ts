import type {Database, SqlValue, Tx} from '../db/connection.js'

export const JOB_KINDS = ['ingest', 'run', 'import', 'load', 'rollup'] as const
export type JobKind = (typeof JOB_KINDS)[number]
export const JOB_STATUSES = ['running', 'completed', 'failed', 'partial', 'interrupted'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

/** One row of metricat.jobs: every ingest and every run, successful or not. */
export interface JobRecord {
  id: string
  kind: JobKind
  /** file name, `stdin`, `body` (HTTP) or the command line of a run */
  source: string
  dataSourceId?: string
  /** UTC TIMESTAMP text */
  startedAt: string
  finishedAt: string
  status: JobStatus
  pointsRead: number
  inserted: number
  updated: number
  unchanged: number
  /** points a snapshot run removed */
  deleted?: number
  exitCode?: number | null
  error?: string | null
  /** the last lines of the program's stderr */
  stderrTail?: string | null
  /** which attempt of a run with retries (1 = the first) */
  attempt?: number
}

const MAX_ERROR = 4000

export async function insertJob(target: Tx | Database, job: JobRecord): Promise<void> {
  const params: SqlValue[] = [
    job.id,
    job.kind,
    job.source,
    job.dataSourceId ?? null,
    job.startedAt,
    job.finishedAt,
    job.status,
    job.pointsRead,
    job.inserted,
    job.updated,
    job.unchanged,
    job.exitCode ?? null,
    job.error ? job.error.slice(0, MAX_ERROR) : null,
    job.deleted ?? 0,
    job.stderrTail ?? null,
    job.attempt ?? 1,
  ]
  await target.run(
    `INSERT INTO mc.metricat.jobs (id, kind, source, data_source_id, started_at, finished_at, status,
       points_read, rows_inserted, rows_updated, rows_unchanged, exit_code, error, rows_deleted, stderr_tail, attempts)
     VALUES ($1, $2, $3, $4, CAST($5 AS TIMESTAMP), CAST($6 AS TIMESTAMP), $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    params,
  )
}

export interface JobRow {
  id: string
  kind: JobKind
  source: string | null
  data_source_id: string | null
  started_at: string
  finished_at: string | null
  /** seconds from start to finish */
  duration_s: number | null
  status: JobStatus
  points_read: number
  rows_inserted: number
  rows_updated: number
  rows_unchanged: number
  rows_deleted: number
  exit_code: number | null
  error: string | null
  stderr_tail: string | null
  attempts: number
}

export interface JobFilter {
  dataSourceId?: string
  status?: JobStatus
  kind?: JobKind
  /** only jobs started at or after this instant */
  since?: Date
  limit?: number
}

function iso(ts: unknown): string | null {
  if (ts === null || ts === undefined) return null
  return `${String(ts).replace(' ', 'T')}Z`
}

/** The latest jobs, newest first, filtered. */
export async function readJobs(db: Database, filter: JobFilter = {}): Promise<JobRow[]> {
  const where: string[] = []
  const params: SqlValue[] = []
  const add = (sql: string, v: SqlValue) => {
    params.push(v)
    where.push(sql.replace('?', `$${params.length}`))
  }
  if (filter.dataSourceId !== undefined) add('data_source_id = ?', filter.dataSourceId)
  if (filter.status !== undefined) add('status = ?', filter.status)
  if (filter.kind !== undefined) add('kind = ?', filter.kind)
  if (filter.since !== undefined) add('started_at >= CAST(? AS TIMESTAMP)', filter.since.toISOString().replace('T', ' ').replace('Z', ''))
  params.push(filter.limit ?? 50)
  const {rows} = await db.query(
    `SELECT *, CAST(epoch_ms(finished_at) - epoch_ms(started_at) AS DOUBLE) / 1000 AS duration_s FROM mc.metricat.jobs
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id LIMIT $${params.length}`,
    params,
  )
  return rows.map((r) => ({
    ...(r as unknown as JobRow),
    started_at: iso(r.started_at)!,
    finished_at: iso(r.finished_at),
    points_read: Number(r.points_read),
    rows_inserted: Number(r.rows_inserted),
    rows_updated: Number(r.rows_updated),
    rows_unchanged: Number(r.rows_unchanged),
    rows_deleted: Number(r.rows_deleted),
    attempts: Number(r.attempts),
  }))
}
