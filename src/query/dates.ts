import type {Grain} from '../catalog/types.js'
import {CatalogError} from '../errors.js'
import {GRAIN_SQL} from './grains.js'

/** A calendar date (proleptic Gregorian, UTC). */
export interface CalendarDate {
  year: number
  month: number
  day: number
}

/** A validated `from`/`to` bound: `text` is what gets bound (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS[.f]`, UTC). */
export interface TimeBound {
  text: string
  date: CalendarDate
  /** false when the bound is midnight (a plain date or `T00:00:00`) */
  hasTime: boolean
}

const BOUND_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}

export function formatDate(d: CalendarDate): string {
  return `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}`
}

/**
 * Validate a request date (`YYYY-MM-DD` or an ISO timestamp, optionally with `Z` or an offset)
 * and normalise it: offsets are converted to UTC, as DuckDB's TIMESTAMP cast does.
 */
export function parseTimeBound(value: unknown, flag: string): TimeBound {
  const fail = (): never => {
    const shown = typeof value === 'string' ? JSON.stringify(value) : String(value)
    throw new CatalogError(
      'BAD_REQUEST',
      `bad date ${shown} for ${flag}; expected YYYY-MM-DD or an ISO timestamp such as 2024-01-31T12:00:00Z`,
      {field: flag},
    )
  }
  if (typeof value !== 'string') return fail()
  const m = BOUND_RE.exec(value)
  if (!m) return fail()
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return fail()
  if (m[4] === undefined) return {text: formatDate({year, month, day}), date: {year, month, day}, hasTime: false}

  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)]
  if (hour > 23 || minute > 59 || second > 59) return fail()
  let offsetMinutes = 0
  const zone = m[8]
  if (zone !== undefined && zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '')
    const oh = Number(digits.slice(0, 2))
    const om = Number(digits.slice(2))
    if (oh > 23 || om > 59) return fail()
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om)
  }
  const t = new Date(0)
  t.setUTCFullYear(year, month - 1, day)
  t.setUTCHours(hour, minute - offsetMinutes, second, 0)
  const date = {year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate()}
  if (date.year < 1 || date.year > 9999) return fail()
  const fraction = m[7] === undefined ? '' : `.${m[7]}`
  const clock = `${pad(t.getUTCHours(), 2)}:${pad(t.getUTCMinutes(), 2)}:${pad(t.getUTCSeconds(), 2)}`
  const hasTime = clock !== '00:00:00' || /[1-9]/.test(fraction)
  return {text: `${formatDate(date)} ${clock}${fraction}`, date, hasTime}
}

/** A normalised bound's text (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS[.f]`) as a key that sorts chronologically. */
export function boundKey(text: string): string {
  return text.length === 10 ? `${text} 00:00:00` : text
}

/** Compare two normalised bounds (their texts sort chronologically). */
export function compareBounds(a: TimeBound, b: TimeBound): number {
  const ka = boundKey(a.text)
  const kb = boundKey(b.text)
  return ka < kb ? -1 : ka > kb ? 1 : 0
}

function toDayNumber(d: CalendarDate): number {
  const t = new Date(0)
  t.setUTCFullYear(d.year, d.month - 1, d.day)
  return Math.round(t.getTime() / 86_400_000)
}

function fromDayNumber(n: number): CalendarDate {
  const t = new Date(n * 86_400_000)
  return {year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate()}
}

export function addDays(d: CalendarDate, days: number): CalendarDate {
  return fromDayNumber(toDayNumber(d) + days)
}

/** Month arithmetic with DuckDB's clamping (2024-03-31 - 1 month = 2024-02-29). */
export function addMonths(d: CalendarDate, months: number): CalendarDate {
  const index = d.year * 12 + (d.month - 1) + months
  const year = Math.floor(index / 12)
  const month = index - year * 12 + 1
  return {year, month, day: Math.min(d.day, daysInMonth(year, month))}
}

/** First day of the period holding `d`; weeks start on Monday (ISO, as DuckDB's date_trunc('week')). */
export function truncateDate(d: CalendarDate, grain: Grain): CalendarDate {
  switch (grain) {
    case 'day':
      return d
    case 'week': {
      const n = toDayNumber(d)
      // 1970-01-01 was a Thursday: (n + 3) mod 7 is days since Monday.
      return fromDayNumber(n - (((n + 3) % 7) + 7) % 7)
    }
    case 'month':
      return {year: d.year, month: d.month, day: 1}
    case 'quarter':
      return {year: d.year, month: d.month - ((d.month - 1) % 3), day: 1}
    case 'year':
      return {year: d.year, month: 1, day: 1}
  }
}

/** Shift a date by `count` periods of `grain` (negative goes back). */
export function addPeriods(d: CalendarDate, grain: Grain, count: number): CalendarDate {
  switch (grain) {
    case 'day':
      return addDays(d, count)
    case 'week':
      return addDays(d, 7 * count)
    case 'month':
      return addMonths(d, count)
    case 'quarter':
      return addMonths(d, 3 * count)
    case 'year':
      return addMonths(d, 12 * count)
  }
}

/** Number of periods of `grain` from the period holding `from` up to `to` (exclusive), roughly; for sanity caps. */
export function approximatePeriodCount(from: CalendarDate, to: CalendarDate, grain: Grain): number {
  const days = toDayNumber(to) - toDayNumber(from)
  return Math.ceil(days / (GRAIN_SQL[grain].ms / 86_400_000)) + 1
}

const RANGE_UNITS: Record<string, Grain> = {day: 'day', week: 'week', month: 'month', quarter: 'quarter', year: 'year'}

/** Today's date in UTC. */
export function todayUtc(now: Date = new Date()): CalendarDate {
  return {year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate()}
}

export const RANGE_FORMS = 'today, yesterday, "this week|month|quarter|year", "last week|month|quarter|year", "last N days|weeks|months|quarters|years"'

/**
 * A relative range as `[from, to)` dates, relative to `today` (UTC). `last N <unit>s` is the N
 * complete periods before the current one (`last 6 months` on 2026-11-30: 2026-05-01 to
 * 2026-11-01); `this <unit>` runs from the start of the current period through today; `last <unit>`
 * is the one before it. Weeks start on Monday. Throws BAD_REQUEST naming the accepted forms.
 */
export function parseRange(text: unknown, today: CalendarDate): {from: string; to: string} {
  const bad = (): never => {
    throw new CatalogError('BAD_REQUEST', `bad --range ${JSON.stringify(text)}; expected ${RANGE_FORMS}`, {field: 'range'})
  }
  if (typeof text !== 'string') return bad()
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ')
  const tomorrow = addDays(today, 1)
  if (t === 'today') return {from: formatDate(today), to: formatDate(tomorrow)}
  if (t === 'yesterday') return {from: formatDate(addDays(today, -1)), to: formatDate(today)}
  const m = /^(this|last)(?: (\d{1,6}))? (day|week|month|quarter|year)s?$/.exec(t)
  if (!m) return bad()
  const unit = RANGE_UNITS[m[3]!]!
  const current = truncateDate(today, unit)
  if (m[1] === 'this') {
    if (m[2] !== undefined) return bad()
    return {from: formatDate(current), to: formatDate(tomorrow)}
  }
  const n = m[2] === undefined ? 1 : Number(m[2])
  if (n < 1 || n > 100_000) return bad()
  return {from: formatDate(addPeriods(current, unit, -n)), to: formatDate(current)}
}
