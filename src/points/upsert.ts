import type {Database, Tx} from '../db/connection.js'
import {pointsScope, recordChanges} from '../db/data-versions.js'
import {quoteIdent} from '../query/quote.js'
import {POINTS_TABLE} from './points-sql.js'
import type {StagingTables} from './stage.js'


/** The upsert key (README "The point format"), as the table's PRIMARY KEY lists it. */
export const KEY_COLUMNS = ['metric_key', 'data_source_id', 'entity_kind', 'entity_id', 'granularity', '"date"', 'dimensions']

/** Columns a re-sent point may change; an upsert that changes none of them leaves the row alone. */
const VALUE_COLUMNS = ['value', 'connector_key', 'source_kind']

export interface UpsertCounts {
  distinct: number
  inserted: number
  updated: number
  unchanged: number
}

const t = (name: string): string => `temp.main.${quoteIdent(name)}`

/**
 * Resolves duplicates inside the staged batch, last one wins (DuckDB's ON CONFLICT would keep an
 * arbitrary one of them), into a TEMP table of ids, and drops the staging rows. Grouping runs on
 * integers; when a dictionary forgot entries (one string, several ids), ids are first mapped to
 * the smallest id with the same strings. Runs outside the write transaction: it only touches
 * TEMP tables. Returns the number of distinct points, and how many of them are increments of
 * the stored value (`inc = 1`).
 */
export async function dedupStaged(db: Database, tables: StagingTables, ambiguousIds: boolean, grouped: string, increments = false): Promise<{distinct: number; increments: number}> {
  const keyParts = 'metric_key, data_source_id, entity_kind, entity_id, granularity'
  const source = ambiguousIds
    ? `(
  SELECT k.canon AS key_id, d.canon AS dims_id, s.date_ms, s.date_us, s.value, s.attr_id, s.seq, s.inc
  FROM ${t(tables.points)} AS s
  JOIN (SELECT id, min(id) OVER (PARTITION BY ${keyParts}) AS canon FROM ${t(tables.keys)}) AS k ON k.id = s.key_id
  JOIN (SELECT id, min(id) OVER (PARTITION BY dimensions) AS canon FROM ${t(tables.dims)}) AS d ON d.id = s.dims_id
)`
    : t(tables.points)
  // Counters (`op: increment`): the points of one key apply in order. The last replace (if any)
  // sets the value and the increments after it add to it; with no replace in the batch the row
  // is an increment of the stored value by the sum of the batch's increments (inc = 1).
  await db.run(
    increments
      ? `CREATE TEMP TABLE ${quoteIdent(grouped)} AS
WITH s AS (
  SELECT *, max(CASE WHEN inc = 0 THEN seq END) OVER (PARTITION BY key_id, date_ms, date_us, dims_id) AS last_set FROM ${source}
)
SELECT key_id, date_ms, date_us, dims_id,
  coalesce(max(value) FILTER (WHERE seq = last_set), 0) + coalesce(sum(value) FILTER (WHERE inc = 1 AND (last_set IS NULL OR seq > last_set)), 0) AS value,
  arg_max(attr_id, seq) AS attr_id,
  CASE WHEN max(last_set) IS NULL THEN 1 ELSE 0 END AS inc
FROM s
GROUP BY key_id, date_ms, date_us, dims_id`
      : `CREATE TEMP TABLE ${quoteIdent(grouped)} AS
SELECT key_id, date_ms, date_us, dims_id, arg_max(value, seq) AS value, arg_max(attr_id, seq) AS attr_id, 0 AS inc
FROM ${source}
GROUP BY key_id, date_ms, date_us, dims_id`,
  )
  await db.run(`DROP TABLE ${t(tables.points)}`)
  const [row] = await db.all<{n: number; inc: number}>(`SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE inc = 1)::INTEGER AS inc FROM ${t(grouped)}`)
  return {distinct: row!.n, increments: row!.inc}
}

async function countPoints(tx: Tx): Promise<number> {
  const [row] = await tx.all<{n: string}>(`SELECT count(*)::VARCHAR AS n FROM ${POINTS_TABLE}`)
  return Number(row!.n)
}

/**
 * One INSERT ... ON CONFLICT DO UPDATE from the deduplicated batch (strings joined back from the
 * dictionaries), inside the caller's transaction. Rows whose value (and connector/source kind)
 * are already stored are not rewritten: the DO UPDATE has a WHERE, and DuckDB counts only the
 * rows it inserted or updated. Inserted rows are the growth of the table, so updated = changed -
 * inserted. `increments`: how many of the `distinct` rows are increments (`dedupStaged`); the
 * statement for the other kind is not run when there are none of it (~10 ms of CPU each).
 */
export async function upsertDeduped(tx: Tx, tables: StagingTables, grouped: string, distinct: number, stamp: string, increments = 0): Promise<UpsertCounts> {
  const before = await countPoints(tx)
  const cols = [...KEY_COLUMNS, ...VALUE_COLUMNS]
  const changedWhere = VALUE_COLUMNS.map((c) => `metric_points.${c} IS DISTINCT FROM excluded.${c}`).join(' OR ')
  const attrsChanged = VALUE_COLUMNS.filter((c) => c !== 'value').map((c) => `metric_points.${c} IS DISTINCT FROM excluded.${c}`).join(' OR ')
  const insert = (inc: 0 | 1): string => `INSERT INTO ${POINTS_TABLE} (${cols.join(', ')}, created_at, updated_at)
SELECT k.metric_key, k.data_source_id, k.entity_kind, k.entity_id, k.granularity,
  make_timestamp(CAST(g.date_ms AS BIGINT) * 1000 + g.date_us), d.dimensions,
  g.value, a.connector_key, a.source_kind, CAST($1 AS TIMESTAMP), CAST($1 AS TIMESTAMP)
FROM ${t(grouped)} AS g
JOIN ${t(tables.keys)} AS k ON k.id = g.key_id
JOIN ${t(tables.dims)} AS d ON d.id = g.dims_id
JOIN ${t(tables.attrs)} AS a ON a.id = g.attr_id${increments > 0 ? `\nWHERE g.inc = ${inc}` : ''}
ON CONFLICT (${KEY_COLUMNS.join(', ')}) DO UPDATE SET`
  let changed = 0
  if (distinct > increments) {
    changed += await tx.changes(
      `${insert(0)}
  ${VALUE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}, updated_at = excluded.updated_at
WHERE ${changedWhere}`,
      [stamp],
    )
  }
  // The stored value is read and written inside this statement, in the write transaction: two
  // ingests of the same counter (concurrent HTTP requests, queued on the write connection) each
  // add their delta to what the other committed.
  if (increments > 0) {
    changed += await tx.changes(
      `${insert(1)}
  value = metric_points.value + excluded.value, ${VALUE_COLUMNS.filter((c) => c !== 'value').map((c) => `${c} = excluded.${c}`).join(', ')}, updated_at = excluded.updated_at
WHERE excluded.value <> 0 OR ${attrsChanged}`,
      [stamp],
    )
  }
  const inserted = (await countPoints(tx)) - before
  const updated = changed - inserted
  return {distinct, inserted, updated, unchanged: distinct - changed}
}

/**
 * Snapshot mode, inside the write transaction before the upsert: deletes the stored points of
 * data source `dataSourceId` under every metric key the batch holds for it that the batch does
 * not hold again. Metric keys the batch does not mention keep their points. Returns how many.
 */
export async function deleteReplaced(tx: Tx, tables: StagingTables, grouped: string, dataSourceId: string): Promise<number> {
  return tx.changes(
    `DELETE FROM ${POINTS_TABLE} AS p
WHERE p.data_source_id = $1
  AND p.metric_key IN (SELECT k.metric_key FROM ${t(tables.keys)} AS k WHERE k.data_source_id = $1)
  AND NOT EXISTS (
    SELECT 1 FROM ${t(grouped)} AS g
    JOIN ${t(tables.keys)} AS k ON k.id = g.key_id
    JOIN ${t(tables.dims)} AS d ON d.id = g.dims_id
    WHERE k.metric_key = p.metric_key AND k.data_source_id = p.data_source_id AND k.entity_kind = p.entity_kind
      AND k.entity_id = p.entity_id AND k.granularity = p.granularity AND d.dimensions = p.dimensions
      AND make_timestamp(CAST(g.date_ms AS BIGINT) * 1000 + g.date_us) = p."date")`,
    [dataSourceId],
  )
}

/**
 * Logs the batch in data_changes, in the write transaction: per metric key, the range of the
 * batch's dates (what a rollup over the key refreshes). A snapshot batch may also have deleted
 * points of its keys anywhere in time: each of its keys is logged as replaced.
 */
export async function logPointChanges(tx: Tx, tables: StagingTables, grouped: string, snapshot: boolean): Promise<void> {
  const ts = 'make_timestamp(CAST(g.date_ms AS BIGINT) * 1000 + g.date_us)'
  const fmt = "'%Y-%m-%d %H:%M:%S.%f'"
  const rows = await tx.all<{key: string; lo: string; hi: string}>(
    `SELECT k.metric_key AS key, strftime(min(${ts}), ${fmt}) AS lo, strftime(max(${ts}), ${fmt}) AS hi
FROM ${t(grouped)} AS g JOIN ${t(tables.keys)} AS k ON k.id = g.key_id
GROUP BY k.metric_key`,
  )
  await recordChanges(
    tx,
    rows.map((r) => (snapshot ? {scope: pointsScope(r.key), kind: 'replace' as const} : {scope: pointsScope(r.key), kind: 'points' as const, ranges: [{column: 'date', lo: r.lo, hi: r.hi}]})),
  )
}
