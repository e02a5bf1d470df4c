import {parseTimeBound} from '../query/dates.js'
import {clickhouseLiteral} from '../query/dialect.js'
import {renderPredicate, type ParamSink} from '../query/predicate.js'
import type {FilterScalar} from '../query/types.js'
import {canonicalGranularity, type Agg, type Bucket, type PointsQuery} from './types.js'

// SQL over metricat.metric_points for any compiler: `metricat points` (compilePointsQuery) and a
// catalog metric with points_key. Pure text and bound values; nothing here touches a database.
// Dimension keys and every request value are bound parameters, never SQL text.

export const POINTS_TABLE = 'mc.metricat.metric_points'

export type {ParamSink}

export class Params implements ParamSink {
  readonly values: FilterScalar[] = []
  add(value: FilterScalar): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}

/** A dimension key as a JSON Pointer (RFC 6901): the key reaches SQL as a bound value, never as text. */
export function dimensionPointer(key: string): string {
  return `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
}

/** SQL for the text of dimension `key` of a point (NULL when the point lacks it). */
export function dimensionSql(key: string, params: ParamSink, table = ''): string {
  return `json_extract_string(${table ? `${table}.` : ''}dimensions, ${params.add(dimensionPointer(key))})`
}

/** The WHERE conditions of a points query: key, entity, source, granularity, time range and filters. */
export function pointsConditions(q: PointsQuery, params: ParamSink): string[] {
  const where = [`metric_key = ${params.add(q.key)}`]
  if (q.entityKind !== undefined) where.push(`entity_kind = ${params.add(q.entityKind)}`)
  if (q.entityId !== undefined) where.push(`entity_id = ${params.add(q.entityId)}`)
  if (q.dataSourceId !== undefined) where.push(`data_source_id = ${params.add(q.dataSourceId)}`)
  if (q.granularity !== undefined) where.push(`granularity = ${params.add(canonicalGranularity(q.granularity) ?? q.granularity)}`)
  if (q.from !== undefined) where.push(`"date" >= CAST(${params.add(parseTimeBound(q.from, 'from').text)} AS TIMESTAMP)`)
  if (q.to !== undefined) where.push(`"date" < CAST(${params.add(parseTimeBound(q.to, 'to').text)} AS TIMESTAMP)`)
  for (const f of q.filters ?? []) where.push(renderPredicate({sql: dimensionSql(f.dimension, params), op: f.op, ...(f.value !== undefined && f.value !== null ? {value: f.value} : {}), text: true}, params))
  return where
}

/**
 * A relation over the points of one key with columns `date` (TIMESTAMP, UTC), `value` (DOUBLE)
 * and `dimensions` (canonical JSON), for compilers that aggregate points themselves (a catalog
 * metric with `points_key`). Use `dimensionSql` on it for dimension columns.
 */
export function pointsSourceSql(q: PointsQuery, params: ParamSink): string {
  return `SELECT "date", value, dimensions FROM ${POINTS_TABLE} WHERE ${pointsConditions(q, params).join(' AND ')}`
}

/** On a ClickHouse points store (`--points`): the text of dimension `key` of a point, NULL when it has none. */
export function clickhouseDimensionSql(key: string): string {
  const k = clickhouseLiteral(key)
  return `if(has(dim_keys, ${k}), dim_values[indexOf(dim_keys, ${k})], NULL)`
}

/**
 * On a ClickHouse points store: the live points of one key as a relation with `date` (DateTime,
 * UTC, whole seconds), `value`, `dim_keys`, `dim_values`. Each point's latest version is picked
 * with argMax rather than FINAL, so no condition on a non-key column can run before the versions
 * are merged, whatever the server's PREWHERE settings.
 */
export function clickhousePointsSource(table: string, metricKey: string): string {
  const key = 'metric_key, data_source_id, entity_kind, entity_id, granularity, date_us, dimensions'
  return `(SELECT toDateTime(intDiv(date_us, 1000000), 'UTC') AS \`date\`, value, dim_keys, dim_values FROM (
  SELECT date_us, argMax(value, version) AS value, argMax(dim_keys, version) AS dim_keys, argMax(dim_values, version) AS dim_values, argMax(deleted, version) AS deleted
  FROM ${table} WHERE metric_key = ${clickhouseLiteral(metricKey)}
  GROUP BY ${key}
) AS __versions WHERE deleted = 0)`
}

/** date_trunc's part per bucket (ISO weeks: DuckDB truncates to Monday). */
export const BUCKET_TRUNC: Record<Exclude<Bucket, 'none'>, string> = {
  minute: "'minute'",
  hour: "'hour'",
  day: "'day'",
  week: "'week'",
  month: "'month'",
  quarter: "'quarter'",
  year: "'year'",
}

/** The length of one bucket, as an SQL interval. */
export const BUCKET_STEP: Record<Exclude<Bucket, 'none'>, string> = {
  minute: 'INTERVAL 1 MINUTE',
  hour: 'INTERVAL 1 HOUR',
  day: 'INTERVAL 1 DAY',
  week: 'INTERVAL 7 DAY',
  month: 'INTERVAL 1 MONTH',
  quarter: 'INTERVAL 3 MONTH',
  year: 'INTERVAL 1 YEAR',
}

/** Shortest length of a bucket in milliseconds (for the bucket-count limit). */
export const BUCKET_MS: Record<Exclude<Bucket, 'none'>, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
  month: 28 * 86_400_000,
  quarter: 89 * 86_400_000,
  year: 365 * 86_400_000,
}

/** Aggregations over `value` (and `"date"`) of a points relation; rate and percentiles are handled by `pointsAggSql`. */
const AGG_SQL: Record<Exclude<Agg, 'rate' | `percentile:${string}`>, string> = {
  sum: 'sum(value)',
  avg: 'avg(value)',
  min: 'min(value)',
  max: 'max(value)',
  count: 'count(*)',
  last: 'arg_max(value, "date")',
  p50: 'quantile_cont(value, 0.5)',
  p90: 'quantile_cont(value, 0.9)',
  p95: 'quantile_cont(value, 0.95)',
  p99: 'quantile_cont(value, 0.99)',
}

/** The fraction of a `percentile:F` aggregation; undefined for any other. */
export function percentileOf(agg: Agg): number | undefined {
  if (!agg.startsWith('percentile:')) return undefined
  const f = Number(agg.slice('percentile:'.length))
  return Number.isFinite(f) && f >= 0 && f <= 1 ? f : undefined
}

/**
 * The aggregate of one bucket as SQL. `seconds` is the SQL for the seconds the bucket covers,
 * which `rate` divides the sum by. A percentile's fraction was checked against
 * PERCENTILE_AGG_PATTERN, so it is a plain number here (written as a literal: DuckDB wants a
 * constant fraction).
 */
export function pointsAggSql(agg: Agg, seconds?: string): string {
  if (agg === 'rate') {
    if (seconds === undefined) throw new Error('rate needs the seconds of its bucket')
    return `sum(value) / (${seconds})`
  }
  const f = percentileOf(agg)
  if (f !== undefined) return `quantile_cont(value, ${String(f)})`
  const sql = AGG_SQL[agg as keyof typeof AGG_SQL]
  if (sql === undefined) throw new Error(`unknown points aggregation ${agg}`)
  return sql
}

/** Empty buckets are 0 for sums, counts and rates, NULL otherwise (there is no value to average or rank). */
export function aggFillsZero(agg: Agg): boolean {
  return agg === 'sum' || agg === 'count' || agg === 'rate'
}
