import type {Grain} from '../catalog/types.js'
import {addPeriods, boundKey, formatDate, truncateDate, type CalendarDate} from './dates.js'
import {GRAIN_SQL, isCalendarGrain, type PeriodGrain} from './grains.js'
import {gridNeedsBounds, MAX_PERIODS, MAX_POINTS_PERIODS, needsFirstTime, periodGrain, periodResult, tooManyPeriods, type AggregatePlan, type DimensionPlan, type MeasurePlan, type PredicatePlan, type QueryPlan, type SqlPlan, type ValuePlan} from './plan.js'
import {renderPredicate} from './predicate.js'
import {renderClickHouse, renderDataThroughClickHouse, renderSqlClickHouse} from './render-clickhouse.js'
import {parenthesize, quoteIdent} from './quote.js'
import type {CompareMode, CompiledQuery, FilterScalar} from './types.js'

/** Collects bound values; `add` returns the placeholder. Render in text order so $n ascend (a value read twice reuses its placeholder). */
class Params {
  readonly values: FilterScalar[] = []
  private readonly timestamps = new Map<string, string>()
  add(value: FilterScalar): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
  /** `CAST($n AS TIMESTAMP)` of a time text; the same text bound once however often the SQL reads it. */
  timestamp(text: string): string {
    let sql = this.timestamps.get(text)
    if (sql === undefined) this.timestamps.set(text, (sql = `CAST(${this.add(text)} AS TIMESTAMP)`))
    return sql
  }
}

/** Mirrors COMPARE_BACK in plan.ts. */
const COMPARE_INTERVAL: Record<CompareMode, Record<Grain, string>> = {
  previous: {day: GRAIN_SQL.day.step, week: GRAIN_SQL.week.step, month: GRAIN_SQL.month.step, quarter: GRAIN_SQL.quarter.step, year: GRAIN_SQL.year.step},
  year: {
    day: "INTERVAL '1 year'",
    week: "INTERVAL '364 days'",
    month: "INTERVAL '1 year'",
    quarter: "INTERVAL '1 year'",
    year: "INTERVAL '1 year'",
  },
}

const BINARY_SQL: Record<'+' | '-' | '*', string> = {'+': '+', '-': '-', '*': '*'}


/** WHERE conditions of a measure's scan: definition filters, the time range, request predicates. */
function measureWhere(m: MeasurePlan, plan: AggregatePlan, params: Params): string[] {
  // The time column stays bare in range conditions so DuckDB can push them into the scan.
  const where = m.conditions.map(parenthesize)
  const r = plan.range
  // A bare string parameter takes the column's type: right for dates (and keeps the scan pushdown),
  // but against a DATE column a bound with a time of day would be cut to its date. Such bounds
  // are cast to TIMESTAMP, so the column is compared as a timestamp instead.
  const bound = (text: string) => (/\d[T ]\d/.test(text) ? `CAST(${params.add(text)} AS TIMESTAMP)` : params.add(text))
  if (r.scanFrom !== undefined) where.push(`${m.time} >= ${bound(r.scanFrom)}`)
  if (r.to !== undefined) where.push(`${m.time} < ${bound(r.to)}`)
  for (const p of m.predicates) where.push(renderPredicate(withPointer(p, params), params))
  return where
}

/** A dimension's SQL: as planned, or a raw points query's key as a bound JSON Pointer. */
function dimensionText(d: Pick<DimensionPlan, 'sql' | 'pointer'>, params: Params): string {
  return d.pointer === undefined ? d.sql : `json_extract_string(dimensions, ${params.add(d.pointer)})`
}

function withPointer(p: PredicatePlan, params: Params): PredicatePlan {
  return p.pointer === undefined ? p : {...p, sql: dimensionText(p, params)}
}

/** A period (`period` for a DATE column from day up; a TIMESTAMP below a day) at `grain`. */
function truncated(grain: PeriodGrain, time: string): string {
  return GRAIN_SQL[grain].date ? `CAST(date_trunc(${GRAIN_SQL[grain].part}, ${time}) AS DATE)` : `date_trunc(${GRAIN_SQL[grain].part}, ${time})`
}

/**
 * Raw points, agg rate: the seconds of the period starting at `period` (a DATE or TIMESTAMP) that
 * lie inside the range [scanFrom, to) (the whole period for a missing bound); the whole range
 * without periods. Bounds bound as TIMESTAMPs.
 */
function rateSeconds(plan: AggregatePlan, period: string | undefined, params: Params): string {
  const r = plan.range
  const bound = (text: string) => `CAST(${params.add(text)} AS TIMESTAMP)`
  if (period === undefined) {
    if (r.scanFrom === undefined || r.to === undefined) throw new Error('rate without periods needs both bounds')
    return `date_diff('millisecond', ${bound(r.scanFrom)}, ${bound(r.to)}) / 1000.0`
  }
  const step = GRAIN_SQL[periodGrain(plan)].step
  const start = `CAST(${period} AS TIMESTAMP)`
  const from = r.scanFrom === undefined ? start : `greatest(${start}, ${bound(r.scanFrom)})`
  const to = r.to === undefined ? `${start} + ${step}` : `least(${start} + ${step}, ${bound(r.to)})`
  return `date_diff('millisecond', ${from}, ${to}) / 1000.0`
}

/**
 * A DOUBLE to 14 significant digits. A sum's last bits depend on the order in which threads add
 * (fsum narrows that to about one bit, not always none); rounded, the value - and any ratio or
 * growth computed from it - is the same on every run. DuckDB computes the repeated aggregate once.
 */
function noiseFree(v: string): string {
  return `CASE WHEN ${v} = 0 OR NOT isfinite(${v}) THEN ${v} ELSE round(${v}, 13 - CAST(floor(log10(abs(${v}))) AS INTEGER)) END`
}

function measureValue(m: MeasurePlan): string {
  return m.rounded ? noiseFree(`CAST(${m.aggregate} AS DOUBLE)`) : `CAST(${m.aggregate} AS DOUBLE)`
}

/** A measure's CTE(s); `materialized` unless only `runs` reads it (`fillsFromRuns`). */
function renderMeasure(m: MeasurePlan, plan: AggregatePlan, params: Params, materialized = true): string {
  const bucket = m.rollup?.grain ?? periodGrain(plan)
  // rate: the sum per second of its period, divided outside the GROUP BY (the divisor reads the period)
  const perSecond = m.perSecond ? rateSeconds(plan, 'period', params) : undefined
  const select = commaLines([
    `${truncated(bucket, m.time)} AS ${m.rollup ? 'sub_period' : 'period'}`,
    ...m.dimensions.map((d) => `${dimensionText(d, params)} AS ${quoteIdent(d.name)}`),
    `${measureValue(m)} AS value`,
  ]).map((l) => `  ${l}`)
  const where = measureWhere(m, plan, params)
  const grouped = scanLines(m, select, where, !m.onePerGroup)
  const body =
    perSecond === undefined
      ? grouped
      : [`  SELECT ${['period', ...m.dimensions.map((d) => quoteIdent(d.name)), `value / (${perSecond}) AS value`].join(', ')}`, '  FROM (', ...grouped.join('\n').split('\n').map((l) => `  ${l}`), '  )']
  const scan = [`${m.rollup ? `${m.alias}_sub` : m.alias} AS ${materialized ? 'MATERIALIZED ' : ''}(`, ...body, ')'].join('\n')
  return m.rollup ? `${scan},\n${renderRollup(m, plan)}` : scan
}

/** A measure's scan inside its CTE: the select lines, its source, the WHERE, and GROUP BY ALL when `grouped`. */
function scanLines(m: MeasurePlan, select: string[], where: string[], grouped: boolean): string[] {
  return ['  SELECT', ...select, `  FROM ${m.source}`, ...(where.length > 0 ? [`  WHERE ${where.join('\n    AND ')}`] : []), ...(grouped ? ['  GROUP BY ALL'] : [])]
}

/**
 * The last timestamp of a measure's data after its definition filters, whatever the request asks:
 * a top-1 probe (`ORDER BY time DESC LIMIT 1`) rather than `max(time)`, because DuckDB answers it
 * from the column's statistics when there are no filters and otherwise narrows the scan to rows
 * later than the best so far before it evaluates the filters (a `max()` over a filtered scan, or
 * a `max(time)` added to the measure's own GROUP BY, cost up to 30 % of the query).
 */
function lastTimeSql(m: MeasurePlan): string {
  const last = m.lastTime ?? m.time
  return `SELECT CAST(${last} AS TIMESTAMP) AS t ${sourceWhere(m)} ORDER BY ${last} DESC NULLS LAST LIMIT 1`
}

/**
 * A measure's known timestamp (`knownLastTime`, `knownFirstTime`) as a bound TIMESTAMP, bound once
 * per measure however often the SQL reads it; NULL when the measure has no rows.
 */
function boundOnce(known: (m: MeasurePlan) => string | null | undefined, params: Params): (m: MeasurePlan) => string {
  const bound = new Map<MeasurePlan, string>()
  return (m) => {
    const value = known(m)
    if (value === null || value === undefined) return 'CAST(NULL AS TIMESTAMP)'
    if (!bound.has(m)) bound.set(m, `CAST(${params.add(value)} AS TIMESTAMP)`)
    return bound.get(m)!
  }
}

/**
 * The first timestamp of a measure's data after its definition filters (a rollup's first period),
 * the counterpart of `lastTimeSql`: a top-1 probe in ascending order.
 */
function firstTimeSql(m: MeasurePlan): string {
  return `SELECT CAST(${m.time} AS TIMESTAMP) AS f ${sourceWhere(m)} ORDER BY ${m.time} ASC NULLS LAST LIMIT 1`
}

/** One row, `t`: the measure's `knownLastTime` as a bound value when the caller knows it, else the probe. */
function lastTime(m: MeasurePlan, params: Params): string {
  if (m.knownLastTime === undefined) return lastTimeSql(m)
  return `SELECT CAST(${m.knownLastTime === null ? 'NULL' : params.add(m.knownLastTime)} AS TIMESTAMP) AS t`
}

/** `FROM source WHERE (definition filters) AND (extra)`: a scan of a measure's data, request predicates not applied. */
export function sourceWhere(m: Pick<MeasurePlan, 'source' | 'conditions'>, extra: string[] = []): string {
  const where = [...m.conditions.map(parenthesize), ...extra]
  return `FROM ${m.source}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`
}

/** Whether every input's last timestamp (and first, when the grid needs it) is known: `through` is then bound values, no CTE. */
function knowsThrough(plan: AggregatePlan): boolean {
  const withFirst = needsFirstTime(plan)
  return plan.measures.every((m) => m.knownLastTime !== undefined && (!withFirst || m.knownFirstTime !== undefined))
}

/** How the rest of the SQL reads `t` and `covered` (see `renderThrough`): SQL expressions. */
interface Through {
  /** the CTE to add, when the values come from one */
  cte?: string
  t: () => string
  covered: () => string
  /** the first timestamp of the data (the earliest input's), when the plan cuts the grid there (`needsFirstTime`) */
  first?: () => string
  /** with every input's timestamps known: what they mean for the period grid, as values (see `knownGrid`) */
  grid?: KnownGrid
}

/**
 * What the known (bound) timestamps of the inputs mean for the grid at the plan's grain, computed
 * here once rather than by DuckDB from the bound timestamps on every run (it plans a statement with
 * parameters again on each, so every expression and filter costs on every query). DATE texts:
 * - `end`: the end of the period holding `t`. A period is kept only while it starts at or before
 *   `t`; periods are whole periods of the grain, so that is `period < end`: the grid's given end is
 *   clamped to it (an end taken from the data is before it anyway).
 * - `start`: the period holding `f` (with `first`). A period is kept only if it ends after `f`,
 *   which is `period >= start`: the grid's given start is clamped to it.
 * - `partialFrom`: the period holding `covered`. A period is partial when it ends after `covered`,
 *   which is `period >= partialFrom`.
 */
interface KnownGrid {
  end: string
  start?: string
  partialFrom: string
}

/** The date of a TIMESTAMP as DuckDB writes it as text (`YYYY-MM-DD HH:MM:SS[.f]`); undefined for anything else. */
function timestampDate(text: string | null | undefined): CalendarDate | undefined {
  const m = typeof text === 'string' ? /^(\d{4})-(\d{2})-(\d{2})(?: \d{2}:\d{2}:\d{2}(?:\.\d+)?)?$/.exec(text) : null
  return m ? {year: Number(m[1]), month: Number(m[2]), day: Number(m[3])} : undefined
}

/**
 * `KnownGrid` from the inputs' known timestamps (`parts`: one input per source, filters and
 * coverage, as `through` reads them; NULL ones skipped, as greatest() and least() do); undefined
 * when a timestamp is not a plain one of years 1-9999 or none is known (no rows): the SQL then
 * computes the cuts from the bound timestamps.
 */
function knownGrid(plan: AggregatePlan, parts: MeasurePlan[], withFirst: boolean): KnownGrid | undefined {
  const grain = periodGrain(plan)
  if (!isCalendarGrain(grain)) return undefined
  const dates = (values: (string | null | undefined)[]) => {
    const known = values.filter((v) => v !== null)
    const parsed = known.map(timestampDate)
    return known.length === 0 || parsed.some((d) => d === undefined) ? undefined : (parsed as CalendarDate[])
  }
  const lasts = dates(parts.map((m) => m.knownLastTime))
  const firsts = withFirst ? dates(parts.map((m) => m.knownFirstTime)) : []
  if (lasts === undefined || firsts === undefined) return undefined
  const lastParts = parts.filter((m) => m.knownLastTime !== null)
  const covered = lasts.map((d, i) => addPeriods(truncateDate(d, lastParts[i]!.coverage), lastParts[i]!.coverage, 1))
  const last = lasts.reduce(laterDate)
  const grid: KnownGrid = {
    end: formatDate(addPeriods(truncateDate(last, grain), grain, 1)),
    ...(withFirst ? {start: formatDate(truncateDate(firsts.reduce(earlierDate), grain))} : {}),
    partialFrom: formatDate(truncateDate(covered.reduce(laterDate), grain)),
  }
  // a year past 9999 would not sort as text (nor is it a DuckDB DATE literal here): compute in SQL
  return Object.values(grid).every((d) => /^\d{4}-/.test(d as string)) ? grid : undefined
}

function laterDate(a: CalendarDate, b: CalendarDate): CalendarDate {
  return formatDate(b) > formatDate(a) ? b : a
}

function earlierDate(a: CalendarDate, b: CalendarDate): CalendarDate {
  return formatDate(b) < formatDate(a) ? b : a
}

/** The later of a given start and the known `start` (both DATE texts). */
function clampStart(given: string, known: KnownGrid | undefined): string {
  return known?.start !== undefined && known.start > given ? known.start : given
}

/** The earlier of a given end (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS[.f]`) and the known `end`. */
function clampEnd(given: string, known: KnownGrid | undefined): string {
  return known !== undefined && boundKey(known.end) < boundKey(given) ? known.end : given
}

/**
 * `through`: `t` = the last timestamp of the metric's data after its definition filters (the
 * latest of the inputs' for a ratio/derived metric), `covered` = the end of what `t` covers (the
 * next day, or the next period of a snapshot metric's grain). It does not depend on the request,
 * so inputs that share a source, filters and coverage are probed once.
 * When every input's last timestamp is known (`knownLastTime`, bound), there is nothing to probe:
 * `t` and `covered` are expressions on the bound values, written where they are read, with no CTE
 * and no scalar subqueries (each costs DuckDB a plan node and a pipeline; on a small rollup table
 * they were a third of the query). Each value is bound once, where it is first read.
 */
function renderThrough(plan: AggregatePlan, params: Params): Through {
  const parts = new Map<string, MeasurePlan>()
  for (const m of plan.measures) {
    const key = JSON.stringify([m.source, m.time, m.conditions, m.coverage])
    if (!parts.has(key)) parts.set(key, m)
  }
  const covered = (m: MeasurePlan, t: string) => `date_trunc(${GRAIN_SQL[m.coverage].part}, ${t}) + ${GRAIN_SQL[m.coverage].step}`
  const withFirst = needsFirstTime(plan)
  if (knowsThrough(plan)) {
    const t = boundOnce((m) => m.knownLastTime, params)
    const f = boundOnce((m) => m.knownFirstTime, params)
    // greatest() and least() skip NULLs as max() and min() do
    const latest = (items: string[]) => (items.length === 1 ? items[0]! : `greatest(${items.join(', ')})`)
    const earliest = (items: string[]) => (items.length === 1 ? items[0]! : `least(${items.join(', ')})`)
    const grid = knownGrid(plan, [...parts.values()], withFirst)
    return {
      t: () => latest([...parts.values()].map(t)),
      covered: () => latest([...parts.values()].map((m) => covered(m, t(m)))),
      ...(withFirst ? {first: () => earliest([...parts.values()].map(f))} : {}),
      ...(grid ? {grid} : {}),
    }
  }
  const knownFirst = boundOnce((m) => m.knownFirstTime, params)
  const first = (m: MeasurePlan) => (m.knownFirstTime === undefined ? `(${firstTimeSql(m)})` : knownFirst(m))
  const selects = [...parts.values()].map((m) => `SELECT t, ${covered(m, 't')} AS covered${withFirst ? `, ${first(m)} AS f` : ''} FROM (${lastTime(m, params)})`)
  return {
    cte: ['through AS MATERIALIZED (', `  SELECT max(t) AS t, max(covered) AS covered${withFirst ? ', min(f) AS f' : ''}`, `  FROM (\n    ${selects.join('\n    UNION ALL\n    ')}\n  )`, ')'].join('\n'),
    t: () => '(SELECT t FROM through)',
    covered: () => '(SELECT covered FROM through)',
    ...(withFirst ? {first: () => '(SELECT f FROM through)'} : {}),
  }
}

/**
 * Values per sub-period (`<alias>_sub`) rolled up to the query grain. last/first keep the last/
 * first sub-period in which the measure has any row (a dimension combination missing there gets
 * the gap value); avg/min/max count a combination's missing sub-periods as the gap value when it
 * is 0, and skip them when it is NULL.
 */
function renderRollup(m: MeasurePlan, plan: AggregatePlan): string {
  const rollup = m.rollup!
  const period = truncated(periodGrain(plan), 'sub_period')
  const dims = m.dimensions.map((d) => quoteIdent(d.name))
  if (rollup.aggregation === 'last' || rollup.aggregation === 'first') {
    return [
      `${m.alias} AS MATERIALIZED (`,
      '  SELECT',
      ...commaLines([`${period} AS period`, ...dims, 'value']).map((l) => `  ${l}`),
      `  FROM ${m.alias}_sub`,
      `  QUALIFY sub_period = ${rollup.aggregation === 'last' ? 'max' : 'min'}(sub_period) OVER (PARTITION BY ${period})`,
      ')',
    ].join('\n')
  }
  const zero = m.fill === 0
  const value: Record<Exclude<typeof rollup.aggregation, 'last' | 'first'>, string> = {
    sum: 'fsum(value)',
    avg: zero ? 'fsum(value) / any_value(subs)' : 'favg(value)',
    min: zero ? 'CASE WHEN count(*) < any_value(subs) THEN least(min(value), 0) ELSE min(value) END' : 'min(value)',
    max: zero ? 'CASE WHEN count(*) < any_value(subs) THEN greatest(max(value), 0) ELSE max(value) END' : 'max(value)',
  }
  return [
    `${m.alias} AS MATERIALIZED (`,
    '  SELECT',
    ...commaLines(['period', ...dims, `${rollup.aggregation === 'sum' || rollup.aggregation === 'avg' ? noiseFree(value[rollup.aggregation]) : value[rollup.aggregation]} AS value`]).map((l) => `  ${l}`),
    '  FROM (',
    '    SELECT',
    ...commaLines([`${period} AS period`, ...dims, 'value', `count(DISTINCT sub_period) OVER (PARTITION BY ${period}) AS subs`]).map((l) => `    ${l}`),
    `    FROM ${m.alias}_sub`,
    '  )',
    '  GROUP BY ALL',
    ')',
  ].join('\n')
}

/** `read(m)`: the SQL of a measure's value in the filled row (NULL where the grid has no row of it). */
function renderValue(v: ValuePlan, plan: AggregatePlan, top = false, read: (m: MeasurePlan) => string = (m) => `${m.alias}.value`): string {
  switch (v.kind) {
    case 'measure': {
      const m = plan.measures.find((x) => x.alias === v.alias) as MeasurePlan
      return m.fill === 0 ? `coalesce(${read(m)}, 0)` : read(m)
    }
    case 'number':
      if (!Number.isFinite(v.value)) throw new Error(`non-finite number in formula: ${v.value}`)
      return String(v.value)
    case 'negate':
      return `-(${renderValue(v.operand, plan, false, read)})`
    case 'binary': {
      const left = renderValue(v.left, plan, false, read)
      const right = renderValue(v.right, plan, false, read)
      // Division by zero gives NULL, not an error or infinity.
      const sql = v.op === '/' ? `${left} / NULLIF(${right}, 0)` : `${left} ${BINARY_SQL[v.op]} ${right}`
      return top ? sql : `(${sql})`
    }
  }
}

/**
 * How the filled SELECT reads the grid of periods (x dimension combinations): the CTEs that make
 * it, its FROM (joins included), the period, a dimension (quoted name) and a measure's value.
 */
interface Grid {
  ctes: string[]
  from: string[]
  period: string
  dim: (quoted: string) => string
  read?: (m: MeasurePlan) => string
}

/**
 * Whether the grid comes from the measure's own rows (`renderRuns`) rather than from `periods`
 * (x `combos`) LEFT JOIN the measure (`renderPeriods`): one measure, not rolled up, in a metric
 * query whose data_through is known (bound, no `through` CTE: what `query` runs once it has
 * probed), either with dimensions and both bounds given, or without dimensions and no --from (the
 * grid then starts at the first row, and no rows is no grid either way). Measured
 * (docs/performance.md) cheaper there and not elsewhere: with dimensions and bounds from the data
 * every combination needs the data's first and last period (a second window, `min/max OVER ()`),
 * which cost 10-20 % on a weekly query by four dimensions; with the probe inside, the cut reads the
 * `through` CTE on every grid row instead of every period. Without dimensions and with --from the
 * grid is the range from --from even where nothing matches (zeros), which the rows cannot give.
 */
function fillsFromRuns(plan: AggregatePlan): boolean {
  const m = plan.measures[0] as MeasurePlan
  if (plan.raw || !knowsThrough(plan) || plan.measures.length !== 1 || m.rollup !== undefined || m.perSecond) return false
  return plan.dimensions.length > 0 ? !gridNeedsBounds(plan) : plan.range.seriesFrom === undefined
}

/** A period cut: none after the data ends, none ending before it starts (see `renderPeriods`); none needed when the grid's bounds are clamped to the known ones. */
function periodCut(period: string, step: string, through: Through | undefined): string[] {
  if (through === undefined || through.grid !== undefined) return []
  return [`CAST(${period} AS TIMESTAMP) <= ${through.t()}`, ...(through.first ? [`CAST(${period} AS TIMESTAMP) + ${step} > ${through.first()}`] : [])]
}

/** The check that a grid with an end from the data spans at most the period cap: `then` when it does, else an error. */
function periodCap(plan: AggregatePlan, lo: string, hi: string, then: string): string {
  const grain = periodGrain(plan)
  return `CASE WHEN date_diff(${GRAIN_SQL[grain].part}, ${lo}, ${hi}) > ${plan.raw ? MAX_POINTS_PERIODS : MAX_PERIODS} THEN error('${tooManyPeriods(plan)}') ELSE ${then} END`
}

/** `n` periods of `grain` as one interval literal (a constant, as GRAIN_SQL's step). */
function periodsInterval(grain: PeriodGrain, n: number): string {
  const m = /^INTERVAL '(\d+) (\w+)'$/.exec(GRAIN_SQL[grain].step)
  if (!m) throw new Error(`unexpected step ${GRAIN_SQL[grain].step}`)
  return `INTERVAL '${Number(m[1]) * n} ${m[2]!.endsWith('s') ? m[2] : `${m[2]}s`}'`
}

/** The end of the period the metric's data ends in (`t`): the known `end` as a bound value, else computed from `t` in SQL. */
function throughEnd(plan: AggregatePlan, through: Through, params: Params): string {
  const grain = GRAIN_SQL[periodGrain(plan)]
  return through.grid ? params.timestamp(through.grid.end) : `CAST(date_trunc(${grain.part}, ${through.t()}) AS TIMESTAMP) + ${grain.step}`
}

/**
 * The grid filled from the measure's rows, for `fillsFromRuns`. Each row of a dimension
 * combination (of the one series without dimensions), in period order, stands for its own period
 * and the missing ones up to the combination's next row (`lead`); its first row also for those
 * from the start of the range (a given --from; else the row's own period), its last one for those
 * up to the end of the range (a given --to; else the end of the period the data ends in):
 * `unnest(range(...))` per row. The same rows as `periods` x `combos` LEFT JOIN the measure, without the distinct
 * combinations (a hash aggregate), the cross product, the join, the bounds and the measure's
 * materialisation (DuckDB plans a statement with parameters again on every run, so every operator
 * is paid on each). With an end from the data (no --from here), every row checks the period cap.
 */
function renderRuns(plan: AggregatePlan, params: Params, through: Through | undefined): Grid {
  const m = plan.measures[0] as MeasurePlan
  const r = plan.range
  const grain = periodGrain(plan)
  const step = GRAIN_SQL[grain].step
  const dims = plan.dimensions.map(quoteIdent)
  const known = through?.grid
  const capped = gridNeedsBounds(plan)
  if (capped && (dims.length > 0 || r.seriesFrom !== undefined)) throw new Error('runs with an end from the data have no dimensions and no --from')
  const at = 'CAST(__at AS TIMESTAMP)'
  // without --to, to the end of the period the metric's data ends in, as `renderPeriods`
  const last = r.to === undefined ? throughEnd(plan, through as Through, params) : undefined
  let start = r.seriesFrom === undefined ? at : `CASE WHEN __first THEN ${params.timestamp(clampStart(r.seriesFrom, known))} ELSE ${at} END`
  if (capped) {
    // The period cap (no --from here): more than MAX_PERIODS periods from the first row's to the
    // end as asked is the first row starting before that end (truncated) less MAX_PERIODS periods,
    // a constant; every row checks it, so the first one does (no window for the first period).
    const hi = last ?? `date_trunc(${GRAIN_SQL[grain].part}, ${params.timestamp(r.to as string)})`
    start = `CASE WHEN ${at} < ${hi} - ${periodsInterval(grain, MAX_PERIODS)} THEN error('${tooManyPeriods(plan)}') ELSE ${at} END`
  }
  const end = last ?? params.timestamp(clampEnd(r.to as string, known))
  const window = `OVER (${dims.length > 0 ? `PARTITION BY ${dims.join(', ')} ` : ''}ORDER BY period)`
  const runs = [
    'runs AS (',
    '  SELECT',
    ...commaLines([
      'period AS __at',
      ...dims,
      'value',
      `lead(period) ${window} AS __next`,
      ...(r.seriesFrom !== undefined ? [`lag(period) ${window} IS NULL AS __first`] : []),
    ]).map((l) => `  ${l}`),
    `  FROM ${m.alias}`,
    ')',
  ].join('\n')
  const select = commaLines([`CAST(unnest(range(${start}, coalesce(CAST(__next AS TIMESTAMP), ${end}), ${step})) AS DATE) AS period`, ...dims, '__at', 'value'])
  const cut = periodCut('period', step, through)
  const grid =
    cut.length > 0
      ? ['grid AS (', '  SELECT * FROM (', '    SELECT', ...select.map((l) => `    ${l}`), '    FROM runs', '  )', `  WHERE ${cut.join('\n    AND ')}`, ')']
      : ['grid AS (', '  SELECT', ...select.map((l) => `  ${l}`), '  FROM runs', ')']
  return {ctes: [runs, grid.join('\n')], from: ['FROM grid'], period: 'grid.period', dim: (d) => `grid.${d}`, read: () => 'CASE WHEN grid.period = grid.__at THEN grid.value END'}
}

function renderPeriods(plan: AggregatePlan, params: Params, through: Through | undefined): Grid {
  const r = plan.range
  const grain = periodGrain(plan)
  const step = GRAIN_SQL[grain].step
  const ctes: string[] = []
  const needsBounds = gridNeedsBounds(plan)
  const known = through?.grid
  if (needsBounds) {
    const source =
      plan.measures.length === 1
        ? (plan.measures[0] as MeasurePlan).alias
        : `(\n    ${plan.measures.map((m) => `SELECT period FROM ${m.alias}`).join('\n    UNION ALL\n    ')}\n  )`
    ctes.push(['bounds AS (', '  SELECT min(period) AS lo, max(period) AS hi', `  FROM ${source}`, ')'].join('\n'))
  }
  // The series' bounds, clamped to the known data (see KnownGrid). Without --to the grid runs to
  // the period the metric's data ends in (`through`), not to the last period the request's filters
  // left rows in: a slice whose rows stop earlier gets its zeros (or nulls) up to there, as it does
  // with --to, and --limit's latest periods are the metric's.
  const lo = r.seriesFrom !== undefined ? params.timestamp(clampStart(r.seriesFrom, known)) : 'CAST(lo AS TIMESTAMP)'
  const hi = r.to !== undefined ? params.timestamp(clampEnd(r.to, known)) : through === undefined ? `CAST(hi AS TIMESTAMP) + ${step}` : throughEnd(plan, through, params)
  const cut = periodCut('period', step, through)
  ctes.push(
    [
      'periods AS (',
      '  SELECT period FROM (',
      `    SELECT ${GRAIN_SQL[grain].date ? `CAST(unnest(range(${lo}, ${hi}, ${step})) AS DATE)` : `unnest(range(${lo}, ${hi}, ${step}))`} AS period`,
      // With one end taken from the data, the planner could not check the span: refuse a series
      // of more than MAX_PERIODS here rather than generate millions of rows.
      ...(needsBounds
        ? [
            '    FROM bounds',
            `    WHERE ${periodCap(plan, r.seriesFrom !== undefined ? params.timestamp(r.seriesFrom) : 'CAST(lo AS TIMESTAMP)', r.to !== undefined ? params.timestamp(r.to) : hi, 'true')}`,
          ]
        : []),
      '  )',
      // No period starts after the data ends, and none ends before it starts: those would be
      // gap-filled with made-up zeros (a raw points query fills the range it was asked for).
      ...(cut.length > 0 ? [`  WHERE ${cut.join('\n    AND ')}`] : []),
      ')',
    ].join('\n'),
  )
  if (plan.dimensions.length > 0) {
    const cols = plan.dimensions.map(quoteIdent).join(', ')
    // A rolled-up measure lists the combinations seen in any sub-period, so one absent at the end of a period still gets its row.
    const selects = plan.measures.map((m, i) => `  SELECT ${i === 0 && plan.measures.length === 1 ? 'DISTINCT ' : ''}${cols} FROM ${m.rollup ? `${m.alias}_sub` : m.alias}`)
    ctes.push(['combos AS (', selects.join('\n  UNION\n'), ')'].join('\n'))
  }
  const dims = plan.dimensions.map(quoteIdent)
  const joins = plan.measures.map((m) => {
    const on = [`${m.alias}.period = periods.period`, ...dims.map((d) => `${m.alias}.${d} IS NOT DISTINCT FROM combos.${d}`)]
    return `LEFT JOIN ${m.alias} ON ${on.join(' AND ')}`
  })
  return {ctes, from: ['FROM periods', ...(dims.length > 0 ? ['CROSS JOIN combos'] : []), ...joins], period: 'periods.period', dim: (d) => `combos.${d}`}
}

/** A select list, one item a line, indented, commas between. */
function commaLines(items: string[]): string[] {
  return items.map((item, i) => `  ${item}${i < items.length - 1 ? ',' : ''}`)
}

/** SELECT over the period grid (x dimension combinations) with every measure's value. */
function renderFilledSelect(plan: AggregatePlan, grid: Grid, extra: string[] = []): string[] {
  const dims = plan.dimensions.map(quoteIdent)
  const value = renderValue(plan.value, plan, true, grid.read)
  // below a day a period is a moment, shown as ISO text in UTC
  const period = GRAIN_SQL[periodGrain(plan)].date ? grid.period : `strftime(${grid.period}, '%Y-%m-%dT%H:%M:%SZ') AS period`
  return ['SELECT', ...commaLines([period, ...dims.map(grid.dim), `${plan.simple ? value : `CAST(${value} AS DOUBLE)`} AS value`, ...extra]), ...grid.from]
}

function renderAggregate(plan: AggregatePlan): CompiledQuery {
  if (plan.grain === 'none') return renderUnbucketed(plan)
  const params = new Params()
  const runs = fillsFromRuns(plan)
  const ctes = plan.measures.map((m) => renderMeasure(m, plan, params, !runs))
  const through = plan.raw ? undefined : renderThrough(plan, params)
  if (through?.cte) ctes.push(through.cte)
  const grid = runs ? renderRuns(plan, params, through) : renderPeriods(plan, params, through)
  ctes.push(...grid.ctes)
  const dims = plan.dimensions.map(quoteIdent)
  let body: string[]
  if (plan.compare === undefined) {
    body = [...renderFilledSelect(plan, grid, freshness(plan, grid.period, through, params)), ...renderOrder(plan, grid.period, dims.map(grid.dim))]
  } else {
    ctes.push(['filled AS MATERIALIZED (', ...renderFilledSelect(plan, grid).map((l) => `  ${l}`), ')'].join('\n'))
    const on = [
      `prev.period = CAST(cur.period - ${COMPARE_INTERVAL[plan.compare][plan.grain as Grain]} AS DATE)`,
      ...dims.map((d) => `prev.${d} IS NOT DISTINCT FROM cur.${d}`),
    ]
    const showFrom = plan.range.showFrom
    body = [
      'SELECT',
      ...commaLines([
        'cur.period',
        ...dims.map((d) => `cur.${d}`),
        'cur.value',
        'prev.value AS previous_value',
        // NULL when the previous value is 0 or missing.
        '(cur.value - prev.value) / NULLIF(abs(prev.value), 0) * 100 AS growth_pct',
        ...freshness(plan, 'cur.period', through, params),
      ]),
      'FROM filled AS cur',
      `LEFT JOIN filled AS prev ON ${on.join(' AND ')}`,
      ...(showFrom !== undefined ? [`WHERE cur.period >= CAST(${params.add(showFrom)} AS DATE)`] : []),
      ...renderOrder(plan, 'cur.period', dims.map((d) => `cur.${d}`)),
    ]
  }
  const sql = `WITH\n${ctes.join(',\n')}\n${body.join('\n')}`
  return {
    sql,
    params: params.values,
    ...periodResult(plan),
    ...(plan.warnings.length > 0 ? {warnings: plan.warnings} : {}),
    ...(plan.cutPeriods ? {cutPeriods: plan.cutPeriods} : {}),
  }
}

/**
 * Without periods (raw points queries, bucket none): one row per dimension combination of the one
 * measure (one row in all without dimensions: an aggregate of no rows is one row), sorted by the
 * dimensions; the gap value where the aggregate of no points is NULL.
 */
function renderUnbucketed(plan: AggregatePlan): CompiledQuery {
  const params = new Params()
  const m = plan.measures[0] as MeasurePlan
  const dims = m.dimensions.map((d) => quoteIdent(d.name))
  let value = measureValue(m)
  if (m.perSecond) value = `${value} / (${rateSeconds(plan, undefined, params)})`
  const select = commaLines([...m.dimensions.map((d) => `${dimensionText(d, params)} AS ${quoteIdent(d.name)}`), `${value} AS value`]).map((l) => `  ${l}`)
  const where = measureWhere(m, plan, params)
  const scan = [`${m.alias} AS MATERIALIZED (`, ...scanLines(m, select, where, dims.length > 0), ')'].join('\n')
  const body = [
    'SELECT',
    ...commaLines([...dims, `${renderValue(plan.value, plan, true)} AS value`]),
    `FROM ${m.alias}`,
    ...(dims.length > 0 ? [`ORDER BY ${dims.join(', ')}`] : []),
    ...(plan.limit !== undefined ? [`LIMIT ${limitLiteral(plan.limit)}`] : []),
  ]
  return {sql: `WITH\n${scan}\n${body.join('\n')}`, params: params.values, columns: [...plan.dimensions, 'value']}
}

/** `partial`: the period ends after what the data covers; `data_through`: the last timestamp, ISO (the catalog lifts it out of the rows). */
function freshness(plan: AggregatePlan, period: string, through: Through | undefined, params: Params): string[] {
  if (plan.raw || through === undefined) return []
  return [
    through.grid ? `${period} >= CAST(${params.add(through.grid.partialFrom)} AS DATE) AS partial` : `CAST(${period} AS TIMESTAMP) + ${GRAIN_SQL[periodGrain(plan)].step} > ${through.covered()} AS partial`,
    `strftime(${through.t()}, '%Y-%m-%dT%H:%M:%SZ') AS data_through`,
  ]
}

/**
 * ORDER BY and the limit. By period, the limit keeps whole periods, the latest ones (QUALIFY on a
 * dense rank, so every dimension row of a kept period stays); by value it keeps the first rows.
 */
function renderOrder(plan: AggregatePlan, period: string, dims: string[]): string[] {
  const dir = plan.desc ? ' DESC' : ''
  if (plan.order === 'value') {
    return [`ORDER BY ${[`value${dir} NULLS LAST`, period, ...dims].join(', ')}`, ...(plan.limit !== undefined ? [`LIMIT ${limitLiteral(plan.limit)}`] : [])]
  }
  return [
    ...(plan.limit !== undefined ? [`QUALIFY dense_rank() OVER (ORDER BY ${period} DESC) <= ${limitLiteral(plan.limit)}`] : []),
    `ORDER BY ${[`${period}${dir}`, ...dims].join(', ')}`,
  ]
}

function limitLiteral(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`bad limit reached the renderer: ${limit}`)
  return String(limit)
}

function renderSql(plan: SqlPlan): CompiledQuery {
  // A trailing ';' would end the statement inside the LIMIT wrapper.
  const sql = plan.sql.trim().replace(/[\s;]+$/, '')
  if (plan.limit === undefined) return {sql, params: [], columns: []}
  // Newlines around the text keep a trailing `-- comment` from swallowing the wrapper.
  return {sql: `SELECT * FROM (\n${sql}\n) AS q\nLIMIT ${limitLiteral(plan.limit)}`, params: [], columns: []}
}

/**
 * `data_through` alone: the last timestamp of the metric's data after its definition filters (the
 * latest of its inputs'), as ISO text; for `show` and for results without rows.
 */
export function renderDataThrough(plan: AggregatePlan): CompiledQuery {
  if (plan.dialect === 'clickhouse') return renderDataThroughClickHouse(plan)
  const params = new Params()
  const parts = plan.measures.map((m) => `(${lastTime(m, params)})`)
  return {sql: `SELECT strftime(max(t), '%Y-%m-%dT%H:%M:%SZ') AS data_through\nFROM (\n  ${parts.join('\n  UNION ALL\n  ')}\n)`, params: params.values, columns: ['data_through']}
}

/**
 * One row: `t0`, `t1`, ... the last timestamp (TIMESTAMP text, exact) of each measure's data after
 * its definition filters, as the `through` CTE probes it; what `knownLastTime` takes.
 */
export function renderLastTimes(measures: MeasurePlan[], firsts: MeasurePlan[] = []): CompiledQuery {
  const cols = measures.map((m, i) => `CAST((${lastTimeSql(m)}) AS VARCHAR) AS t${i}`)
  // `f0`, `f1`, ...: the first timestamp of each of `firsts` (what `knownFirstTime` takes)
  const firstCols = firsts.map((m, i) => `CAST((${firstTimeSql(m)}) AS VARCHAR) AS f${i}`)
  return {sql: `SELECT ${[...cols, ...firstCols].join(', ')}`, params: [], columns: [...measures.map((_, i) => `t${i}`), ...firsts.map((_, i) => `f${i}`)]}
}

/**
 * Render a plan to SQL text with `$n` placeholders and the values they bind, in order; a ClickHouse
 * plan (`plan.dialect`) to ClickHouse SQL with its values inlined (no params).
 */
export function renderPlan(plan: QueryPlan): CompiledQuery {
  if (plan.dialect === 'clickhouse') return plan.kind === 'sql' ? renderSqlClickHouse(plan) : renderClickHouse(plan)
  return plan.kind === 'sql' ? renderSql(plan) : renderAggregate(plan)
}
