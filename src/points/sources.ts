import type {Database, SqlValue, Tx} from '../db/connection.js'
import type {DataSource, DataSourceInput} from './types.js'

const TABLE = 'mc.metricat.data_sources'

/** The fields a caller may set, besides the id. */
export const SOURCE_FIELDS = ['name', 'connector_key', 'source_kind', 'entity_kind', 'entity_id', 'command', 'schedule'] as const satisfies readonly Exclude<keyof DataSourceInput, 'id'>[]

const TIMESTAMPS = ['created_at', 'updated_at', 'last_run_at'] as const

function toIso(ts: unknown): string | null {
  if (ts === null || ts === undefined) return null
  const text = String(ts)
  return `${text.replace(' ', 'T')}${text.endsWith('Z') ? '' : 'Z'}`
}

function rowToSource(row: Record<string, unknown>): DataSource {
  const out = {...row} as Record<string, unknown>
  for (const c of TIMESTAMPS) out[c] = toIso(row[c])
  out.failure_count = Number(row.failure_count ?? 0)
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

/** Inserts a new data source; the caller has checked the id is free. */
export async function insertSource(tx: Tx, input: DataSourceInput, stamp: string): Promise<void> {
  const cols = ['id', ...SOURCE_FIELDS, 'created_at', 'updated_at']
  const values: SqlValue[] = [input.id, input.name ?? input.id, ...SOURCE_FIELDS.slice(1).map((k) => input[k] ?? null), stamp, stamp]
  await tx.run(
    `INSERT INTO ${TABLE} (${cols.join(', ')}) VALUES (${cols.map((c, i) => (c.endsWith('_at') ? `CAST($${i + 1} AS TIMESTAMP)` : `$${i + 1}`)).join(', ')})`,
    values,
  )
}

/** Sets the given fields of an existing data source. */
export async function updateSource(tx: Tx, input: DataSourceInput, stamp: string): Promise<void> {
  const sets: string[] = []
  const values: SqlValue[] = [input.id, stamp]
  for (const column of SOURCE_FIELDS) {
    const v = input[column]
    if (v === undefined) continue
    values.push(v)
    sets.push(`${column} = $${values.length}`)
  }
  await tx.run(`UPDATE ${TABLE} SET ${[...sets, 'updated_at = CAST($2 AS TIMESTAMP)'].join(', ')} WHERE id = $1`, values)
}

export async function deleteSource(tx: Tx, id: string): Promise<void> {
  await tx.run(`DELETE FROM ${TABLE} WHERE id = $1`, [id])
}

/**
 * Records the outcome of a run of data source `input.id`, registering the source first when
 * the id is unknown. `failure_count` counts consecutive failures: a success resets it.
 */
export async function recordSourceRun(tx: Tx, input: DataSourceInput, outcome: {ok: boolean; error?: string; at: string}): Promise<void> {
  if (!(await readSource(tx, input.id))) await insertSource(tx, input, outcome.at)
  await tx.run(
    `UPDATE ${TABLE} SET last_run_at = CAST($2 AS TIMESTAMP), last_status = $3, last_error = $4,
       failure_count = CASE WHEN $3 = 'succeeded' THEN 0 ELSE failure_count + 1 END
     WHERE id = $1`,
    [input.id, outcome.at, outcome.ok ? 'succeeded' : 'failed', outcome.ok ? null : (outcome.error ?? 'failed').slice(0, 4000)],
  )
}
