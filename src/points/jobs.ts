import type {Database, SqlValue, Tx} from '../db/connection.js'

export type JobKind = 'ingest' | 'run'
export type JobStatus = 'running' | 'succeeded' | 'failed'

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
  exitCode?: number | null
  error?: string | null
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
  ]
  await target.run(
    `INSERT INTO mc.metricat.jobs (id, kind, source, data_source_id, started_at, finished_at, status,
       points_read, rows_inserted, rows_updated, rows_unchanged, exit_code, error)
     VALUES ($1, $2, $3, $4, CAST($5 AS TIMESTAMP), CAST($6 AS TIMESTAMP), $7, $8, $9, $10, $11, $12, $13)`,
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
  status: JobStatus
  points_read: number
  rows_inserted: number
  rows_updated: number
  rows_unchanged: number
  exit_code: number | null
  error: string | null
}

/** The latest jobs, newest first. */
export async function readJobs(db: Database, limit = 50): Promise<JobRow[]> {
  const {rows} = await db.query(`SELECT * FROM mc.metricat.jobs ORDER BY started_at DESC, id LIMIT $1`, [limit])
  return rows as unknown as JobRow[]
}
