import type {DialectName} from './dialect.js'
import type {PeriodGrain} from './grains.js'
import {GRAINS, dimensionName, type MetricDefinition, type MetricType} from '../catalog/types.js'
import {CatalogError, FIND_METRIC_HINT} from '../errors.js'
import {compareBounds, parseRange, parseTimeBound, todayUtc, type TimeBound} from './dates.js'
import {parseFormula, resolveMetricRef, type FormulaNode} from './formula.js'
import {
  FILTER_OPS,
  QUERY_ORDERS,
  type CompareMode,
  type QueryOrder,
  type Filter,
  type FilterOp,
  type FilterScalar,
  type MetricQuery,
} from './types.js'

export type MetricLookup = (id: string) => MetricDefinition | undefined

export interface CompileOptions {
  /** the engine to compile for (default duckdb): a ClickHouse warehouse gets ClickHouse SQL */
  dialect?: DialectName
  /** Only Monday is supported (DuckDB's date_trunc('week') is ISO). */
  weekStart?: 'monday'
  /**
   * Whether an `expression` already is an aggregate (`SUM(x) * 12`), so it is the value as is
   * rather than wrapped by `type`. The caller decides with DuckDB's parser; default: never.
   */
  isAggregate?: (expression: string) => boolean
  /** the date `range` is relative to, `YYYY-MM-DD` (tests); default: today in UTC */
  today?: string
  /**
   * With dialect clickhouse: the points table (`db.metric_points`) of a ClickHouse points store
   * (`--points clickhouse://...`), which a `points_key` metric then reads; without it such a
   * metric is refused on ClickHouse.
   */
  pointsTable?: string
}

/** A request filter whose dimension is declared and whose value has the shape its op needs. */
export interface ResolvedFilter {
  dimension: string
  op: FilterOp
  value?: FilterScalar | FilterScalar[]
}

/** An aggregate metric reached from the queried one, with the filters inherited on the way. */
export interface ResolvedLeaf {
  kind: 'leaf'
  def: MetricDefinition
  /** `filters` of the ratio/derived metrics above this leaf (reviewed SQL). */
  inheritedFilters: string[]
  /** `expression` is already an aggregate (see CompileOptions.isAggregate): used as the value as is */
  expressionIsAggregate?: boolean
  /** a raw points query's leaf (`metricat points`, see src/points/query.ts); absent for metrics */
  points?: RawPointsLeaf
}

/**
 * What a raw points query adds to its ad-hoc points metric: every part of it comes from the
 * request, so all of it reaches SQL as bound values (inlined by clickhouseLiteral on ClickHouse).
 */
export interface RawPointsLeaf {
  /** dimension name as the SQL sees it (d1, d2, ...) -> the points' dimension key it reads */
  keys: Record<string, string>
  /** exact matches on the points' key columns (metric_key, entity_kind, entity_id, data_source_id, granularity) */
  match: Array<{column: 'metric_key' | 'entity_kind' | 'entity_id' | 'data_source_id' | 'granularity'; value: string}>
  /** the value is the sum per second of the part of its period inside [from, to) (agg rate) */
  perSecond?: boolean
}

export type ResolvedValue =
  | ResolvedLeaf
  | {kind: 'number'; value: number}
  | {kind: 'negate'; operand: ResolvedValue}
  | {kind: 'binary'; op: '+' | '-' | '*' | '/'; left: ResolvedValue; right: ResolvedValue}

/** A plan's period: a grain (minute and hour only for raw points queries), or none (one row per group). */
export type PlanGrain = PeriodGrain | 'none'

export interface ResolvedAggregateQuery {
  kind: 'aggregate'
  metric: string
  grain: PlanGrain
  by: string[]
  filters: ResolvedFilter[]
  from?: TimeBound
  to?: TimeBound
  compare?: CompareMode
  limit?: number
  order: QueryOrder
  desc: boolean
  value: ResolvedValue
  /**
   * A raw points query (`metricat points`): no freshness cut or columns, `limit` keeps the first
   * rows in order, the wider period-count cap (MAX_POINTS_PERIODS). Metric queries never set it.
   */
  raw?: boolean
}

export interface ResolvedSqlQuery {
  kind: 'sql'
  metric: string
  variant?: string
  sql: string
  limit?: number
}

export type ResolvedQuery = ResolvedAggregateQuery | ResolvedSqlQuery

const COMPARE_MODES: readonly CompareMode[] = ['previous', 'year']
/** Names the result rows already use; a dimension with one of them would be ambiguous. */
const RESERVED_COLUMNS = ['period', 'value', 'previous_value', 'growth_pct']
export const MAX_LIMIT = 1_000_000
const MAX_IN_VALUES = 10_000
const MAX_DEPTH = 32

function badRequest(message: string, details?: Record<string, unknown>): CatalogError {
  return new CatalogError('BAD_REQUEST', message, details)
}

function invalid(message: string, details?: Record<string, unknown>): CatalogError {
  return new CatalogError('VALIDATION', message, details)
}

function listOrNone(items: readonly string[]): string {
  return items.length > 0 ? items.join(', ') : '(none)'
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

export type MetricKind = 'aggregate' | 'ratio' | 'derived' | 'sql' | 'points'

/** How a definition is computed: its type decides for ratio/derived; else expression, then sql. */
export function metricKind(def: MetricDefinition): MetricKind {
  // an Agnes-style ratio names no metrics: its sql computes it (expression over the sql's columns)
  if (def.type === 'ratio') return hasText(def.numerator) || hasText(def.denominator) || !hasText(def.sql) ? 'ratio' : 'sql'
  if (def.type === 'derived') return 'derived'
  if (hasText(def.points_key)) return 'points'
  if (hasText(def.expression)) return 'aggregate'
  // count(*) needs no expression: a count over a table is computed even when it also has `sql`
  if (def.type === 'count' && hasText(def.table_name)) return 'aggregate'
  if (hasText(def.sql)) return 'sql'
  throw invalid(`metric ${def.id} has neither expression nor sql; give it an expression over its table or a sql query`, {
    metric: def.id,
  })
}

function hasText(s: unknown): s is string {
  return typeof s === 'string' && s.trim() !== ''
}

/** Types a points metric may have: each is an aggregate over the points' `value`. */
export const POINTS_TYPES: readonly MetricType[] = ['sum', 'count', 'avg', 'min', 'max', 'last']

function checkPointsType(def: MetricDefinition): void {
  if (!POINTS_TYPES.includes(def.type ?? 'sum')) {
    throw invalid(`${def.id} has points_key but type ${def.type}; points metrics use one of ${POINTS_TYPES.join(', ')}`, {metric: def.id})
  }
}

function declaredDimensions(def: MetricDefinition): string[] {
  return (def.dimensions ?? []).map(dimensionName)
}

function lookupMetric(lookup: MetricLookup, id: string): MetricDefinition {
  if (typeof id !== 'string' || id === '') throw badRequest('missing metric id; expected category/name, e.g. revenue/mrr')
  const def = lookup(id)
  if (!def) throw new CatalogError('NOT_FOUND', `unknown metric ${show(id)}; see \`metricat list\` or \`metricat search\``, {metric: id, hint: FIND_METRIC_HINT})
  return def
}

/** Expand ratio/derived metrics into a tree over aggregate leaves; catches unknown ids and cycles. */
function resolveValue(
  def: MetricDefinition,
  lookup: MetricLookup,
  path: string[],
  inheritedFilters: string[],
): ResolvedValue {
  if (path.includes(def.id)) {
    throw invalid(`metric ${path[0]} depends on itself: ${[...path, def.id].join(' -> ')}`, {metric: path[0], cycle: [...path, def.id]})
  }
  if (path.length >= MAX_DEPTH) throw invalid(`metric ${path[0]} nests ratio/derived metrics more than ${MAX_DEPTH} deep`)
  const here = [...path, def.id]
  const kind = metricKind(def)
  const filters = [...inheritedFilters, ...(def.filters ?? [])]
  const input = (ref: string, role: string): ResolvedValue => {
    const id = resolveMetricRef(ref, def)
    const child = lookup(id)
    if (!child) throw invalid(`${role} of ${def.id} references unknown metric ${show(id)}`, {metric: def.id, reference: id})
    const childKind = metricKind(child)
    if (childKind === 'sql') {
      throw invalid(`${role} of ${def.id} is ${id}, which is a SQL-only metric and cannot be combined; use a metric with an expression`, {
        metric: def.id,
        reference: id,
      })
    }
    return resolveValue(child, lookup, here, filters)
  }

  switch (kind) {
    case 'ratio': {
      if (!hasText(def.numerator) || !hasText(def.denominator)) {
        throw invalid(`ratio metric ${def.id} needs both numerator and denominator (metric ids)`, {metric: def.id})
      }
      return {kind: 'binary', op: '/', left: input(def.numerator, 'numerator'), right: input(def.denominator, 'denominator')}
    }
    case 'derived': {
      if (!hasText(def.formula)) throw invalid(`derived metric ${def.id} needs a formula over other metric ids`, {metric: def.id})
      const convert = (node: FormulaNode): ResolvedValue => {
        switch (node.kind) {
          case 'metric':
            return input(node.id, 'formula')
          case 'number':
            return node
          case 'negate':
            return {kind: 'negate', operand: convert(node.operand)}
          case 'binary':
            return {kind: 'binary', op: node.op, left: convert(node.left), right: convert(node.right)}
        }
      }
      return convert(parseFormula(def, def.formula))
    }
    case 'aggregate':
    case 'points':
      return {kind: 'leaf', def, inheritedFilters}
    case 'sql':
      throw new Error(`unreachable: ${kind} metric ${def.id} reached resolveValue`)
  }
}

export function leavesOf(value: ResolvedValue, out: ResolvedLeaf[] = []): ResolvedLeaf[] {
  switch (value.kind) {
    case 'leaf':
      out.push(value)
      break
    case 'negate':
      leavesOf(value.operand, out)
      break
    case 'binary':
      leavesOf(value.left, out)
      leavesOf(value.right, out)
      break
    case 'number':
      break
  }
  return out
}

function resolveDimension(name: unknown, root: MetricDefinition, leaves: ResolvedLeaf[], role: string): string {
  const allowed = declaredDimensions(root)
  if (typeof name !== 'string' || !allowed.includes(name)) {
    throw badRequest(`unknown dimension ${show(name)} for ${root.id}${role}; allowed: ${listOrNone(allowed)}`, {
      metric: root.id,
      dimension: name,
      allowed,
    })
  }
  for (const leaf of leaves) {
    if (leaf.def.id !== root.id && !declaredDimensions(leaf.def).includes(name)) {
      const everywhere = allowed.filter((d) => leaves.every((l) => declaredDimensions(l.def).includes(d)))
      throw badRequest(
        `dimension ${show(name)} of ${root.id} is not declared by its input ${leaf.def.id}; usable: ${listOrNone(everywhere)}`,
        {metric: root.id, dimension: name, input: leaf.def.id, allowed: everywhere},
      )
    }
  }
  return name
}

function isScalar(v: unknown): v is FilterScalar {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))
}

function resolveFilter(raw: unknown, root: MetricDefinition, leaves: ResolvedLeaf[]): ResolvedFilter {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw badRequest(`bad filter ${show(raw)}; expected {dimension, op, value}`)
  }
  const f = raw as Partial<Filter>
  const op = f.op
  if (typeof op !== 'string' || !(FILTER_OPS as readonly string[]).includes(op)) {
    throw badRequest(`unknown filter operator ${show(op)}; allowed: ${FILTER_OPS.join(' ')}`, {op, allowed: [...FILTER_OPS]})
  }
  const dimension = resolveDimension(f.dimension, root, leaves, ' in a filter')
  const value = f.value
  const where = `filter on ${dimension} (${op})`
  switch (op as FilterOp) {
    case 'is_null':
    case 'not_null':
      if (value !== undefined && value !== null) throw badRequest(`${where} takes no value, got ${show(value)}`)
      return {dimension, op: op as FilterOp}
    case 'in':
    case 'not_in': {
      if (!Array.isArray(value) || value.length === 0) {
        throw badRequest(`${where} needs a non-empty list of values, got ${show(value)}`)
      }
      if (value.length > MAX_IN_VALUES) throw badRequest(`${where} has ${value.length} values; at most ${MAX_IN_VALUES}`)
      const bad = value.find((v) => !isScalar(v))
      if (bad !== undefined) throw badRequest(`${where} has a bad list item ${show(bad)}; expected strings, numbers or booleans`)
      return {dimension, op: op as FilterOp, value: [...(value as FilterScalar[])]}
    }
    case 'contains':
      if (!isScalar(value)) throw badRequest(`${where} needs a text value, got ${show(value)}`)
      return {dimension, op: 'contains', value: String(value)}
    default:
      if (value === null || value === undefined) {
        throw badRequest(`${where} needs a value; use is_null or not_null to test for missing values`)
      }
      if (!isScalar(value)) throw badRequest(`${where} needs one string, number or boolean, got ${show(value)}`)
      return {dimension, op: op as FilterOp, value}
  }
}

function resolveLimit(limit: unknown): number | undefined {
  if (limit === undefined || limit === null) return undefined
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw badRequest(`bad limit ${show(limit)}; expected a whole number from 1 to ${MAX_LIMIT}`)
  }
  return limit
}

function resolveOrder(query: MetricQuery): {order: QueryOrder; desc: boolean} {
  const order = query.order ?? 'period'
  if (!(QUERY_ORDERS as readonly string[]).includes(order)) {
    throw badRequest(`unknown order ${show(query.order)}; allowed: ${QUERY_ORDERS.join(', ')}`, {allowed: [...QUERY_ORDERS]})
  }
  if (query.desc !== undefined && typeof query.desc !== 'boolean') throw badRequest(`bad desc ${show(query.desc)}; expected true or false`)
  return {order, desc: query.desc ?? false}
}

function resolveSqlOnly(def: MetricDefinition, query: MetricQuery): ResolvedSqlQuery {
  const given = [
    // the metric's own grain is what its SQL computes already
    query.grain !== undefined && query.grain !== def.grain && '--grain',
    (query.by?.length ?? 0) > 0 && '--by',
    (query.filters?.length ?? 0) > 0 && '--where',
    query.from !== undefined && '--from',
    query.to !== undefined && '--to',
    query.range !== undefined && '--range',
    query.compare !== undefined && '--compare',
    query.order !== undefined && '--order',
    query.desc !== undefined && '--desc',
  ].filter((g): g is string => typeof g === 'string')
  if (given.length > 0) {
    throw badRequest(
      `${def.id}${query.variant !== undefined ? ` (variant ${query.variant})` : ''} is a SQL-only query and runs as written; ` +
        `${given.join(', ')} cannot apply (only --variant and --limit do)`,
      {metric: def.id, options: given},
    )
  }
  const limit = resolveLimit(query.limit)
  if (query.variant !== undefined) {
    return {kind: 'sql', metric: def.id, variant: query.variant, sql: def.sql_variants?.[query.variant] as string, limit}
  }
  return {kind: 'sql', metric: def.id, sql: def.sql as string, limit}
}

/**
 * Resolve a request against the catalog: find the metric, expand ratio/derived inputs, and check
 * every request field (grain, dimensions, filters, dates, compare, variant, limit). Throws
 * CatalogError NOT_FOUND (metric, variant), BAD_REQUEST (request) or VALIDATION (definition).
 */
export function resolveMetricQuery(query: MetricQuery, lookup: MetricLookup, options: CompileOptions = {}): ResolvedQuery {
  if (typeof query !== 'object' || query === null) throw badRequest('bad query; expected an object with a metric id')
  if (options.weekStart !== undefined && options.weekStart !== 'monday') {
    throw badRequest(`unsupported week start ${show(options.weekStart)}; allowed: monday`)
  }
  const def = lookupMetric(lookup, query.metric)

  if (query.variant !== undefined) {
    const variants = Object.keys(def.sql_variants ?? {}).sort()
    if (typeof query.variant !== 'string' || !variants.includes(query.variant)) {
      throw new CatalogError('NOT_FOUND', `unknown variant ${show(query.variant)} for ${def.id}; available: ${listOrNone(variants)}`, {
        metric: def.id,
        variant: query.variant,
        available: variants,
      })
    }
    return resolveSqlOnly(def, query)
  }
  const kind = metricKind(def)
  if (kind === 'sql') return resolveSqlOnly(def, query)

  const grain = query.grain ?? def.grain ?? 'month'
  if (!(GRAINS as readonly string[]).includes(grain)) {
    throw badRequest(`unknown grain ${show(query.grain)}; allowed: ${GRAINS.join(', ')}`, {allowed: [...GRAINS]})
  }
  if (query.compare !== undefined && !COMPARE_MODES.includes(query.compare)) {
    throw badRequest(`unknown compare mode ${show(query.compare)}; allowed: ${COMPARE_MODES.join(', ')}`)
  }

  const value = resolveValue(def, lookup, [], [])
  const leaves = leavesOf(value)
  for (const leaf of leaves) if (hasText(leaf.def.expression) && options.isAggregate?.(leaf.def.expression)) leaf.expressionIsAggregate = true
  for (const leaf of leaves) {
    if (hasText(leaf.def.points_key)) {
      checkPointsType(leaf.def)
      continue
    }
    if (!hasText(leaf.def.table_name)) throw invalid(`metric ${leaf.def.id} has no table to compute its expression over`, {metric: leaf.def.id})
    if (!hasText(leaf.def.time_column)) {
      throw invalid(`metric ${leaf.def.id} has no time_column, so it cannot be bucketed by period; add one, or give the metric a sql query`, {
        metric: leaf.def.id,
      })
    }
  }

  if (query.by !== undefined && !Array.isArray(query.by)) throw badRequest(`bad --by ${show(query.by)}; expected a list of dimension names`)
  const by: string[] = []
  for (const name of query.by ?? []) {
    const dim = resolveDimension(name, def, leaves, '')
    if (by.includes(dim)) throw badRequest(`dimension ${show(dim)} is given twice in --by`)
    if (RESERVED_COLUMNS.includes(dim)) {
      throw badRequest(`dimension ${show(dim)} has the same name as a result column (${RESERVED_COLUMNS.join(', ')}); it cannot be used in --by`)
    }
    by.push(dim)
  }

  if (query.filters !== undefined && !Array.isArray(query.filters)) throw badRequest(`bad filters ${show(query.filters)}; expected a list`)
  const filters = (query.filters ?? []).map((f) => resolveFilter(f, def, leaves))

  let fromText = query.from
  let toText = query.to
  if (query.range !== undefined) {
    if (query.from !== undefined || query.to !== undefined) throw badRequest('--range cannot be combined with --from or --to')
    const today = options.today === undefined ? todayUtc() : parseTimeBound(options.today, 'today').date
    ;({from: fromText, to: toText} = parseRange(query.range, today))
  }
  const from = fromText === undefined ? undefined : parseTimeBound(fromText, '--from')
  const to = toText === undefined ? undefined : parseTimeBound(toText, '--to')
  if (from && to && compareBounds(from, to) >= 0) {
    throw badRequest(`--from ${from.text} must be before --to ${to.text} (--to is exclusive)`)
  }

  return {
    kind: 'aggregate',
    metric: def.id,
    grain,
    by,
    filters,
    from,
    to,
    compare: query.compare,
    limit: resolveLimit(query.limit),
    ...resolveOrder(query),
    value,
  }
}
