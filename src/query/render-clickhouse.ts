import type {Grain} from '../catalog/types.js'
import {clickhouseLiteral, quoteIdentClickHouse} from './dialect.js'
import {formatDate, parseTimeBound, truncateDate} from './dates.js'
import {GRAIN_SQL, boundUs, truncateBoundText, type PeriodGrain} from './grains.js'
import {clickhouseCapCheck, gridNeedsBounds, MAX_PERIODS, MAX_POINTS_PERIODS, needsFirstTime, periodGrain, periodResult, type AggregatePlan, type MeasurePlan, type SqlPlan, type ValuePlan} from './plan.js'
import {renderPredicate, type ParamSink} from './predicate.js'
import {parenthesize} from './quote.js'
import type {CompareMode, CompiledQuery, FilterScalar} from './types.js'

/*
 * The ClickHouse renderer: the same plan as render.ts, in SQL that ClickHouse 18.16 and current
 * releases both run. 18.16 has no bound parameters, CTEs, window functions, WITH FILL, and one
 * JOIN per SELECT; so every piece is a nested subquery (repeated where DuckDB reads a CTE twice),
 * each level joins once, values are inlined by `clickhouseLiteral`, and the gap-filled period grid
 * is an array built from the range (`arrayJoin`). Internal columns start with `__`, so aliases
 * never shadow a column of the user's table (ClickHouse aliases are visible in WHERE).
 *
 * Join keys: ClickHouse does not match NULL keys, and a LEFT JOIN without a match gives default
 * values (0, '') rather than NULL. So each dimension travels as `__kN` (assumeNotNull) plus
 * `__nN` (isNull), and each measure carries a hit flag `__hN` = 1 that tells a match from none.
 */

/** Inlines values: the sink `renderPredicate` writes through, with ClickHouse's one escaping function. */
const INLINE: ParamSink = {add: (value: FilterScalar) => clickhouseLiteral(value)}

/** The period whose value becomes previous_value (mirrors COMPARE_BACK in plan.ts). */
const COMPARE_BACK: Record<CompareMode, Record<Grain, (d: string) => string>> = {
  previous: {
    day: (d) => `subtractDays(${d}, 1)`,
    week: (d) => `subtractWeeks(${d}, 1)`,
    month: (d) => `subtractMonths(${d}, 1)`,
    quarter: (d) => `subtractMonths(${d}, 3)`,
    year: (d) => `subtractYears(${d}, 1)`,
  },
  year: {
    day: (d) => `subtractYears(${d}, 1)`,
    week: (d) => `subtractWeeks(${d}, 52)`,
    month: (d) => `subtractYears(${d}, 1)`,
    quarter: (d) => `subtractYears(${d}, 1)`,
    year: (d) => `subtractYears(${d}, 1)`,
  },
}

/**
 * The periods whose previous period (COMPARE_BACK) may be `d`: one step forward, and at day grain
 * in year mode also the day after (2023-02-28 is the previous period of 2024-02-28 and of
 * 2024-02-29: subtractYears clamps). The renderer keeps those whose COMPARE_BACK is `d`.
 */
const COMPARE_NEXT: Record<CompareMode, Record<Grain, (d: string) => string[]>> = {
  previous: {
    day: (d) => [`addDays(${d}, 1)`],
    week: (d) => [`addWeeks(${d}, 1)`],
    month: (d) => [`addMonths(${d}, 1)`],
    quarter: (d) => [`addMonths(${d}, 3)`],
    year: (d) => [`addYears(${d}, 1)`],
  },
  year: {
    day: (d) => [`addYears(${d}, 1)`, `addDays(addYears(${d}, 1), 1)`],
    week: (d) => [`addWeeks(${d}, 52)`],
    month: (d) => [`addYears(${d}, 1)`],
    quarter: (d) => [`addYears(${d}, 1)`],
    year: (d) => [`addYears(${d}, 1)`],
  },
}

/**
 * A plan's time bound (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS[.f]`, validated again here) as a
 * ClickHouse DateTime. DateTime has whole seconds: a fractional bound is rounded up, which keeps
 * `>=` and `<` exact for whole-second data.
 */
export function clickhouseTime(text: string): string {
  const bound = parseTimeBound(text, 'time bound')
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?/.exec(bound.text)
  if (!m) throw new Error(`bad time bound reached the renderer: ${text}`)
  const hms = `${m[2] ?? '00'}:${m[3] ?? '00'}:${m[4] ?? '00'}`
  const at = `toDateTime(${clickhouseLiteral(`${m[1]} ${hms}`)}, 'UTC')`
  return m[5] !== undefined && /[1-9]/.test(m[5]) ? `(${at} + 1)` : at
}

/**
 * A time (a DateTime or Date column, or a Date period) as a DateTime read in UTC. Every period,
 * bound, data_through and partial is computed on it, so answers do not depend on the server's
 * time zone (a DateTime is an instant; a Date is the day it names, from its UTC midnight), as
 * metricat reads DuckDB's TIMESTAMP columns in UTC. 18.16 has no toMonday(Date, zone): the
 * conversion comes first and the truncations follow the value's zone.
 */
function utc(expr: string): string {
  return `toDateTime(${expr}, 'UTC')`
}

function clickhouseDate(text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new Error(`bad date reached the renderer: ${text}`)
  return `toDate(${clickhouseLiteral(text)})`
}

function indent(sql: string, by = '  '): string {
  return sql.split('\n').map((l) => (l === '' ? l : by + l)).join('\n')
}

/** Subquery aliases: current releases want one on every subquery a JOIN reads; numbered per render. */
let subqueries = 0

/** A subquery as a table expression, with its alias. */
function sub(sql: string): string {
  return `(\n${indent(sql)}\n) AS __s${++subqueries}`
}

/** Dimension key columns (`__kN`, `__nN`) for the plan's dimensions. */
function keyColumns(plan: AggregatePlan): string[] {
  return plan.dimensions.flatMap((_, i) => [`__k${i + 1}`, `__n${i + 1}`])
}

/** The WHERE conditions of a measure's scan: definition filters, the time range, request predicates; `extra` ANDed last. */
function scanWhere(m: MeasurePlan, plan: AggregatePlan, extra: string[] = []): string[] {
  const where = m.conditions.map(parenthesize)
  const r = plan.range
  // The time column is converted, never compared bare: 18.16 compares a Date with a DateTime by
  // their raw numbers (days against seconds). Points compare their exact microseconds.
  if (r.scanFrom !== undefined) where.push(m.timeUs !== undefined ? `${m.timeUs} >= ${boundUs(parseTimeBound(r.scanFrom, 'from').text)}` : `${utc(m.time)} >= ${clickhouseTime(r.scanFrom)}`)
  if (r.to !== undefined) where.push(m.timeUs !== undefined ? `${m.timeUs} < ${boundUs(parseTimeBound(r.to, 'to').text)}` : `${utc(m.time)} < ${clickhouseTime(r.to)}`)
  for (const p of m.predicates) where.push(renderPredicate(p, INLINE, 'clickhouse'))
  where.push(...extra)
  return where
}

function fromWhere(m: MeasurePlan, plan: AggregatePlan, extra: string[] = []): string[] {
  const where = scanWhere(m, plan, extra)
  return [`FROM ${m.source}`, ...(where.length > 0 ? [`WHERE ${where.join('\n  AND ')}`] : [])]
}

/** A measure's dimension keys (`__kN` assumeNotNull, `__nN` isNull) as select items. */
function keyItems(m: MeasurePlan): string[] {
  // materialize(): isNull of a non-Nullable column is a constant, and 18.16 refuses a UNION ALL
  // whose branches disagree on whether a column is constant
  return m.dimensions.flatMap((d, i) => [`assumeNotNull(${d.sql}) AS __k${i + 1}`, `materialize(isNull(${d.sql})) AS __n${i + 1}`])
}

/** A measure's scan grouped by `alias` = its period at `grain`: keys, `__vN` and the hit flag `__hN`; `extra` conditions ANDed last. */
function renderScan(m: MeasurePlan, plan: AggregatePlan, n: number, grain: PeriodGrain, alias: string, extra: string[] = []): string {
  const value = `toFloat64(${m.aggregate})${m.perSecond ? ` / ${rateSeconds(plan, alias)}` : ''}`
  const select = [`${GRAIN_SQL[grain].trunc(utc(m.time))} AS ${alias}`, ...keyItems(m), `${value} AS __v${n}`, `1 AS __h${n}`]
  return ['SELECT', indent(select.join(',\n')), ...fromWhere(m, plan, extra), `GROUP BY ${[alias, ...keyColumns(plan)].join(', ')}`].join('\n')
}

/**
 * Raw points, agg rate: the seconds of the period `period` (a Date or DateTime) inside the range
 * (the whole period for a missing bound; the whole range without periods), from microseconds.
 */
function rateSeconds(plan: AggregatePlan, period: string | undefined): string {
  const r = plan.range
  const us = (text: string) => boundUs(parseTimeBound(text, 'bound').text)
  if (period === undefined) {
    if (r.scanFrom === undefined || r.to === undefined) throw new Error('rate without periods needs both bounds')
    return `${(Math.floor(us(r.to) / 1000) - Math.floor(us(r.scanFrom) / 1000)) / 1000}`
  }
  const g = GRAIN_SQL[periodGrain(plan)]
  const seconds = (p: string) => (g.date ? `(toUInt64(${p}) * 86400)` : `toUInt64(${p})`)
  const start = `${seconds(period)} * 1000000`
  const end = `${seconds(g.add(period, '1'))} * 1000000`
  const s = r.scanFrom === undefined ? start : `greatest(${start}, ${us(r.scanFrom)})`
  const e = r.to === undefined ? end : `least(${end}, ${us(r.to)})`
  return `((intDiv(${e}, 1000) - intDiv(${s}, 1000)) / 1000)`
}

/** The measure's rows at the query grain: `__period`, keys, `__vN`, `__hN` (rolled up from sub-periods when the plan says so). */
function renderMeasure(m: MeasurePlan, plan: AggregatePlan, n: number): string {
  if (!m.rollup) return renderScan(m, plan, n, periodGrain(plan), '__period')
  const subs = renderScan(m, plan, n, m.rollup.grain, '__sub')
  const period = GRAIN_SQL[periodGrain(plan)].trunc('__sub')
  const keys = keyColumns(plan)
  const aggregation = m.rollup.aggregation
  if (aggregation === 'last' || aggregation === 'first') {
    // the rows of the measure-wide last (first) sub-period of each period
    return [
      'SELECT',
      indent([`${period} AS __period`, ...keys, `__v${n}`, `__h${n}`].join(',\n')),
      `FROM ${sub(subs)}`,
      // the alias must not be __sub: ClickHouse would read max(__sub) as the alias itself
      `ALL INNER JOIN ${sub(`SELECT __edge AS __sub\nFROM ${sub(`SELECT ${aggregation === 'last' ? 'max' : 'min'}(__sub) AS __edge\nFROM ${sub(subs)}\nGROUP BY ${period}`)}`)} USING (__sub)`,
    ].join('\n')
  }
  const zero = m.fill === 0
  const value: Record<typeof aggregation, string> = {
    sum: 'sum(__x)',
    avg: zero ? 'sum(__x) / any(__subs)' : 'avg(__x)',
    min: zero ? 'if(count() < any(__subs), least(min(__x), 0), min(__x))' : 'min(__x)',
    max: zero ? 'if(count() < any(__subs), greatest(max(__x), 0), max(__x))' : 'max(__x)',
  }
  const withSubs = [
    'SELECT',
    indent([`${period} AS __period`, ...keys, `__v${n} AS __x`, '__subs'].join(',\n')),
    `FROM ${sub(subs)}`,
    `ALL LEFT JOIN ${sub(`SELECT ${period} AS __period, uniqExact(__sub) AS __subs\nFROM ${sub(subs)}\nGROUP BY __period`)} USING (__period)`,
  ].join('\n')
  return ['SELECT', indent(['__period', ...keys, `toFloat64(${value[aggregation]}) AS __v${n}`, `1 AS __h${n}`].join(',\n')), `FROM ${sub(withSubs)}`, `GROUP BY ${['__period', ...keys].join(', ')}`].join('\n')
}

/**
 * The dimension combinations a measure has rows for (in any sub-period of a rolled-up measure):
 * the distinct keys of its scan, without computing the aggregate.
 */
function measureKeys(m: MeasurePlan, plan: AggregatePlan): string {
  return ['SELECT DISTINCT', indent(keyItems(m).join(',\n')), ...fromWhere(m, plan)].join('\n')
}

/**
 * The first and last period a measure has rows in, and whether it has any: min/max of the period
 * of its scan's rows (the periods of its grouped rows, without computing the aggregate). A rolled-up
 * measure's period is that of its sub-period, as the roll-up groups it.
 */
function measureBounds(m: MeasurePlan, plan: AggregatePlan): string {
  const trunc = GRAIN_SQL[periodGrain(plan)].trunc
  const period = m.rollup ? trunc(GRAIN_SQL[m.rollup.grain].trunc(utc(m.time))) : trunc(utc(m.time))
  return [`SELECT min(${period}) AS __plo, max(${period}) AS __phi, count(${period}) AS __pn`, ...fromWhere(m, plan)].join('\n')
}

/**
 * One row: `__t` = the last timestamp of the data after the definition filters (NULL without
 * data), `__covered` = the end of what it covers (the next day, or the next period of a snapshot
 * metric's grain); with `needsFirstTime(plan)` also `__f`, the first timestamp (the earliest input's).
 */
function renderThrough(plan: AggregatePlan): string {
  const withFirst = needsFirstTime(plan)
  const parts = new Map<string, string>()
  for (const m of plan.measures) {
    const key = JSON.stringify([m.source, m.time, m.conditions, m.coverage])
    if (parts.has(key)) continue
    const where = m.conditions.map(parenthesize)
    const first = withFirst ? `, if(count() > 0, min(${utc(m.time)}), NULL) AS __f` : ''
    const last = `SELECT if(count() > 0, max(${utc(m.time)}), NULL) AS __t${first}\nFROM ${m.source}${where.length > 0 ? `\nWHERE ${where.join(' AND ')}` : ''}`
    const covered = m.coverage === 'day' ? utc('toDate(__t) + 1') : utc(GRAIN_SQL[m.coverage].add(GRAIN_SQL[m.coverage].trunc('__t'), '1'))
    parts.set(key, `SELECT __t, ${covered} AS __c${withFirst ? ', __f' : ''}\nFROM ${sub(last)}`)
  }
  return `SELECT max(__t) AS __t, max(__c) AS __covered${withFirst ? ', min(__f) AS __f' : ''}\nFROM ${sub([...parts.values()].join('\nUNION ALL\n'))}`
}

/**
 * One row: `__periods`, the array of period starts to return (the range, or first to last period
 * with data, never past `__t`), and `__t`, `__covered`, `__first_kept` (with a limit by period:
 * the earliest period kept, so whole latest periods stay).
 */
function renderGrid(plan: AggregatePlan): string {
  const r = plan.range
  const g = periodGrain(plan)
  const gs = GRAIN_SQL[g]
  const needsBounds = gridNeedsBounds(plan)
  // from day up a period is a Date; below, a DateTime in UTC
  const periodOf = (bound: string) => {
    const b = parseTimeBound(bound, 'bound')
    return g === 'minute' || g === 'hour' ? `toDateTime(${clickhouseLiteral(truncateBoundText(b, g))}, 'UTC')` : clickhouseDate(formatDate(truncateDate(b.date, g)))
  }
  const lo = r.seriesFrom !== undefined ? periodOf(r.seriesFrom) : '__lo'
  const hi = r.to !== undefined ? periodOf(r.to) : '__hi'
  const countTo = (end: string) => `toUInt64(greatest(0, ${gs.relative}(${end}) - ${gs.relative}(${lo}) + 1))`
  let count = countTo(hi)
  let bounds: string
  let gridCount: string | undefined
  if (needsBounds) {
    const periods = plan.measures.map((m) => measureBounds(m, plan)).join('\nUNION ALL\n')
    // min() of no rows is a default date, not NULL: no rows, no periods.
    count = `if(__rows = 0, toUInt64(0), ${count})`
    // Without --to a metric's grid runs to the period its data ends in (`__t`), not to the last
    // period the request's filters left rows in (as on DuckDB): a slice whose rows stop earlier
    // gets its zeros up to there. __t is never before __hi (the filters only narrow the data).
    // With --from the grid starts there, so a slice without rows still has its periods up to the
    // data end (as with --to); without it the start is the slice's first row: none, no periods.
    if (r.to === undefined && !plan.raw) {
      const toEnd = countTo(`greatest(__hi, ifNull(${gs.trunc('__t')}, __hi))`)
      gridCount = r.seriesFrom !== undefined ? toEnd : `if(__rows = 0, toUInt64(0), ${toEnd})`
    }
    // With one end taken from the data the planner could not check the span: refuse a series of
    // more than MAX_PERIODS (18.16's throwIf takes no message; the warehouse error names it).
    // A Nullable time column gives Nullable periods: a NULL period is no period (as on DuckDB); a
    // measure without rows has a default date as its min/max, so only measures with rows count.
    bounds = `SELECT assumeNotNull(minIf(__plo, __pn > 0)) AS __lo, assumeNotNull(maxIf(__phi, __pn > 0)) AS __hi, sum(__pn) AS __rows\nFROM ${sub(periods)}`
    bounds = `SELECT __lo, __hi, __rows\nFROM ${sub(bounds)}\n${clickhouseCapCheck(count, plan.raw ? MAX_POINTS_PERIODS : MAX_PERIODS)}`
  } else bounds = 'SELECT 1 AS __one'
  // A lambda never reads a column of its query (18.16 drops such columns from the subquery it reads
  // them from): columns go in as arrays of the same length beside the one mapped over.
  const same = (column: string, array: string) => `arrayResize([${column}], length(${array}), ${column})`
  const allOf = (n: string) => (r.seriesFrom !== undefined ? `arrayMap(i -> ${gs.add(lo, 'i')}, range(${n}))` : `arrayMap((i, lo) -> ${gs.add('lo', 'i')}, range(${n}), arrayResize([__lo], ${n}, __lo))`)
  const all = allOf(count)
  // a limit by period keeps the latest periods shown: the first of them, which rows are kept from
  const firstKept = (shown: string) => (plan.order === 'period' && plan.limit !== undefined ? [`arrayElement(${shown}, greatest(1, length(${shown}) - ${limitLiteral(plan.limit)} + 1)) AS __first_kept`] : [])
  if (plan.raw) {
    // a raw points query fills the range it was asked for: no cut at the data's last timestamp
    const periods = r.to !== undefined ? `arrayFilter(p -> ${utc('p')} < ${clickhouseTime(r.to)}, __all)` : '__all'
    return ['SELECT', indent([`${periods} AS __periods`, ...firstKept('__periods')].join(',\n')), `FROM ${sub(`SELECT ${all} AS __all\nFROM ${sub(bounds)}`)}`].join('\n')
  }
  // no period after the data's last timestamp, and (needsFirstTime) none that ends before its first
  const withFirst = needsFirstTime(plan)
  const keep = [
    `ifNull(${utc('p')} <= t, 0)`,
    ...(withFirst ? [`ifNull(${utc(gs.add('p', '1'))} > f, 0)`] : []),
    ...(r.to !== undefined ? [`${utc('p')} < ${clickhouseTime(r.to)}`] : []),
  ]
  const shown = r.showFrom !== undefined ? `arrayFilter(p -> p >= ${clickhouseDate(r.showFrom)}, __periods)` : '__periods'
  const grid = ['SELECT', indent([`${allOf(gridCount ?? count)} AS __all`, '__t', '__covered', ...(withFirst ? ['__f'] : [])].join(',\n')), `FROM ${sub(bounds)}`, `CROSS JOIN ${sub(renderThrough(plan))}`].join('\n')
  const filter = withFirst ? `arrayFilter((p, t, f) -> ${keep.join(' AND ')}, __all, ${same('__t', '__all')}, ${same('__f', '__all')})` : `arrayFilter((p, t) -> ${keep.join(' AND ')}, __all, ${same('__t', '__all')})`
  return [
    'SELECT',
    indent([`${filter} AS __periods`, '__t', '__covered', ...firstKept(shown)].join(',\n')),
    `FROM ${sub(grid)}`,
  ].join('\n')
}

function renderValue(v: ValuePlan, plan: AggregatePlan, top = false): string {
  switch (v.kind) {
    case 'measure': {
      const n = plan.measures.findIndex((x) => x.alias === v.alias) + 1
      const m = plan.measures[n - 1] as MeasurePlan
      // A zero-filled measure (sum, count, count_distinct) reads a group whose values are all NULL
      // as 0, as DuckDB's coalesce does: ClickHouse's sum/uniqExact of only NULLs is NULL.
      return m.fill === 0 ? `if(__h${n} = 1, ifNull(__v${n}, 0), 0)` : `if(__h${n} = 1, __v${n}, NULL)`
    }
    case 'number':
      if (!Number.isFinite(v.value)) throw new Error(`non-finite number in formula: ${v.value}`)
      return clickhouseLiteral(v.value)
    case 'negate':
      return `-(${renderValue(v.operand, plan)})`
    case 'binary': {
      const left = renderValue(v.left, plan)
      const right = renderValue(v.right, plan)
      // Division by zero gives NULL, as on DuckDB.
      const sql = v.op === '/' ? `${left} / nullIf(${right}, 0)` : `${left} ${v.op} ${right}`
      return top ? sql : `(${sql})`
    }
  }
}

/**
 * The period grid (x dimension combinations) with every measure left-joined, one join per level:
 * `__period`, keys, `__value`, `__t`, `__covered` (and `__first_kept`).
 */
function renderFilled(plan: AggregatePlan): string {
  const keys = keyColumns(plan)
  const carried = carriedColumns(plan)
  let level = `SELECT ${['arrayJoin(__periods) AS __period', ...carried].join(', ')}\nFROM ${sub(renderGrid(plan))}`
  let columns = ['__period', ...carried]
  if (keys.length > 0) {
    const combos = plan.measures.map((m) => measureKeys(m, plan)).join('\nUNION ALL\n')
    level = `SELECT ${[...columns, ...keys].join(', ')}\nFROM ${sub(level)}\nCROSS JOIN ${sub(`SELECT DISTINCT ${keys.join(', ')}\nFROM ${sub(combos)}`)}`
    columns = [...columns, ...keys]
  }
  plan.measures.forEach((m, i) => {
    const n = i + 1
    const right = `SELECT __period, ${[...keys, `__v${n}`, `__h${n}`].join(', ')}\nFROM ${sub(renderMeasure(m, plan, n))}`
    columns = [...columns, `__v${n}`, `__h${n}`]
    level = `SELECT ${columns.join(', ')}\nFROM ${sub(level)}\nALL LEFT JOIN ${sub(right)} USING (${['__period', ...keys].join(', ')})`
  })
  const value = renderValue(plan.value, plan, true)
  return `SELECT ${['__period', ...keys, `toFloat64(${value}) AS __value`, ...carried].join(', ')}\nFROM ${sub(level)}`
}

/** Columns of the grid every level carries: freshness (none for a raw points query), and the first period a limit keeps. */
function carriedColumns(plan: AggregatePlan): string[] {
  return [...(plan.raw ? [] : ['__t', '__covered']), ...(plan.order === 'period' && plan.limit !== undefined ? ['__first_kept'] : [])]
}

function limitLiteral(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`bad limit reached the renderer: ${limit}`)
  return String(limit)
}

function dimensionOutputs(plan: AggregatePlan, prefix = ''): string[] {
  return plan.dimensions.map((d, i) => `if(${prefix}__n${i + 1} = 1, NULL, ${prefix}__k${i + 1}) AS ${quoteIdentClickHouse(d)}`)
}

function freshness(plan: AggregatePlan): string[] {
  if (plan.raw) return []
  return [
    `${utc(GRAIN_SQL[periodGrain(plan)].add('__period', '1'))} > __covered AS partial`,
    `concat(replaceOne(toString(__t), ' ', 'T'), 'Z') AS data_through`,
  ]
}

function renderOrder(plan: AggregatePlan): string[] {
  const dir = plan.desc ? ' DESC' : ''
  const dims = plan.dimensions.map(quoteIdentClickHouse)
  if (plan.order === 'value') {
    return [`ORDER BY ${[`value${dir} NULLS LAST`, 'period', ...dims].join(', ')}`, ...(plan.limit !== undefined ? [`LIMIT ${limitLiteral(plan.limit)}`] : [])]
  }
  return [`ORDER BY ${[`period${dir}`, ...dims].join(', ')}`]
}

/** The value of the filled row in role `cur` of a compare group (1: its own period, 0: the previous one), NULL when it has none. */
function roleValue(cur: 0 | 1): string {
  const has = `__cur = ${cur} AND isNotNull(__r_value)`
  return `if(countIf(${has}) > 0, anyIf(assumeNotNull(__r_value), ${has}), NULL)`
}

/** Render an aggregate plan for ClickHouse: `{sql, params: []}` (values are inlined). */
export function renderClickHouse(plan: AggregatePlan): CompiledQuery {
  subqueries = 0
  if (plan.grain === 'none') return renderUnbucketed(plan)
  const keys = keyColumns(plan)
  const where: string[] = []
  if (plan.order === 'period' && plan.limit !== undefined) where.push('__period >= __first_kept')
  // below a day a period is a moment, shown as ISO text in UTC
  const period = GRAIN_SQL[plan.grain].date ? '__period AS period' : `concat(replaceOne(toString(__period), ' ', 'T'), 'Z') AS period`
  let body: string[]
  if (plan.compare === undefined) {
    body = ['SELECT', indent([period, ...dimensionOutputs(plan), '__value AS value', ...freshness(plan)].join(',\n')), `FROM ${sub(renderFilled(plan))}`]
  } else {
    const grain = plan.grain as Grain
    const carried = carriedColumns(plan)
    // The filled grid is read once (a self-join would render it, and scan the source, twice): each
    // row stands for its own period (`__cur` = 1) and for every period it is the previous period
    // of (`__cur` = 0); grouped by period and keys, a period gets its value and its previous one.
    const next = COMPARE_NEXT[plan.compare][grain]('__period')
    const prevOf = `arrayFilter((c, p) -> ${COMPARE_BACK[plan.compare][grain]('c')} = p, [${next.join(', ')}], [${next.map(() => '__period').join(', ')}])`
    // (renamed on the way: an aggregate aliased as the column it reads would read itself)
    const roles = `SELECT ${[...keys, '__value AS __r_value', ...carried.map((c) => `${c} AS __r${c}`)].join(', ')}, arrayJoin(arrayConcat([__period], ${prevOf})) AS __at, __at = __period AS __cur\nFROM ${sub(renderFilled(plan))}`
    const paired = [
      'SELECT',
      indent(
        [
          '__at AS __period',
          ...keys,
          // Not anyIf over the Nullable value: 18.16 answers 0, not NULL, when the row that
          // matches has NULL and another row of the group (the other role) has a value.
          `${roleValue(1)} AS __value`,
          `${roleValue(0)} AS __prev`,
          'max(__cur = 0) AS __hp',
          ...carried.map((c) => `any(__r${c}) AS ${c}`),
        ].join(',\n'),
      ),
      `FROM ${sub(roles)}`,
      `GROUP BY ${['__at', ...keys].join(', ')}`,
      'HAVING max(__cur) = 1',
    ].join('\n')
    if (plan.range.showFrom !== undefined) where.push(`__period >= ${clickhouseDate(plan.range.showFrom)}`)
    body = [
      'SELECT',
      indent(
        [
          '__period AS period',
          ...dimensionOutputs(plan),
          '__value AS value',
          'if(__hp = 1, __prev, NULL) AS previous_value',
          // NULL when the previous value is 0 or missing.
          '(__value - previous_value) / nullIf(abs(previous_value), 0) * 100 AS growth_pct',
          ...freshness(plan),
        ].join(',\n'),
      ),
      `FROM ${sub(paired)}`,
    ]
  }
  const sql = [...body, ...(where.length > 0 ? [`WHERE ${where.join(' AND ')}`] : []), ...renderOrder(plan)].join('\n')
  return {
    sql,
    params: [],
    ...periodResult(plan),
    ...(plan.warnings.length > 0 ? {warnings: plan.warnings} : {}),
    ...(plan.cutPeriods ? {cutPeriods: plan.cutPeriods} : {}),
  }
}

/**
 * Without periods (raw points queries, bucket none): one row per dimension combination of the one
 * measure, sorted by the dimensions (NULLs last). Without dimensions an aggregate of no rows is one
 * row of defaults on ClickHouse (min 0, avg nan): `count() = 0` gives the gap value instead.
 */
function renderUnbucketed(plan: AggregatePlan): CompiledQuery {
  const m = plan.measures[0] as MeasurePlan
  const keys = keyColumns(plan)
  const value = `toFloat64(if(count() = 0, ${m.fill === 0 ? '0' : 'NULL'}, ${m.aggregate}))${m.perSecond ? ` / ${rateSeconds(plan, undefined)}` : ''}`
  const scan = ['SELECT', indent([...keyItems(m), `${value} AS __v1`].join(',\n')), ...fromWhere(m, plan), ...(keys.length > 0 ? [`GROUP BY ${keys.join(', ')}`] : [])].join('\n')
  const dims = plan.dimensions.map(quoteIdentClickHouse)
  const sql = [
    'SELECT',
    indent([...dimensionOutputs(plan), `${m.fill === 0 ? 'ifNull(__v1, 0)' : '__v1'} AS value`].join(',\n')),
    `FROM ${sub(scan)}`,
    ...(dims.length > 0 ? [`ORDER BY ${dims.join(', ')}`] : []),
    ...(plan.limit !== undefined ? [`LIMIT ${limitLiteral(plan.limit)}`] : []),
  ].join('\n')
  return {sql, params: [], columns: [...plan.dimensions, 'value']}
}

/**
 * What `validate` binds on ClickHouse: each measure's scan (expression, filters, time column,
 * dimensions, request predicates) with `AND 0` in its WHERE, so ClickHouse checks every name and
 * type but reads no data (a `LIMIT 0` around the whole query would still run its subqueries).
 */
export function renderBindCheckClickHouse(plan: AggregatePlan): CompiledQuery {
  subqueries = 0
  const scans = plan.measures.map((m, i) => {
    // the condition goes in as a condition, not by editing the text: a query `table` may hold its own WHERE and GROUP BY
    const withFalse = renderScan(m, plan, i + 1, m.rollup?.grain ?? periodGrain(plan), '__period', ['0'])
    return `SELECT count() AS n FROM ${sub(withFalse)}`
  })
  return {sql: scans.join('\nUNION ALL\n'), params: [], columns: ['n']}
}

/** `data_through` alone on ClickHouse (see renderDataThrough in render.ts). */
export function renderDataThroughClickHouse(plan: AggregatePlan): CompiledQuery {
  subqueries = 0
  return {sql: `SELECT concat(replaceOne(toString(__t), ' ', 'T'), 'Z') AS data_through\nFROM ${sub(renderThrough(plan))}`, params: [], columns: ['data_through']}
}

export function renderSqlClickHouse(plan: SqlPlan): CompiledQuery {
  const sql = plan.sql.trim().replace(/[\s;]+$/, '')
  if (plan.limit === undefined) return {sql, params: [], columns: []}
  return {sql: `SELECT * FROM (\n${sql}\n) AS q\nLIMIT ${limitLiteral(plan.limit)}`, params: [], columns: []}
}
