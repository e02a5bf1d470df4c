import {dimensionSpec, type Grain, type MetricDefinition, type TimeAggregation} from '../catalog/types.js'
import {CatalogError} from '../errors.js'
import {addPeriods, approximatePeriodCount, formatDate, truncateDate, type CalendarDate, type TimeBound} from './dates.js'
import {POINTS_TABLE, clickhouseDimensionSql, clickhousePointsSource, dimensionPointer} from '../points/points-sql.js'
import {GRAIN_ORDER, isCalendarGrain, truncateBoundText, type PeriodGrain} from './grains.js'
import {DUCKDB, clickhouseLiteral, dialectFor, type AggregateType, type Dialect, type DialectName} from './dialect.js'
import type {Predicate} from './predicate.js'
import {isPlainQualifiedName, parenthesize, quoteLiteral, quoteQualified} from './quote.js'
import {
  resolveMetricQuery,
  type CompileOptions,
  type MetricLookup,
  type PlanGrain,
  type ResolvedAggregateQuery,
  type ResolvedFilter,
  type ResolvedLeaf,
  type ResolvedValue,
} from './resolve.js'
import type {CompareMode, MetricQuery, QueryOrder} from './types.js'

/** A request filter bound to one measure's SQL for its dimension. Values are bound, never inlined. */
export interface PredicatePlan extends Predicate {
  dimension: string
  /** a raw points query's dimension key as a JSON Pointer, bound by the DuckDB renderer (`sql` is then empty); see MeasurePlan.dimensions */
  pointer?: string
}

/** A requested dimension of a measure: its SQL, or (raw points queries on DuckDB) the bound JSON Pointer of a point's dimension key. */
export interface DimensionPlan {
  name: string
  /** SQL of the dimension; empty when `pointer` is set */
  sql: string
  /** DuckDB, raw points queries: the dimension is `json_extract_string(dimensions, $n)` with this pointer bound, so a request's key never becomes SQL text */
  pointer?: string
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
  /**
   * The first timestamp of the measure's rows after its definition filters, when the caller knows
   * it (as `knownLastTime`; for a rollup, its first period); only read when `needsFirstTime(plan)`.
   */
  knownFirstTime?: string | null
  /** aggregate SQL, e.g. `sum(amount)` (cast to DOUBLE by the renderer) */
  aggregate: string
  /** requested dimensions in request order, with this measure's SQL for each */
  dimensions: DimensionPlan[]
  /** the definitions' `filters` (reviewed SQL), ANDed */
  conditions: string[]
  predicates: PredicatePlan[]
  /** gap value: 0 for sum/count/count_distinct (and rate), null for the others */
  fill: 0 | null
  /** the value is the aggregate per second of the part of its period inside the range (raw points, agg rate) */
  perSecond?: true
  /**
   * The source already holds one row per period and requested dimensions (a rollup at the query's
   * grain keeping exactly the requested dimensions): `aggregate` is then a per-row expression and
   * the measure is a projection, with no GROUP BY (the same values: a re-aggregate of one row is
   * that row).
   */
  onePerGroup?: true
  /**
   * ClickHouse points: the source's exact time in microseconds since 1970 (`date_us`); the range
   * compares it instead of `time`, which has whole seconds.
   */
  timeUs?: string
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
  /** the period of each row; minute/hour and none only in raw points queries (none: one row per dimension combination) */
  grain: PlanGrain
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
  /**
   * Periods (start dates) that an explicit --from/--to cuts without --compare: their value covers
   * only part of the period, so the result marks their rows `partial: true`.
   */
  cutPeriods?: string[]
  /**
   * A raw points query (`metricat points`): no `through` (no freshness cut, no partial or
   * data_through columns), periods below a day come out as ISO text, and the data-derived period
   * cap is MAX_POINTS_PERIODS. Its `limit` keeps the latest periods, as a metric query's does.
   */
  raw?: true
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

/** Where a leaf's rows come from (see leafSource). */
interface LeafSource {
  source: string
  time: string
  /** the time the aggregate orders by (last): `time` unless the source has a finer one */
  aggregateTime?: string
  timeUs?: string
  conditions: string[]
  /** request predicates the source itself needs first (a raw points query's key and entity matches) */
  match: PredicatePlan[]
  dimension: (name: string) => Omit<DimensionPlan, 'name'>
  text: boolean
  def: MetricDefinition
}

/**
 * Where a leaf's rows come from: its table, time column and dimension SQL; or, for a metric with
 * `points_key`, the ingested points of that key (time `date`, the aggregated expression `value`,
 * dimensions the text of the point's dimension keys). A raw points query's leaf (`leaf.points`)
 * reads points too, with the key, entity matches and dimension keys bound (inlined on ClickHouse).
 */
function leafSource(leaf: ResolvedLeaf, dialect: Dialect, pointsTable?: string): LeafSource {
  const def = leaf.def
  if (typeof def.points_key === 'string' && def.points_key.trim() !== '') {
    // a count of points counts rows; any other type aggregates their value
    const valueDef = {...def, type: def.type ?? 'sum', ...(def.expression === undefined && def.type !== 'count' ? {expression: 'value'} : {})}
    const raw = leaf.points
    if (dialect.name === 'clickhouse' && pointsTable !== undefined) {
      const keyOf = (name: string) => raw?.keys[name] ?? name
      const match = (raw?.match ?? []).filter((m) => m.column !== 'metric_key').map((m) => `${m.column} = ${clickhouseLiteral(m.value)}`)
      return {
        source: clickhousePointsSource(pointsTable, def.points_key, match),
        time: dialect.quoteIdent('date'),
        aggregateTime: 'date_us',
        timeUs: 'date_us',
        conditions: [],
        match: [],
        dimension: (name) => ({sql: clickhouseDimensionSql(keyOf(name))}),
        text: true,
        def: valueDef,
      }
    }
    if (dialect.name !== 'duckdb') {
      throw new CatalogError('BAD_REQUEST', `${def.id} is computed from metric points, which live in the catalog file, not in the ${dialect.name} warehouse`, {metric: def.id})
    }
    if (raw !== undefined) {
      return {
        source: quoteQualified(POINTS_TABLE),
        time: '"date"',
        conditions: [],
        match: raw.match.map((m) => ({dimension: m.column, sql: m.column, op: '=', value: m.value})),
        dimension: (name) => ({sql: '', pointer: dimensionPointer(raw.keys[name] as string)}),
        text: true,
        def: valueDef,
      }
    }
    return {
      source: quoteQualified(POINTS_TABLE),
      time: '"date"',
      conditions: [`metric_key = ${quoteLiteral(def.points_key)}`],
      match: [],
      dimension: (name) => ({sql: `json_extract_string(dimensions, ${quoteLiteral(dimensionPointer(name))})`}),
      text: true,
      def: valueDef,
    }
  }
  return {source: sourceSql(def.table_name as string, dialect), time: timeSql(def.time_column as string, dialect), conditions: [], match: [], dimension: (name) => ({sql: dimensionSql(def, name, dialect)}), text: false, def}
}

function planMeasure(leaf: ResolvedLeaf, alias: string, q: ResolvedAggregateQuery, dialect: Dialect, pointsTable?: string): MeasurePlan {
  const from = leafSource(leaf, dialect, pointsTable)
  const def = from.def
  const time = from.time
  const dims = q.by.map((name): DimensionPlan => ({name, ...from.dimension(name)}))
  const predicates = [
    ...from.match,
    ...q.filters.map((f: ResolvedFilter): PredicatePlan => ({...f, ...from.dimension(f.dimension), ...(from.text ? {text: true} : {})})),
  ]
  return {
    alias,
    metric: def.id,
    source: from.source,
    time,
    ...(from.timeUs !== undefined ? {timeUs: from.timeUs} : {}),
    aggregate: aggregateSql(def, from.aggregateTime ?? time, dialect, leaf.expressionIsAggregate),
    dimensions: dims,
    conditions: [...from.conditions, ...leaf.inheritedFilters, ...(def.filters ?? [])].map((c) => c.trim()).filter((c) => c !== ''),
    predicates,
    // a snapshot asked at a finer grain than its own has no value in the periods between snapshots: empty, not 0
    fill: def.type !== undefined && ZERO_FILLED.has(def.type) && !finerThanSnapshot(def, q.grain) ? 0 : null,
    ...(leaf.points?.perSecond ? {perSecond: true as const} : {}),
    rounded: def.type === undefined || def.type === 'sum' || def.type === 'avg' || leaf.expressionIsAggregate === true,
    ...withRollup(q.grain === 'none' || !isCalendarGrain(q.grain) ? undefined : planRollup(def, q.grain)),
    coverage: def.time_aggregation !== undefined && def.time_aggregation !== 'sum' ? (def.grain ?? 'day') : 'day',
  }
}

/** True when `def` is a snapshot (a time_aggregation other than sum) and `grain` is finer than its own grain (minute and hour are finer than any). */
function finerThanSnapshot(def: MetricDefinition, grain: PlanGrain): boolean {
  if (def.time_aggregation === undefined || def.time_aggregation === 'sum' || grain === 'none') return false
  return GRAIN_ORDER[grain] < GRAIN_ORDER[def.grain ?? 'day']
}

/** The notes for snapshot inputs asked at a finer grain than their own (see `finerThanSnapshot`). */
function snapshotNotes(measures: MeasurePlan[], lookup: (id: string) => MetricDefinition | undefined, grain: PlanGrain): string[] {
  return measures.flatMap((m) => {
    const def = lookup(m.metric)
    if (!def || !finerThanSnapshot(def, grain)) return []
    return [`${m.metric} is a ${def.grain} snapshot (time_aggregation: ${def.time_aggregation}): at ${grain} grain only the periods holding one of its snapshots have a value; the others are empty, not 0 (query it at ${def.grain} or coarser)`]
  })
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
/** The period cap of a raw points query (`metricat points`), whose buckets go down to a minute. */
export const MAX_POINTS_PERIODS = 200_000

/** A calendar grain for compare, which only metric queries (day..year) have. */
function compareGrain(q: ResolvedAggregateQuery): Grain {
  if (q.grain === 'none' || !isCalendarGrain(q.grain)) throw new CatalogError('BAD_REQUEST', `--compare needs a grain from day to year, not ${q.grain}`)
  return q.grain
}

/** Whether a bound is the first instant of its period (`2026-10-01` and `2026-10-01T00:00:00` alike). */
function onPeriodStart(bound: TimeBound, grain: Grain): boolean {
  return !bound.hasTime && formatDate(truncateDate(bound.date, grain)) === formatDate(bound.date)
}

/**
 * The periods a --from/--to falls inside (absent where the bound is the first instant of its
 * period), and `toEnd`, the end of the period --to falls inside (where a compare widens it to).
 */
function boundPeriods(q: ResolvedAggregateQuery, grain: Grain): {from?: string; to?: string; toEnd?: string} {
  const to = q.to && !onPeriodStart(q.to, grain) ? truncateDate(q.to.date, grain) : undefined
  return {
    ...(q.from && !onPeriodStart(q.from, grain) ? {from: formatDate(truncateDate(q.from.date, grain))} : {}),
    ...(to ? {to: formatDate(to), toEnd: formatDate(addPeriods(to, grain, 1))} : {}),
  }
}

/**
 * Request filters on one dimension whose `=` / `in` values have none in common: every filter
 * applies (AND), so no row matches and the answer reads as zeros. Said, since `--where region=EU
 * --where region=NA` is easily meant as "either".
 */
function disjointFilters(filters: ResolvedFilter[]): string[] {
  const byDimension = new Map<string, ResolvedFilter[]>()
  for (const f of filters) if (f.op === '=' || f.op === 'in') byDimension.set(f.dimension, [...(byDimension.get(f.dimension) ?? []), f])
  const notes: string[] = []
  for (const [dimension, fs] of byDimension) {
    if (fs.length < 2) continue
    const sets = fs.map((f) => new Set((Array.isArray(f.value) ? f.value : [f.value]).map(String)))
    const common = [...sets[0]!].filter((v) => sets.every((set) => set.has(v)))
    if (common.length > 0) continue
    const all = [...new Set(sets.flatMap((set) => [...set]))]
    const shown = fs.map((f) => `${dimension} ${f.op} ${Array.isArray(f.value) ? f.value.join(',') : String(f.value)}`).join(' and ')
    notes.push(`no row can match both ${shown}: every filter applies (AND); for any of them write one filter, --where "${dimension} in ${all.join(',')}"`)
  }
  return notes
}

/** With compare, --from/--to widened to whole periods; the notes say so (result `warnings`). */
function compareEdges(q: ResolvedAggregateQuery): string[] {
  if (!q.compare) return []
  const grain = compareGrain(q)
  const cut = boundPeriods(q, grain)
  return [
    ...(cut.from !== undefined ? [`--compare uses whole periods: --from ${q.from!.text} was widened to ${cut.from}, the start of its ${q.grain}`] : []),
    ...(cut.to !== undefined ? [`--compare uses whole periods: --to ${q.to!.text} was widened to ${cut.toEnd}, the end of its ${q.grain}`] : []),
  ]
}

/**
 * Without compare, a --from/--to inside a period leaves that period's value covering part of it
 * (half of September reads as a drop): the result marks it partial and a warning says so. With
 * compare the range is widened instead (compareEdges).
 */
function cutEdges(q: ResolvedAggregateQuery): {notes: string[]; periods: string[]} {
  if (q.compare || q.raw || q.grain === 'none' || !isCalendarGrain(q.grain)) return {notes: [], periods: []}
  const grain = q.grain
  const {from, to} = boundPeriods(q, grain)
  return {
    notes: [
      ...(from !== undefined ? [`the ${grain} of ${from} starts before --from ${q.from!.text}: its value covers only the part from ${q.from!.text} (partial)`] : []),
      ...(to !== undefined ? [`the ${grain} of ${to} ends after --to ${q.to!.text}: its value covers only the part before ${q.to!.text} (partial)`] : []),
    ],
    periods: [...new Set([from, to].filter((p): p is string => p !== undefined))],
  }
}

function planRange(q: ResolvedAggregateQuery): RangePlan {
  const range: RangePlan = {}
  if (q.grain === 'none' || !isCalendarGrain(q.grain)) {
    // raw points queries only (no compare): minute/hour series start at the bound's minute/hour; none has no series
    if (q.to) range.to = q.to.text
    if (q.from) {
      range.scanFrom = q.from.text
      if (q.grain !== 'none') range.seriesFrom = truncateBoundText(q.from, q.grain)
    }
    return range
  }
  const grain = q.grain
  if (q.to) {
    const widened = q.compare ? boundPeriods(q, grain).toEnd : undefined
    range.to = widened ?? q.to.text
  }
  if (!q.from) return range
  const first = truncateDate(q.from.date, grain)
  const firstText = formatDate(first)
  const seriesStart = q.compare ? COMPARE_BACK[q.compare][grain](first) : first
  // a raw points query checked its (wider) cap when it was resolved
  if (q.to && !q.raw) {
    const count = approximatePeriodCount(seriesStart, q.to.date, grain)
    if (count > MAX_PERIODS) {
      throw new CatalogError('BAD_REQUEST', `--from/--to span about ${count} ${grain} periods; at most ${MAX_PERIODS} (use a coarser --grain)`)
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

/**
 * Whether the renderer cuts the period grid at the data's first timestamp: a grid that starts at a
 * given `--from` (or a compare's earlier periods) would otherwise fill the periods before the
 * metric's first row with 0 (or give the first period a previous_value of 0). Without --from the
 * grid starts at the first period with data anyway; a raw points query fills what it was asked.
 */
export function needsFirstTime(plan: AggregatePlan): boolean {
  return !plan.raw && plan.grain !== 'none' && plan.range.seriesFrom !== undefined
}

/** The plan's grain where it has periods (both renderers split off `none` first). */
export function periodGrain(plan: AggregatePlan): PeriodGrain {
  if (plan.grain === 'none') throw new Error('a plan without periods reached the period renderer')
  return plan.grain
}

/**
 * What a plan with periods answers, on either engine: its columns, and CompiledQuery.grain (a
 * metric's grain; raw points queries, which may have minute/hour, report none).
 */
export function periodResult(plan: AggregatePlan): {columns: string[]; grain?: Grain} {
  return {
    columns: ['period', ...plan.dimensions, 'value', ...(plan.compare !== undefined ? ['previous_value', 'growth_pct'] : []), ...(plan.raw ? [] : ['partial', 'data_through'])],
    ...(plan.raw || plan.grain === 'none' || !isCalendarGrain(plan.grain) ? {} : {grain: plan.grain}),
  }
}

/** The error for a period series the data made too long (the planner checks given bounds; the SQL checks the rest). */
export function tooManyPeriods(plan: Pick<AggregatePlan, 'grain' | 'raw'>): string {
  return plan.raw
    ? `the range holds more than ${MAX_POINTS_PERIODS} ${plan.grain} buckets; give --from and --to, or use a larger --bucket`
    : `the range spans more than ${MAX_PERIODS} ${plan.grain} periods; give --from and --to, or use a coarser --grain`
}

/** Whether the period grid takes an end from the data: `--from` or `--to` is missing (both dialects' renderers). */
export function gridNeedsBounds(plan: Pick<AggregatePlan, 'range'>): boolean {
  return plan.range.seriesFrom === undefined || plan.range.to === undefined
}

/** How the ClickHouse period cap ends (see `clickhouseCapCheck`). */
const capTail = (max: number) => ` > ${max}) = 0`

/** The ClickHouse period cap as the renderer writes it (render-clickhouse.ts): a row passes while `count` is within `max`. */
export function clickhouseCapCheck(count: string, max: number): string {
  return `WHERE throwIf(${count}${capTail(max)}`
}

/**
 * The period cap's error as the DuckDB SQL words it, for the same cap hit on ClickHouse, whose
 * check is a `throwIf` (18.16's takes no message); undefined for any other error, and when `sql`
 * has no cap (both ends given: a `throwIf` failing there is the definition's own).
 */
export function clickhousePeriodCap(message: string, sql: string, plan: Pick<AggregatePlan, 'grain' | 'raw'>): string | undefined {
  const capped = sql.includes('WHERE throwIf(') && sql.includes(capTail(plan.raw ? MAX_POINTS_PERIODS : MAX_PERIODS))
  return capped && /\bthrowIf\b/i.test(message) ? tooManyPeriods(plan) : undefined
}

/** Turn a resolved query into a plan: plain, serialisable data the renderer turns into SQL. */
export function planResolvedQuery(q: ResolvedAggregateQuery, dialectName: DialectName = 'duckdb', pointsTable?: string): AggregatePlan {
  const dialect = dialectFor(dialectName)
  const measures: MeasurePlan[] = []
  const keys: string[] = []
  const leafDefs = new Map<string, MetricDefinition>()
  const toPlan = (v: ResolvedValue): ValuePlan => {
    switch (v.kind) {
      case 'leaf': {
        leafDefs.set(v.def.id, v.def)
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
  if (q.grain === 'none' && q.value.kind !== 'leaf') {
    // only raw points queries have no periods, and they read one key
    throw new CatalogError('BAD_REQUEST', `bucket none computes one aggregate; ${q.metric} combines several`, {metric: q.metric})
  }
  const value = toPlan(q.value)
  const cut = cutEdges(q)
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
    warnings: [...compareEdges(q), ...cut.notes, ...new Set(snapshotNotes(measures, (id) => leafDefs.get(id), q.grain)), ...disjointFilters(q.filters)],
    ...(cut.periods.length > 0 ? {cutPeriods: cut.periods} : {}),
    ...(q.compare ? {compare: q.compare} : {}),
    ...(q.limit !== undefined ? {limit: q.limit} : {}),
    order: q.order,
    desc: q.desc,
    ...(q.raw ? {raw: true as const} : {}),
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
