import type {ValidateFunction} from 'ajv'
import {Ajv2020} from 'ajv/dist/2020.js'

import type {MetricDefinition, MetricType} from '../catalog/types.js'
import {describeSchemaErrors} from '../catalog/schema.js'
import {CatalogError} from '../errors.js'
import {compareBounds, parseTimeBound} from '../query/dates.js'
import type {DialectName} from '../query/dialect.js'
import {FILTERS_SCHEMA} from '../query/filter-schema.js'
import {GRAIN_SQL, boundMs} from '../query/grains.js'
import {MAX_POINTS_PERIODS, planResolvedQuery} from '../query/plan.js'
import {renderPlan} from '../query/render.js'
import type {RawPointsLeaf, ResolvedAggregateQuery} from '../query/resolve.js'
import type {Filter, FilterScalar} from '../query/types.js'
import {AGGS, BUCKETS, GRANULARITY_INPUTS, PERCENTILE_AGG_PATTERN, canonicalGranularity, type Agg, type Bucket, type PointsQuery} from './types.js'

/*
 * `metricat points KEY` (CLI), POST /api/points/query and the MCP points tool: a raw points query
 * is checked here, then resolved into an ad-hoc points metric (one leaf reading the key's points,
 * its aggregation from `agg`) and a resolved request that the one compiler plans and renders
 * (src/query: plan.ts, render.ts, render-clickhouse.ts), as it does for a metric with points_key.
 * Request dimension keys are named d1, d2, ... in SQL (bound as JSON Pointers on DuckDB, inlined
 * string literals on ClickHouse); `aliases` maps them back.
 */

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
    limit: {type: 'integer', minimum: 1, maximum: 1_000_000, description: 'the latest N buckets, every row of each (bucket none: at most N rows)'},
  },
} as const

let validator: ValidateFunction | undefined

function bad(message: string, details: Record<string, unknown> = {}): CatalogError {
  return new CatalogError('BAD_REQUEST', message, details)
}

/** Checks a points query from any edge (CLI flags, HTTP body) and fills the defaults. */
export function checkPointsQuery(request: unknown): Required<Pick<PointsQuery, 'key' | 'bucket' | 'agg' | 'filters' | 'by'>> & PointsQuery {
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
      if (span / GRAIN_SQL[bucket].ms > MAX_POINTS_PERIODS) throw bad(`${q.from} to ${q.to} holds more than ${MAX_POINTS_PERIODS} ${bucket} buckets; use a larger --bucket or a shorter range`)
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

/** What each named aggregation is as a metric type (rate: a sum per second; p50..p99: percentiles). */
const AGG_TYPES: Record<Exclude<Agg, `percentile:${string}`>, {type: MetricType; percentile?: number}> = {
  sum: {type: 'sum'},
  avg: {type: 'avg'},
  min: {type: 'min'},
  max: {type: 'max'},
  count: {type: 'count'},
  last: {type: 'last'},
  p50: {type: 'percentile', percentile: 0.5},
  p90: {type: 'percentile', percentile: 0.9},
  p95: {type: 'percentile', percentile: 0.95},
  p99: {type: 'percentile', percentile: 0.99},
  rate: {type: 'sum'},
}

/**
 * A checked points query as the compiler's input: the ad-hoc points metric (a leaf over the key's
 * points, aggregated as `agg` says; empty buckets 0 for sum, count and rate, NULL otherwise), the
 * request around it, and the names of its dimension columns.
 */
export function resolvePointsQuery(request: unknown): {query: ResolvedAggregateQuery; aliases: Record<string, string>; columns: string[]; bucket: Bucket; agg: Agg} {
  const q = checkPointsQuery(request)
  const names = new Map<string, string>()
  const name = (key: string) => {
    if (!names.has(key)) names.set(key, `d${names.size + 1}`)
    return names.get(key) as string
  }
  const by = q.by.map(name)
  const filters = q.filters.map((f) => ({dimension: name(f.dimension), op: f.op, ...(f.value !== undefined && f.value !== null ? {value: f.value as FilterScalar | FilterScalar[]} : {})}))
  const agg = q.agg.startsWith('percentile:') ? {type: 'percentile' as const, percentile: Number(q.agg.slice('percentile:'.length))} : AGG_TYPES[q.agg as keyof typeof AGG_TYPES]
  const def: MetricDefinition = {id: q.key, name: q.key, category: 'points', type: agg.type, points_key: q.key, ...(agg.percentile !== undefined ? {percentile: agg.percentile} : {})}
  const match: RawPointsLeaf['match'] = [{column: 'metric_key', value: q.key}]
  if (q.entityKind !== undefined) match.push({column: 'entity_kind', value: q.entityKind})
  if (q.entityId !== undefined) match.push({column: 'entity_id', value: q.entityId})
  if (q.dataSourceId !== undefined) match.push({column: 'data_source_id', value: q.dataSourceId})
  if (q.granularity !== undefined) match.push({column: 'granularity', value: canonicalGranularity(q.granularity) ?? q.granularity})
  const points: RawPointsLeaf = {keys: Object.fromEntries([...names].map(([key, n]) => [n, key])), match, ...(q.agg === 'rate' ? {perSecond: true} : {})}
  const query: ResolvedAggregateQuery = {
    kind: 'aggregate',
    metric: q.key,
    grain: q.bucket,
    by,
    filters,
    ...(q.from !== undefined ? {from: parseTimeBound(q.from, 'from')} : {}),
    ...(q.to !== undefined ? {to: parseTimeBound(q.to, 'to')} : {}),
    ...(q.limit !== undefined ? {limit: q.limit} : {}),
    order: 'period',
    desc: false,
    value: {kind: 'leaf', def, inheritedFilters: [], points},
    raw: true,
  }
  const aliases = Object.fromEntries(by.map((n, i) => [n, q.by[i] as string]))
  return {query, aliases, columns: [...(q.bucket === 'none' ? [] : ['period']), ...q.by, 'value'], bucket: q.bucket, agg: q.agg}
}

/**
 * Compiles a points query to one statement for the catalog file (DuckDB, every request value
 * bound) or a ClickHouse points table (`pointsTable`, values inlined by clickhouseLiteral).
 */
export function compilePointsQuery(request: PointsQuery, options: {dialect?: DialectName; pointsTable?: string} = {}): CompiledPointsQuery {
  const r = resolvePointsQuery(request)
  const compiled = renderPlan(planResolvedQuery(r.query, options.dialect ?? 'duckdb', options.pointsTable))
  return {sql: compiled.sql, params: compiled.params, columns: r.columns, aliases: r.aliases, bucket: r.bucket, agg: r.agg}
}
