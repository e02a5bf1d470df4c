import {dimensionSpec, type Grain, type MetricDefinition, type TimeAggregation} from '../catalog/types.js'
import {CatalogError} from '../errors.js'
import {addPeriods, approximatePeriodCount, formatDate, truncateDate, type CalendarDate} from './dates.js'
import {POINTS_TABLE, clickhouseDimensionSql, clickhousePointsSource, dimensionPointer} from '../points/points-sql.js'
import {DUCKDB, dialectFor, type AggregateType, type Dialect, type DialectName} from './dialect.js'
import type {Predicate} from './predicate.js'
import {isPlainQualifiedName, parenthesize, quoteLiteral, quoteQualified} from './quote.js'
import {
  resolveMetricQuery,
  type CompileOptions,
  type MetricLookup,
  type ResolvedAggregateQuery,
  type ResolvedFilter,
  type ResolvedLeaf,
  type ResolvedValue,
} from './resolve.js'
import type {CompareMode, MetricQuery, QueryOrder} from './types.js'

/** A request filter bound to one measure's SQL for its dimension. Values are bound, never inlined. */
export interface PredicatePlan extends Predicate {
  dimension: string
}

/** One aggregate over one table, grouped by period and the requested dimensions. */
export interface MeasurePlan {
  /** CTE name: m1, m2, ... */
  alias: string
  metric: string
  /** FROM clause text */
  source: string
  /** time column SQL */
  time: string
  /** SQL for the latest timestamp of the measure's rows, for data_through (a rollup's stored `last_time`); default `time` */
  lastTime?: string
  /**
   * That latest timestamp when the caller already knows it for the data as it is now (the
   * catalog's memo, kept until the file is next written; TIMESTAMP text, null: no rows): rendered
   * as a bound value instead of the probe. A renderer may ignore it and probe.
   */
  knownLastTime?: string | null
  /** aggregate SQL, e.g. `sum(amount)` (cast to DOUBLE by the renderer) */
  aggregate: string
  /** requested dimensions in request order, with this measure's SQL for each */
  dimensions: Array<{name: string; sql: string}>
  /** the definitions' `filters` (reviewed SQL), ANDed */
  conditions: string[]
  predicates: PredicatePlan[]
  /** gap value: 0 for sum/count/count_distinct, null for the others */
  fill: 0 | null
  /**
   * The aggregate adds DOUBLEs (a sum, an average, or an expression that aggregates by itself),
   * so its last bits depend on the order threads add in: the renderer keeps 14 significant digits.
   */
  rounded: boolean
  /**
   * Present when the query grain is coarser than the metric's own grain and the metric declares a
   * `time_aggregation`: the aggregate is computed per `grain` sub-period, then rolled up.
   */
  rollup?: {grain: Grain; aggregation: TimeAggregation}
  /**
   * How far the last timestamp covers: `day` (data through a moment covers that whole day), or the
   * metric's grain for snapshot metrics (a time_aggregation other than sum: one row per period).
   */
  coverage: Grain
}

export type ValuePlan =
  | {kind: 'measure'; alias: string}
  | {kind: 'number'; value: number}
  | {kind: 'negate'; operand: ValuePlan}
  | {kind: 'binary'; op: '+' | '-' | '*' | '/'; left: ValuePlan; right: ValuePlan}

/** Time bounds, all as bound parameter texts (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS[.f]`). */
export interface RangePlan {
  /** time column >= scanFrom */
  scanFrom?: string
  /** time column < to; also the (exclusive) end of the period series */
  to?: string
  /** first period of the gap-filled series; without it the series starts at the first period with data */
  seriesFrom?: string
  /** first period returned (compare only: earlier periods only feed previous_value) */
  showFrom?: string
}

export interface AggregatePlan {
  kind: 'aggregate'
  /** the engine whose SQL the fragments are in; absent: DuckDB */
  dialect?: DialectName
  metric: string
  grain: Grain
  dimensions: string[]
  measures: MeasurePlan[]
  value: ValuePlan
  /** true when value is a single measure (no ratio/derived arithmetic) */
  simple: boolean
  range: RangePlan
  compare?: CompareMode
  /** with order period: at most this many (latest, or with desc earliest-last) periods; with order value: rows */
  limit?: number
  order: QueryOrder
  desc: boolean
  /** what the answer changed about the request (e.g. compare widening --from to a whole period) */
  warnings: string[]
}

export interface SqlPlan {
  kind: 'sql'
  /** the engine the SQL runs on; absent: DuckDB */
  dialect?: DialectName
  metric: string
  variant?: string
  sql: string
  limit?: number
}

export type QueryPlan = AggregatePlan | SqlPlan

const ZERO_FILLED: ReadonlySet<string> = new Set(['sum', 'count', 'count_distinct'])

/** Reviewed SQL text: kept bare when it is a plain name, else parenthesised so it cannot bleed. */
function wrap(sql: string): string {
  const s = sql.trim()
  return isPlainQualifiedName(s) ? s : parenthesize(s)
}

function percentileLiteral(def: MetricDefinition): string {
  const p = def.percentile
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1) {
    throw new CatalogError('VALIDATION', `percentile metric ${def.id} needs percentile: a number from 0 to 1 (e.g. 0.9), got ${JSON.stringify(p)}`, {
      metric: def.id,
    })
  }
  return String(p)
}

function aggregateSql(def: MetricDefinition, time: string, dialect: Dialect, expressionIsAggregate = false): string {
  const expr = def.expression === undefined || def.expression.trim() === '' ? undefined : wrap(def.expression)
  // No type, or an expression that already aggregates (`SUM(x) * 12`): the expression is the value.
  if (def.type === undefined || (expressionIsAggregate && expr !== undefined)) return expr as string
  const type = def.type as AggregateType
  if (expr === undefined && type !== 'count') {
    throw new CatalogError('VALIDATION', `${type} metric ${def.id} needs an expression to aggregate`, {metric: def.id})
  }
  return dialect.aggregate(type, expr, time, type === 'percentile' ? percentileLiteral(def) : undefined)
}

/**
 * A definition's `table` as a FROM item: a plain (dotted) name quoted part by part; a query
 * (starting SELECT, WITH or FROM, which the catalog checks is exactly one read-only SELECT)
 * as a subquery; anything else is one quoted identifier, never SQL text.
 */
export function sourceSql(table: string, dialect: Dialect = DUCKDB): string {
  const t = table.trim()
  if (isPlainQualifiedName(t)) return t.split('.').map(dialect.quoteIdent).join('.')
  if (isTableQuery(t)) return `(\n${t}\n) AS src`
  return dialect.quoteIdent(t)
}

/** Whether a definition's `table` is a query rather than a table name. */
export function isTableQuery(table: string): boolean {
  return /^(select|with|from)\b/i.test(table.trim())
}

function timeSql(column: string, dialect: Dialect): string {
  const c = column.trim()
  return isPlainQualifiedName(c) ? c.split('.').map(dialect.quoteIdent).join('.') : parenthesize(c)
}

function dimensionSql(def: MetricDefinition, name: string, dialect: Dialect): string {
  const spec = (def.dimensions ?? []).map(dimensionSpec).find((d) => d.name === name)
  if (spec?.expr !== undefined && spec.expr.trim() !== '') return wrap(spec.expr)
  return dialect.quoteIdent(name)
}

/** Grains from finest to coarsest; a week is finer than a month though it does not nest in one. */
export const GRAIN_ORDER: Record<Grain, number> = {day: 0, week: 1, month: 2, quarter: 3, year: 4}

/**
 * The roll-up a metric needs at `grain`: none without `time_aggregation`, when the query is not
 * coarser than the metric's grain (day when it declares none), or when it would not change the
 * numbers (`sum` of an additive sum or count).
 */
function planRollup(def: MetricDefinition, grain: Grain): MeasurePlan['rollup'] {
  const aggregation = def.time_aggregation
  if (aggregation === undefined) return undefined
  const base = def.grain ?? 'day'
  if (GRAIN_ORDER[grain] <= GRAIN_ORDER[base]) return undefined
  if (aggregation === 'sum' && (def.type === 'sum' || def.type === 'count')) return undefined
  return {grain: base, aggregation}
}

/**
 * Where a leaf's rows come from: its table, time column and dimension SQL; or, for a metric with
 * `points_key`, the ingested points of that key (time `date`, the aggregated expression `value`,
 * dimensions the text of the point's dimension keys).
 */
function leafSource(def: MetricDefinition, dialect: Dialect, pointsTable?: string): {source: string; time: string; conditions: string[]; dimension: (name: string) => string; text: boolean; def: MetricDefinition} {
  if (typeof def.points_key === 'string' && def.points_key.trim() !== '') {
    if (dialect.name === 'clickhouse' && pointsTable !== undefined) {
      return {
        source: clickhousePointsSource(pointsTable, def.points_key),
        time: dialect.quoteIdent('date'),
        conditions: [],
        dimension: clickhouseDimensionSql,
        text: true,
        def: {...def, type: def.type ?? 'sum', ...(def.expression === undefined && def.type !== 'count' ? {expression: 'value'} : {})},
      }
    }
    if (dialect.name !== 'duckdb') {
      throw new CatalogError('BAD_REQUEST', `${def.id} is computed from metric points, which live in the catalog file, not in the ${dialect.name} warehouse`, {metric: def.id})
    }
    return {
      source: quoteQualified(POINTS_TABLE),
      time: '"date"',
      conditions: [`metric_key = ${quoteLiteral(def.points_key)}`],
      dimension: (name) => `json_extract_string(dimensions, ${quoteLiteral(dimensionPointer(name))})`,
      text: true,
      // a count of points counts rows; any other type aggregates their value
      def: {...def, type: def.type ?? 'sum', ...(def.expression === undefined && def.type !== 'count' ? {expression: 'value'} : {})},
    }
  }
  return {source: sourceSql(def.table_name as string, dialect), time: timeSql(def.time_column as string, dialect), conditions: [], dimension: (name) => dimensionSql(def, name, dialect), text: false, def}
}

function planMeasure(leaf: ResolvedLeaf, alias: string, q: ResolvedAggregateQuery, dialect: Dialect, pointsTable?: string): MeasurePlan {
  const from = leafSource(leaf.def, dialect, pointsTable)
  const def = from.def
  const time = from.time
  const dims = q.by.map((name) => ({name, sql: from.dimension(name)}))
  const predicates = q.filters.map((f: ResolvedFilter): PredicatePlan => ({...f, sql: from.dimension(f.dimension), ...(from.text ? {text: true} : {})}))
  return {
    alias,
    metric: def.id,
    source: from.source,
    time,
    aggregate: aggregateSql(def, time, dialect, leaf.expressionIsAggregate),
    dimensions: dims,
    conditions: [...from.conditions, ...leaf.inheritedFilters, ...(def.filters ?? [])].map((c) => c.trim()).filter((c) => c !== ''),
    predicates,
    fill: def.type !== undefined && ZERO_FILLED.has(def.type) ? 0 : null,
    rounded: def.type === undefined || def.type === 'sum' || def.type === 'avg' || leaf.expressionIsAggregate === true,
    ...withRollup(planRollup(def, q.grain)),
    coverage: def.time_aggregation !== undefined && def.time_aggregation !== 'sum' ? (def.grain ?? 'day') : 'day',
  }
}

function withRollup(rollup: MeasurePlan['rollup']): Pick<MeasurePlan, 'rollup'> {
  return rollup === undefined ? {} : {rollup}
}

/**
 * The period whose value becomes previous_value, as date arithmetic the renderer mirrors in SQL
 * (COMPARE_INTERVAL there). A week-grain year is 52 weeks, so it lands on a Monday again; the day
 * grain goes back one calendar year, clamping Feb 29 as `- INTERVAL 1 YEAR` does.
 */
const COMPARE_BACK: Record<CompareMode, Record<Grain, (d: CalendarDate) => CalendarDate>> = {
  previous: {
    day: (d) => addPeriods(d, 'day', -1),
    week: (d) => addPeriods(d, 'week', -1),
    month: (d) => addPeriods(d, 'month', -1),
    quarter: (d) => addPeriods(d, 'quarter', -1),
    year: (d) => addPeriods(d, 'year', -1),
  },
  year: {
    day: (d) => addPeriods(d, 'year', -1),
    week: (d) => addPeriods(d, 'week', -52),
    month: (d) => addPeriods(d, 'year', -1),
    quarter: (d) => addPeriods(d, 'year', -1),
    year: (d) => addPeriods(d, 'year', -1),
  },
}

export const MAX_PERIODS = 100_000

/** With compare, --from/--to widened to whole periods; the notes say so (result `warnings`). */
function compareEdges(q: ResolvedAggregateQuery): string[] {
  const notes: string[] = []
  if (!q.compare) return notes
  if (q.from) {
    const first = formatDate(truncateDate(q.from.date, q.grain))
    if (q.from.hasTime || first !== q.from.text) notes.push(`--compare uses whole periods: --from ${q.from.text} was widened to ${first}, the start of its ${q.grain}`)
  }
  if (q.to) {
    const start = truncateDate(q.to.date, q.grain)
    if (q.to.hasTime || formatDate(start) !== q.to.text) {
      notes.push(`--compare uses whole periods: --to ${q.to.text} was widened to ${formatDate(addPeriods(start, q.grain, 1))}, the end of its ${q.grain}`)
    }
  }
  return notes
}

function planRange(q: ResolvedAggregateQuery): RangePlan {
  const range: RangePlan = {}
  if (q.to) {
    const start = truncateDate(q.to.date, q.grain)
    const aligned = !q.to.hasTime && formatDate(start) === q.to.text
    range.to = q.compare && !aligned ? formatDate(addPeriods(start, q.grain, 1)) : q.to.text
  }
  if (!q.from) return range
  const first = truncateDate(q.from.date, q.grain)
  const firstText = formatDate(first)
  const seriesStart = q.compare ? COMPARE_BACK[q.compare][q.grain](first) : first
  if (q.to) {
    const count = approximatePeriodCount(seriesStart, q.to.date, q.grain)
    if (count > MAX_PERIODS) {
      throw new CatalogError('BAD_REQUEST', `--from/--to span about ${count} ${q.grain} periods; at most ${MAX_PERIODS} (use a coarser --grain)`)
    }
  }
  if (q.compare) {
    // Scan from the start of the earliest previous period, so the first requested period has its
    // previous value. Growth compares whole periods: a mid-period --from is widened to the start of
    // its period (a partial edge period against a whole one would distort growth_pct).
    const seriesFrom = formatDate(seriesStart)
    range.scanFrom = seriesFrom
    range.seriesFrom = seriesFrom
    range.showFrom = firstText
  } else {
    range.scanFrom = q.from.text
    range.seriesFrom = firstText
  }
  return range
}

/** Turn a resolved query into a plan: plain, serialisable data the renderer turns into SQL. */
export function planResolvedQuery(q: ResolvedAggregateQuery, dialectName: DialectName = 'duckdb', pointsTable?: string): AggregatePlan {
  const dialect = dialectFor(dialectName)
  const measures: MeasurePlan[] = []
  const keys: string[] = []
  const toPlan = (v: ResolvedValue): ValuePlan => {
    switch (v.kind) {
      case 'leaf': {
        // One CTE per distinct input, even when a formula names it twice.
        const key = JSON.stringify([v.def.id, v.inheritedFilters])
        let index = keys.indexOf(key)
        if (index < 0) {
          index = keys.length
          keys.push(key)
          measures.push(planMeasure(v, `m${index + 1}`, q, dialect, pointsTable))
        }
        return {kind: 'measure', alias: (measures[index] as MeasurePlan).alias}
      }
      case 'number':
        return {kind: 'number', value: v.value}
      case 'negate':
        return {kind: 'negate', operand: toPlan(v.operand)}
      case 'binary':
        return {kind: 'binary', op: v.op, left: toPlan(v.left), right: toPlan(v.right)}
    }
  }
  const value = toPlan(q.value)
  return {
    kind: 'aggregate',
    ...(dialect.name !== 'duckdb' ? {dialect: dialect.name} : {}),
    metric: q.metric,
    grain: q.grain,
    dimensions: q.by,
    measures,
    value,
    simple: q.value.kind === 'leaf',
    range: planRange(q),
    warnings: compareEdges(q),
    ...(q.compare ? {compare: q.compare} : {}),
    ...(q.limit !== undefined ? {limit: q.limit} : {}),
    order: q.order,
    desc: q.desc,
  }
}

/** resolve -> plan. Throws the same CatalogErrors as {@link resolveMetricQuery}. */
export function planMetricQuery(query: MetricQuery, lookup: MetricLookup, options?: CompileOptions): QueryPlan {
  const resolved = resolveMetricQuery(query, lookup, options)
  if (resolved.kind === 'sql') {
    return {
      kind: 'sql',
      ...(options?.dialect && options.dialect !== 'duckdb' ? {dialect: options.dialect} : {}),
      metric: resolved.metric,
      ...(resolved.variant !== undefined ? {variant: resolved.variant} : {}),
      sql: resolved.sql,
      ...(resolved.limit !== undefined ? {limit: resolved.limit} : {}),
    }
  }
  return planResolvedQuery(resolved, options?.dialect, options?.pointsTable)
}
