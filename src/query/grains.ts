import type {Grain} from '../catalog/types.js'
import type {TimeBound} from './dates.js'

/**
 * The one grain table: every period length a plan can have, and what each engine writes for it.
 * Metric queries use day..year (a metric's `grain`); raw points queries (`metricat points`) also
 * minute and hour. Weeks start on Monday (ISO) on both engines.
 */
export const PERIOD_GRAINS = ['minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'] as const
export type PeriodGrain = (typeof PERIOD_GRAINS)[number]

export interface GrainSql {
  /** date_trunc's part on DuckDB */
  part: string
  /**
   * one period as a DuckDB interval, written as a string literal: DuckDB binds `INTERVAL 1 MONTH`
   * as a function call (`to_months(CAST(trunc(CAST(1 AS DOUBLE)) AS INTEGER))`) and folds it again
   * on every run of a statement with parameters (which it re-plans each time); the literal is a
   * constant
   */
  step: string
  /** the shortest period in milliseconds (for the period-count caps) */
  ms: number
  /** whether a period is a calendar date (DATE / Date) rather than a moment (TIMESTAMP / DateTime) */
  date: boolean
  /** ClickHouse: the period start of a DateTime in UTC (a Date from day up) */
  trunc: (expr: string) => string
  /** ClickHouse: a period start `n` periods later */
  add: (expr: string, n: string) => string
  /** ClickHouse: the function numbering periods (differences of it count periods) */
  relative: string
}

export const GRAIN_SQL: Record<PeriodGrain, GrainSql> = {
  minute: {part: "'minute'", step: "INTERVAL '1 minute'", ms: 60_000, date: false, trunc: (e) => `toStartOfMinute(${e})`, add: (d, n) => `addMinutes(${d}, ${n})`, relative: 'toRelativeMinuteNum'},
  hour: {part: "'hour'", step: "INTERVAL '1 hour'", ms: 3_600_000, date: false, trunc: (e) => `toStartOfHour(${e})`, add: (d, n) => `addHours(${d}, ${n})`, relative: 'toRelativeHourNum'},
  day: {part: "'day'", step: "INTERVAL '1 day'", ms: 86_400_000, date: true, trunc: (e) => `toDate(${e})`, add: (d, n) => `addDays(${d}, ${n})`, relative: 'toRelativeDayNum'},
  // DuckDB truncates weeks to ISO Mondays; ClickHouse's toMonday does too.
  week: {part: "'week'", step: "INTERVAL '7 days'", ms: 7 * 86_400_000, date: true, trunc: (e) => `toMonday(${e})`, add: (d, n) => `addWeeks(${d}, ${n})`, relative: 'toRelativeWeekNum'},
  month: {part: "'month'", step: "INTERVAL '1 month'", ms: 28 * 86_400_000, date: true, trunc: (e) => `toStartOfMonth(${e})`, add: (d, n) => `addMonths(${d}, ${n})`, relative: 'toRelativeMonthNum'},
  // 18.16 has no addQuarters
  quarter: {part: "'quarter'", step: "INTERVAL '3 months'", ms: 89 * 86_400_000, date: true, trunc: (e) => `toStartOfQuarter(${e})`, add: (d, n) => `addMonths(${d}, 3 * (${n}))`, relative: 'toRelativeQuarterNum'},
  year: {part: "'year'", step: "INTERVAL '1 year'", ms: 365 * 86_400_000, date: true, trunc: (e) => `toStartOfYear(${e})`, add: (d, n) => `addYears(${d}, ${n})`, relative: 'toRelativeYearNum'},
}

/**
 * Grains from finest to coarsest (their place in PERIOD_GRAINS); a week is finer than a month
 * though it does not nest in one.
 */
export const GRAIN_ORDER = Object.fromEntries(PERIOD_GRAINS.map((g, i) => [g, i])) as Record<PeriodGrain, number>

/** Whether a grain is one a metric can have (its period is a date). */
export function isCalendarGrain(grain: PeriodGrain): grain is Grain {
  return GRAIN_SQL[grain].date
}

/**
 * The start of the minute or hour holding a validated bound, as bound text (`YYYY-MM-DD HH:MM:SS`,
 * UTC). Calendar grains truncate dates (`truncateDate`); this is their counterpart below a day.
 */
export function truncateBoundText(bound: TimeBound, grain: 'minute' | 'hour'): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?: (\d{2}):(\d{2}))?/.exec(bound.text)
  if (!m) throw new Error(`unexpected time bound ${bound.text}`)
  return `${m[1]} ${m[2] ?? '00'}:${grain === 'hour' ? '00' : (m[3] ?? '00')}:00`
}

/** Milliseconds since 1970 of a validated bound's text (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS[.f]`, UTC). */
export function boundMs(text: string): number {
  return Date.parse(text.length === 10 ? `${text}T00:00:00Z` : `${text.replace(' ', 'T')}Z`)
}

/** Microseconds since 1970 of a validated bound's text, exact (ClickHouse points keep `date_us`). */
export function boundUs(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})(?: (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?$/.exec(text)
  if (!m) throw new Error(`unexpected time bound ${text}`)
  const seconds = Date.parse(`${m[1]}T${m[2] ?? '00'}:${m[3] ?? '00'}:${m[4] ?? '00'}Z`) / 1000
  return seconds * 1_000_000 + Number((m[5] ?? '').padEnd(6, '0').slice(0, 6))
}
