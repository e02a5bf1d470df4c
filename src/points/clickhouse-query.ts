import {CatalogError} from '../errors.js'
import {parseTimeBound} from '../query/dates.js'
import {CLICKHOUSE, clickhouseLiteral} from '../query/dialect.js'
import {renderPredicate, type ParamSink} from '../query/predicate.js'
import type {FilterScalar} from '../query/types.js'
import {aggFillsZero, clickhouseDimensionSql, percentileOf} from './points-sql.js'
import {resolvePointsQuery} from './query.js'
import {canonicalGranularity, type Agg, type Bucket, type PointsQuery} from './types.js'

/*
 * `metricat points` queries on ClickHouse (points stored with `--points clickhouse://...`): the
 * same request, checks and result rows as compilePointsQuery on the file, in SQL that 18.16 and
 * current releases run (no CTEs, no bound parameters, one JOIN per SELECT). Values are inlined by
 * `clickhouseLiteral`, the one escaping function; dimension keys too (as string literals, never
 * identifiers). Two statements: the first finds the period grid (first period and how many), so
 * the bucket-count limit is checked before any grid is built; the second aggregates and fills.
 * Every subquery has an alias: current releases refuse a JOIN of unnamed subqueries.
 */

const MAX_PERIODS = 200_000

/** The SQL that differs per bucket: truncation (to a Date from day up), its relative number, stepping. */
const BUCKET: Record<Exclude<Bucket, 'none'>, {trunc: (dt: string) => string; rel: string; add: (p: string, n: string) => string; date: boolean}> = {
  minute: {trunc: (d) => `toStartOfMinute(${d})`, rel: 'toRelativeMinuteNum', add: (p, n) => `addMinutes(${p}, ${n})`, date: false},
  hour: {trunc: (d) => `toStartOfHour(${d})`, rel: 'toRelativeHourNum', add: (p, n) => `addHours(${p}, ${n})`, date: false},
  day: {trunc: (d) => `toDate(${d})`, rel: 'toRelativeDayNum', add: (p, n) => `addDays(${p}, ${n})`, date: true},
  week: {trunc: (d) => `toMonday(${d})`, rel: 'toRelativeWeekNum', add: (p, n) => `addWeeks(${p}, ${n})`, date: true},
  month: {trunc: (d) => `toStartOfMonth(${d})`, rel: 'toRelativeMonthNum', add: (p, n) => `addMonths(${p}, ${n})`, date: true},
  quarter: {trunc: (d) => `toStartOfQuarter(${d})`, rel: 'toRelativeQuarterNum', add: (p, n) => `addMonths(${p}, 3 * (${n}))`, date: true},
  year: {trunc: (d) => `toStartOfYear(${d})`, rel: 'toRelativeYearNum', add: (p, n) => `addYears(${p}, ${n})`, date: true},
}

/** A point's date as a DateTime in UTC (whole seconds; the exact microseconds stay in date_us). */
const POINT_TIME = `toDateTime(intDiv(date_us, 1000000), 'UTC')`

/** A validated time bound as microseconds since 1970 (exact). */
function boundUs(text: string, name: 'from' | 'to'): number {
  const t = parseTimeBound(text, name).text
  const m = /^(\d{4}-\d{2}-\d{2})(?: (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?$/.exec(t)
  if (!m) throw new Error(`unexpected time bound ${t}`)
  const seconds = Date.parse(`${m[1]}T${m[2] ?? '00'}:${m[3] ?? '00'}:${m[4] ?? '00'}Z`) / 1000
  const micros = Number((m[5] ?? '').padEnd(6, '0').slice(0, 6))
  return seconds * 1_000_000 + micros
}

/** Inlines values through the one escaping function. */
const INLINE: ParamSink = {add: (value: FilterScalar) => clickhouseLiteral(value)}

/** The aggregate of a bucket's points; NULL for a group without points, as on the file. */
function aggregateSql(agg: Agg): string {
  const f = percentileOf(agg)
  if (f !== undefined) return CLICKHOUSE.aggregate('percentile', 'value', 'date_us', String(f))
  switch (agg) {
    case 'sum':
    case 'rate':
      return CLICKHOUSE.aggregate('sum', 'value', 'date_us')
    case 'avg':
      return CLICKHOUSE.aggregate('avg', 'value', 'date_us')
    case 'count':
      return 'toFloat64(count())'
    case 'min':
    case 'max':
      return `if(count() = 0, NULL, ${CLICKHOUSE.aggregate(agg, 'value', 'date_us')})`
    case 'last':
      return `if(count() = 0, NULL, ${CLICKHOUSE.aggregate('last', 'value', 'date_us')})`
    case 'p50':
    case 'p90':
    case 'p95':
    case 'p99':
      return CLICKHOUSE.aggregate('percentile', 'value', 'date_us', `0.${agg.slice(1)}`)
  }
  throw new Error(`unknown points aggregation ${agg}`)
}

export interface ClickHousePointsQuery {
  /** finds the grid: `lo` (first period, as text) and `n` (periods); undefined for bucket none */
  grid?: (lo: string | undefined) => string
  gridSql?: string
  /** the query, given the grid the first statement found */
  sql: (grid: {lo: string; n: number} | undefined) => string
  columns: string[]
  aliases: Record<string, string>
  bucket: Bucket
  agg: Agg
  /** both bounds given: the grid does not depend on the data */
  bounded: boolean
}

/**
 * Compiles a points query for the ClickHouse points table `table` (`db.metric_points`). Checks
 * the request with resolvePointsQuery, as on the file.
 */
export function compileClickHousePointsQuery(request: PointsQuery, table: string): ClickHousePointsQuery {
  const q = resolvePointsQuery(request)
  const aliases: Record<string, string> = {}
  const dims = q.by.map((key, i) => {
    aliases[`d${i + 1}`] = key
    return `d${i + 1}`
  })
  const where = [`deleted = 0`, `metric_key = ${clickhouseLiteral(q.key)}`]
  if (q.entityKind !== undefined) where.push(`entity_kind = ${clickhouseLiteral(q.entityKind)}`)
  if (q.entityId !== undefined) where.push(`entity_id = ${clickhouseLiteral(q.entityId)}`)
  if (q.dataSourceId !== undefined) where.push(`data_source_id = ${clickhouseLiteral(q.dataSourceId)}`)
  if (q.granularity !== undefined) where.push(`granularity = ${clickhouseLiteral(canonicalGranularity(q.granularity) ?? q.granularity)}`)
  const fromUs = q.from === undefined ? undefined : boundUs(q.from, 'from')
  const toUs = q.to === undefined ? undefined : boundUs(q.to, 'to')
  if (fromUs !== undefined) where.push(`date_us >= ${fromUs}`)
  if (toUs !== undefined) where.push(`date_us < ${toUs}`)
  for (const f of q.filters) {
    where.push(renderPredicate({sql: clickhouseDimensionSql(f.dimension), op: f.op, ...(f.value !== undefined && f.value !== null ? {value: f.value} : {}), text: true}, INLINE, 'clickhouse'))
  }
  const dimSelect = q.by.map((key, i) => `${clickhouseDimensionSql(key)} AS ${dims[i]}`)
  const limit = q.limit === undefined ? '' : `\nLIMIT ${Number(q.limit)}`
  const fills = aggFillsZero(q.agg)
  const base = {columns: q.bucket === 'none' ? [...q.by, 'value'] : ['period', ...q.by, 'value'], aliases, bucket: q.bucket, agg: q.agg, bounded: fromUs !== undefined && toUs !== undefined}

  if (q.bucket === 'none') {
    let agg = aggregateSql(q.agg)
    if (q.agg === 'rate') agg = `${agg} / ${(Math.floor(toUs! / 1000) - Math.floor(fromUs! / 1000)) / 1000}`
    const sql = [
      `SELECT ${[...dims, `toFloat64(${fills ? `ifNull(${agg}, 0)` : agg}) AS value`].join(', ')}`,
      `FROM (SELECT ${[...dimSelect, 'value', 'date_us'].join(', ')} FROM ${table} FINAL WHERE ${where.join(' AND ')}) AS __src`,
      ...(dims.length > 0 ? [`GROUP BY ${dims.join(', ')}`, `ORDER BY ${dims.join(', ')}`] : []),
    ].join('\n') + limit
    return {...base, sql: () => sql}
  }

  const b = BUCKET[q.bucket]
  const periodOf = (us: string) => b.trunc(`toDateTime(intDiv(${us}, 1000000), 'UTC')`)
  const src = `SELECT ${[`${b.trunc(POINT_TIME)} AS __p`, ...dimSelect, 'value', 'date_us'].join(', ')} FROM ${table} FINAL WHERE ${where.join(' AND ')}`
  const periodSeconds = (p: string) => (b.date ? `(toUInt64(${p}) * 86400)` : `toUInt64(${p})`)
  const literal = (text: string) => (b.date ? `toDate(${clickhouseLiteral(text)})` : `toDateTime(${clickhouseLiteral(text)}, 'UTC')`)

  // the grid: from the first bound's period (or the data's first) up to the last period before `to` (or the data's last)
  const lo = fromUs !== undefined ? periodOf(String(fromUs)) : 'min(__p)'
  const last =
    toUs !== undefined
      ? `${b.rel}(${periodOf(String(toUs))}) - if(${periodSeconds(periodOf(String(toUs)))} * 1000000 < ${toUs}, 0, 1)`
      : `${b.rel}(max(__p))`
  const gridSql = `SELECT toString(${lo}) AS lo, toInt64(${last}) - toInt64(${b.rel}(${lo})) + 1 AS n, count() AS points FROM (${src}) AS __src`

  const sql = (grid: {lo: string; n: number} | undefined): string => {
    if (!grid || grid.n <= 0) return ''
    let agg = aggregateSql(q.agg)
    if (q.agg === 'rate') {
      const start = `${periodSeconds('__p')} * 1000000`
      const end = `${periodSeconds(b.add('__p', '1'))} * 1000000`
      const s = fromUs === undefined ? start : `greatest(${start}, ${fromUs})`
      const e = toUs === undefined ? end : `least(${end}, ${toUs})`
      agg = `${agg} / ((intDiv(${e}, 1000) - intDiv(${s}, 1000)) / 1000)`
    }
    const keys = dims.flatMap((d, i) => [`ifNull(${d}, '') AS __k${i + 1}`, `isNull(${d}) AS __n${i + 1}`])
    const keyNames = dims.flatMap((_, i) => [`__k${i + 1}`, `__n${i + 1}`])
    const aggregated = `SELECT ${['__p', ...keys, `toFloat64(${agg}) AS value`, '1 AS __h'].join(', ')} FROM (${src}) AS __src GROUP BY ${['__p', ...keyNames].join(', ')}`
    const periods = `SELECT arrayJoin(arrayMap(i -> ${b.add(literal(grid.lo), 'i')}, range(toUInt64(${grid.n})))) AS __p`
    const grid2 =
      dims.length === 0
        ? periods
        : `SELECT __p, ${keyNames.join(', ')} FROM (${periods}) AS __periods CROSS JOIN (SELECT DISTINCT ${keyNames.join(', ')} FROM (${aggregated}) AS __agg) AS __combos`
    const period = b.date ? 'toString(__p)' : `concat(replaceOne(toString(__p), ' ', 'T'), 'Z')`
    const value = `if(__h = 1, value, ${fills ? '0' : 'NULL'})`
    return [
      `SELECT ${[`${period} AS period`, ...dims.map((d, i) => `if(__n${i + 1} = 1, NULL, __k${i + 1}) AS ${d}`), `${value} AS value`].join(', ')}`,
      `FROM (${grid2}) AS __grid`,
      `ALL LEFT JOIN (${aggregated}) AS __agg USING (${['__p', ...keyNames].join(', ')})`,
      // NULLs last, as on the file: each dimension sorts by (is null, text)
      `ORDER BY ${['__p', ...dims.flatMap((_, i) => [`__n${i + 1}`, `__k${i + 1}`])].join(', ')}`,
    ].join('\n') + limit
  }
  return {...base, gridSql, sql}
}

/** The bucket-count limit on a grid the data decided (from/to given are checked up front). */
export function checkGrid(n: number, bucket: Bucket): void {
  if (n > MAX_PERIODS) {
    throw new CatalogError('BAD_REQUEST', `the range holds more than ${MAX_PERIODS} ${bucket} buckets; give --from and --to, or use a larger --bucket`, {bucket})
  }
}
