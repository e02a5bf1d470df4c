import type {ValidateFunction} from 'ajv'
import {Ajv2020} from 'ajv/dist/2020.js'

import {describeSchemaErrors} from '../catalog/schema.js'
import {CatalogError} from '../errors.js'
import {compareBounds, parseTimeBound} from '../query/dates.js'
import {FILTERS_SCHEMA} from '../query/filter-schema.js'
import type {Filter, FilterScalar} from '../query/types.js'
import {BUCKET_MS, BUCKET_STEP, BUCKET_TRUNC, POINTS_TABLE, Params, aggFillsZero, dimensionSql, pointsAggSql, pointsConditions} from './points-sql.js'
import {AGGS, BUCKETS, GRANULARITY_INPUTS, PERCENTILE_AGG_PATTERN, type Agg, type Bucket, type PointsQuery} from './types.js'

export {Params, dimensionPointer, dimensionSql, pointsConditions, pointsSourceSql, type ParamSink} from './points-sql.js'

export interface CompiledPointsQuery {
  sql: string
  params: FilterScalar[]
  /** result columns as the caller sees them: period (unless bucket none), the `by` keys, value */
  columns: string[]
  /** SQL column alias -> dimension key; keys never appear in SQL text, so columns are d1, d2, ... */
  aliases: Record<string, string>
  bucket: Bucket
  agg: Agg
}

const MAX_NAME = 200
const MAX_PERIODS = 200_000
const RESERVED_COLUMNS = new Set(['period', 'value'])

export const POINTS_QUERY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  description: 'A points query: bucketed aggregation of one metric key, optionally filtered and split by dimension keys.',
  properties: {
    key: {type: 'string', minLength: 1, maxLength: MAX_NAME, description: 'the metricKey of the points'},
    from: {type: 'string', minLength: 1, maxLength: 64, description: 'ISO date or date-time, inclusive'},
    to: {type: 'string', minLength: 1, maxLength: 64, description: 'ISO date or date-time, exclusive'},
    bucket: {enum: [...BUCKETS], description: 'period of each row (weeks start on Monday); none: one row per group. Default day'},
    agg: {
      anyOf: [{enum: [...AGGS]}, {type: 'string', pattern: PERCENTILE_AGG_PATTERN}],
      description:
        'how the points of a bucket combine: sum, avg, min, max, count, last (the value with the latest date), p50/p90/p95/p99 or percentile:F (F from 0 to 1; continuous, interpolated), rate (sum per second of the bucket). Default sum',
    },
    filters: FILTERS_SCHEMA,
    by: {type: 'array', maxItems: 16, items: {type: 'string', minLength: 1, maxLength: MAX_NAME}, description: 'dimension keys to group by'},
    entityKind: {type: 'string', minLength: 1, maxLength: MAX_NAME},
    entityId: {type: 'string', minLength: 1, maxLength: MAX_NAME},
    dataSourceId: {type: 'string', minLength: 1, maxLength: MAX_NAME},
    granularity: {enum: [...GRANULARITY_INPUTS], description: 'only points of this granularity; hourly..yearly are the same as hour..year'},
    limit: {type: 'integer', minimum: 1, maximum: 1_000_000},
  },
} as const

let validator: ValidateFunction | undefined

function bad(message: string, details: Record<string, unknown> = {}): CatalogError {
  return new CatalogError('BAD_REQUEST', message, details)
}

/** Checks a points query from any edge (CLI flags, HTTP body) and fills the defaults. */
export function resolvePointsQuery(request: unknown): Required<Pick<PointsQuery, 'key' | 'bucket' | 'agg' | 'filters' | 'by'>> & PointsQuery {
  validator ??= new Ajv2020({allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true}).compile(POINTS_QUERY_SCHEMA)
  if (!validator(request)) {
    const problems = describeSchemaErrors(validator.errors ?? [], request).map((p) => ({path: p.path || '/', message: p.message}))
    const first = problems[0]!
    throw new CatalogError('VALIDATION', `invalid points query: ${first.path}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, {
      where: 'points query',
      problems,
    })
  }
  const q = request as PointsQuery
  const by = q.by ?? []
  const seen = new Set<string>()
  for (const d of by) {
    if (RESERVED_COLUMNS.has(d)) throw bad(`cannot group by a dimension named "${d}": it would clash with the ${d} column`, {dimension: d})
    if (seen.has(d)) throw bad(`dimension "${d}" appears twice in by`, {dimension: d})
    seen.add(d)
  }
  const filters = q.filters ?? []
  for (const f of filters) checkFilter(f)
  const bucket = q.bucket ?? 'day'
  if (q.from !== undefined && q.to !== undefined) {
    const from = parseTimeBound(q.from, 'from')
    const to = parseTimeBound(q.to, 'to')
    if (compareBounds(from, to) >= 0) throw bad(`from (${q.from}) must be before to (${q.to})`, {from: q.from, to: q.to})
    if (bucket !== 'none') {
      const span = boundMs(to.text) - boundMs(from.text)
      if (span / BUCKET_MS[bucket] > MAX_PERIODS) throw bad(`${q.from} to ${q.to} holds more than ${MAX_PERIODS} ${bucket} buckets; use a larger --bucket or a shorter range`)
    }
  } else {
    if (q.from !== undefined) parseTimeBound(q.from, 'from')
    if (q.to !== undefined) parseTimeBound(q.to, 'to')
  }
  const agg = q.agg ?? 'sum'
  if (agg === 'rate' && bucket === 'none' && (q.from === undefined || q.to === undefined)) {
    throw bad('agg rate with bucket none needs from and to: the rate is the sum per second of [from, to)', {agg, bucket})
  }
  return {...q, bucket, agg, by, filters}
}

/** A validated time bound as a bound TIMESTAMP. */
function timeBound(text: string, name: 'from' | 'to', params: Params): string {
  return `CAST(${params.add(parseTimeBound(text, name).text)} AS TIMESTAMP)`
}

/** Milliseconds since the epoch of a normalised bound (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS[.f]`, UTC). */
function boundMs(text: string): number {
  return Date.parse(text.length === 10 ? `${text}T00:00:00Z` : `${text.replace(' ', 'T')}Z`)
}

function checkFilter(f: Filter): void {
  const where = `filter on ${JSON.stringify(f.dimension)}`
  if (f.op === 'is_null' || f.op === 'not_null') {
    if (f.value !== undefined && f.value !== null) throw bad(`${where}: ${f.op} takes no value`, {filter: f})
    return
  }
  if (f.op === 'in' || f.op === 'not_in') {
    if (!Array.isArray(f.value) || f.value.length === 0) throw bad(`${where}: ${f.op} needs a non-empty list of values`, {filter: f})
    return
  }
  if (f.value === undefined || f.value === null || Array.isArray(f.value)) throw bad(`${where}: ${f.op} needs one value`, {filter: f})
}

/**
 * Compiles a points query (already checked by `resolvePointsQuery`) to one statement: points
 * filtered by key, entity, range and dimension filters, aggregated per bucket and group, and
 * gap-filled over [from, to) or the data's own range. Every request value is bound.
 */
export function compilePointsQuery(request: PointsQuery): CompiledPointsQuery {
  const q = resolvePointsQuery(request)
  const params = new Params()
  const aliases: Record<string, string> = {}
  const dims = q.by.map((key, i) => {
    aliases[`d${i + 1}`] = key
    return `d${i + 1}`
  })
  const dimSelect = q.by.map((key, i) => `${dimensionSql(key, params)} AS ${dims[i]}`)
  const fill = (v: string): string => (aggFillsZero(q.agg) ? `coalesce(${v}, 0)` : v)
  const limit = q.limit === undefined ? [] : [`LIMIT ${Number(q.limit)}`]

  if (q.bucket === 'none') {
    const where = pointsConditions(q, params)
    const seconds = q.agg === 'rate' ? `date_diff('millisecond', ${timeBound(q.from!, 'from', params)}, ${timeBound(q.to!, 'to', params)}) / 1000.0` : undefined
    const agg = `CAST(${pointsAggSql(q.agg, seconds)} AS DOUBLE)`
    const sql = [
      'SELECT',
      `  ${[...dimSelect, `${fill(agg)} AS value`].join(',\n  ')}`,
      `FROM ${POINTS_TABLE}`,
      `WHERE ${where.join('\n  AND ')}`,
      ...(dims.length > 0 ? ['GROUP BY ALL', `ORDER BY ${dims.join(', ')}`] : []),
      ...limit,
    ].join('\n')
    return {sql, params: params.values, columns: [...q.by, 'value'], aliases, bucket: q.bucket, agg: q.agg}
  }

  const bucket = q.bucket
  // rate: the seconds of the bucket that lie inside [from, to) (the whole bucket without bounds)
  let seconds: string | undefined
  if (q.agg === 'rate') {
    const start = q.from === undefined ? 'period' : `greatest(period, ${timeBound(q.from, 'from', params)})`
    const end = q.to === undefined ? `period + ${BUCKET_STEP[bucket]}` : `least(period + ${BUCKET_STEP[bucket]}, ${timeBound(q.to, 'to', params)})`
    seconds = `date_diff('millisecond', ${start}, ${end}) / 1000.0`
  }
  const agg = `CAST(${pointsAggSql(q.agg, seconds)} AS DOUBLE)`
  const select = [`date_trunc(${BUCKET_TRUNC[bucket]}, "date") AS period`, ...dimSelect, 'value', '"date"']
  const where = pointsConditions(q, params)
  const ctes = [
    ['src AS (', `  SELECT ${select.join(', ')}`, `  FROM ${POINTS_TABLE}`, `  WHERE ${where.join('\n    AND ')}`, ')'].join('\n'),
    // named groups, not GROUP BY ALL: rate's divisor reads the period of its group
    ['agg AS (', `  SELECT ${['period', ...dims, `${agg} AS value`].join(', ')}`, '  FROM src', `  GROUP BY ${q.agg === 'rate' ? ['period', ...dims].join(', ') : 'ALL'}`, ')'].join('\n'),
  ]
  const needsBounds = q.from === undefined || q.to === undefined
  if (needsBounds) ctes.push('bounds AS (\n  SELECT min(period) AS lo, max(period) AS hi FROM agg\n)')
  const lo = q.from !== undefined ? `date_trunc(${BUCKET_TRUNC[bucket]}, CAST(${params.add(parseTimeBound(q.from, 'from').text)} AS TIMESTAMP))` : 'lo'
  const hi = q.to !== undefined ? `CAST(${params.add(parseTimeBound(q.to, 'to').text)} AS TIMESTAMP)` : `hi + ${BUCKET_STEP[bucket]}`
  // A bound taken from the data (a request with only `from`, or neither) can span far more
  // buckets than the check in resolvePointsQuery allows: refuse it here before generating them.
  const cap = `  WHERE CASE WHEN date_diff(${BUCKET_TRUNC[bucket]}, ${lo}, ${hi}) > ${MAX_PERIODS} THEN error('the range holds more than ${MAX_PERIODS} ${bucket} buckets; give --from and --to, or use a larger --bucket') ELSE true END`
  ctes.push(['periods AS (', `  SELECT unnest(range(${lo}, ${hi}, ${BUCKET_STEP[bucket]})) AS period`, ...(needsBounds ? ['  FROM bounds'] : []), cap, ')'].join('\n'))
  if (dims.length > 0) ctes.push(`combos AS (\n  SELECT DISTINCT ${dims.join(', ')} FROM agg\n)`)
  const period = bucket === 'hour' || bucket === 'minute' ? `strftime(periods.period, '%Y-%m-%dT%H:%M:%SZ')` : 'CAST(periods.period AS DATE)'
  const on = ['agg.period = periods.period', ...dims.map((d) => `agg.${d} IS NOT DISTINCT FROM combos.${d}`)]
  const sql = [
    `WITH\n${ctes.join(',\n')}`,
    'SELECT',
    `  ${[`${period} AS period`, ...dims.map((d) => `combos.${d}`), `${fill('agg.value')} AS value`].join(',\n  ')}`,
    'FROM periods',
    ...(dims.length > 0 ? ['CROSS JOIN combos'] : []),
    `LEFT JOIN agg ON ${on.join(' AND ')}`,
    `ORDER BY ${['periods.period', ...dims.map((d) => `combos.${d}`)].join(', ')}`,
    ...limit,
  ].join('\n')
  return {sql, params: params.values, columns: ['period', ...q.by, 'value'], aliases, bucket, agg: q.agg}
}
