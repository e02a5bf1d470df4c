/** A UTC instant as milliseconds since the epoch plus the microseconds past it. */
export interface PointInstant {
  ms: number
  us: number
}

// Same grammar as the `date` pattern in schemas/point.schema.json.
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z: stored dates lie in years 1-9999 (UTC). */
export const MIN_MS = -62_135_596_800_000
export const END_MS = 253_402_300_800_000

/**
 * Epoch numbers below this (in absolute value) are seconds, others milliseconds: 1e11 seconds is
 * the year 5138, 1e11 milliseconds March 1973, so only millisecond dates before 1973 are misread.
 */
export const EPOCH_SECONDS_BELOW = 1e11

/**
 * A `date` given as an epoch number: seconds or milliseconds since 1970-01-01T00:00:00Z, told
 * apart by size (EPOCH_SECONDS_BELOW); fractions down to the microsecond are kept. Undefined when
 * not finite or outside years 1-9999.
 */
export function epochInstant(n: number): PointInstant | undefined {
  if (!Number.isFinite(n)) return undefined
  const totalUs = Math.round(Math.abs(n) < EPOCH_SECONDS_BELOW ? n * 1e6 : n * 1e3)
  const ms = Math.floor(totalUs / 1000)
  if (ms < MIN_MS || ms >= END_MS) return undefined
  return {ms, us: totalUs - ms * 1000}
}

let lastText = ''
let lastInstant: PointInstant | undefined

/**
 * Parses an ISO 8601 date (`2024-05-01`) or date-time (`2024-05-01T10:00`, `...:30.123456Z`,
 * `...+02:00`) to UTC. No zone means UTC. Returns undefined for anything else, including
 * impossible calendar dates and years outside 0001-9999.
 */
export function parsePointDate(text: string): PointInstant | undefined {
  // Points arrive grouped by date far more often than not; skip the regex for a repeat.
  if (text === lastText) return lastInstant
  const m = DATE_RE.exec(text)
  if (m === null) return undefined
  const year = +m[1]!
  const month = +m[2]!
  const day = +m[3]!
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined
  let hour = 0
  let minute = 0
  let second = 0
  let ms = 0
  let us = 0
  let offset = 0
  if (m[4] !== undefined) {
    hour = +m[4]
    minute = +m[5]!
    second = m[6] === undefined ? 0 : +m[6]
    if (hour > 23 || minute > 59 || second > 59) return undefined
    const fraction = m[7]
    if (fraction !== undefined) {
      const digits = `${fraction}00000`.slice(0, 6)
      ms = +digits.slice(0, 3)
      us = +digits.slice(3, 6)
    }
    const zone = m[8]
    if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
      const oh = +zone.slice(1, 3)
      const om = zone.length > 3 ? +zone.slice(-2) : 0
      if (oh > 23 || om > 59) return undefined
      offset = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om)
    }
  }
  let epoch = Date.UTC(year, month - 1, day, hour, minute - offset, second, ms)
  if (year < 100) {
    // Date.UTC maps years 0-99 to 1900-1999.
    const t = new Date(epoch)
    t.setUTCFullYear(t.getUTCFullYear() - 1900)
    epoch = t.getTime()
  }
  // An offset can carry 0001-01-01T00:30+01:00 into year 0, or 9999-12-31T23:30-01:00 into 10000.
  if (epoch < MIN_MS || epoch >= END_MS) return undefined
  const instant = {ms: epoch, us}
  lastText = text
  lastInstant = instant
  return instant
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` for a UTC instant, as DuckDB prints a TIMESTAMP. */
export function formatInstant(instant: PointInstant): string {
  const iso = new Date(instant.ms).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(instant.us).padStart(3, '0')}`
}

/** The current time as a TIMESTAMP literal in UTC (DuckDB's current_timestamp casts to local time). */
export function utcNow(): string {
  const iso = new Date().toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`
}
