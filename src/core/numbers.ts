/**
 * Numbers as results carry them and as tables show them. A DOUBLE holds about 15 significant
 * decimal digits; the last ones of a computed value are binary noise (0.1 + 0.2 =
 * 0.30000000000000004, a sum of cents = 4593255.000000003) that can also change with the order in
 * which threads add. Results carry each number as the shortest decimal within NOISE of it, so JSON
 * and CSV hold full, clean, repeatable numbers; tables format them by the metric's `unit`.
 */

/**
 * Relative distance treated as noise: 2^-46 (about 1.4e-14, 64 units in the last place). Compiled
 * sums are compensated (`fsum`, off by an ulp or so); a plain `sum` in a metric's own SQL is off by
 * a few ulps; a real difference this small is below what a DOUBLE result can be trusted for.
 */
const NOISE = 2 ** -46

/**
 * `value` as the shortest decimal within {@link NOISE} of it (4593255.000000003 -> 4593255,
 * 916698.8499999993 -> 916698.85); integers, non-finite values and numbers whose shortest form has
 * fewer than 16 significant digits are returned unchanged.
 */
export function cleanNumber(value: number): number {
  if (Number.isInteger(value) || !Number.isFinite(value) || significantDigits(value) < 16) return value
  const tolerance = Math.abs(value) * NOISE
  // closeness grows with the digits kept: the first precision within the tolerance is the shortest
  let lo = 1
  let hi = 15
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (Math.abs(Number(value.toPrecision(mid)) - value) <= tolerance) hi = mid
    else lo = mid + 1
  }
  const clean = Number(value.toPrecision(lo))
  return Math.abs(clean - value) <= tolerance ? clean : value
}

/** Significant digits of the shortest decimal that reads back as `value` (JavaScript's String). */
function significantDigits(value: number): number {
  const [mantissa = ''] = String(Math.abs(value)).split('e')
  return mantissa.replace('.', '').replace(/^0+/, '').length
}

/** A row with every non-integer number cleaned (see {@link cleanNumber}); the same object when nothing changes. */
export function cleanRow<T extends Record<string, unknown>>(row: T): T {
  let out: Record<string, unknown> | undefined
  for (const [key, value] of Object.entries(row)) {
    if (typeof value !== 'number' || Number.isInteger(value)) continue
    const clean = cleanNumber(value)
    if (clean !== value) (out ??= {...row})[key] = clean
  }
  return (out ?? row) as T
}

/** How a table shows a value of each kind of unit (README "unit"). */
export type UnitKind = 'currency' | 'percent' | 'ratio' | 'duration' | 'count' | 'other'

const PERCENT = new Set(['percent', 'pct', '%', 'percentage'])
const RATIO = new Set(['ratio', 'fraction', 'share', 'rate'])
const DURATION: Record<string, string> = {
  ms: 'ms', millisecond: 'ms', milliseconds: 'ms',
  s: 's', sec: 's', second: 's', seconds: 's',
  min: 'min', minute: 'min', minutes: 'min',
  h: 'h', hour: 'h', hours: 'h',
  d: 'd', day: 'd', days: 'd',
}
const COUNT = new Set(['count', 'customers', 'users', 'accounts', 'orders', 'subscriptions', 'seats', 'events', 'tickets', 'deals', 'items', 'requests', 'sessions', 'people'])

/** The kind of a metric's `unit`: an ISO 4217 code (USD, EUR) is a currency; unknown units are `other`. */
export function unitKind(unit: string | null | undefined): UnitKind {
  if (unit === undefined || unit === null) return 'other'
  const u = unit.trim()
  if (/^[A-Z]{3}$/.test(u)) return 'currency'
  const l = u.toLowerCase()
  if (PERCENT.has(l)) return 'percent'
  if (RATIO.has(l)) return 'ratio'
  if (Object.hasOwn(DURATION, l)) return 'duration'
  if (COUNT.has(l)) return 'count'
  return 'other'
}

const grouped = (value: number, decimals: number, min = 0) =>
  value.toLocaleString('en-US', {minimumFractionDigits: min, maximumFractionDigits: decimals})

/**
 * A value for a table, by unit: currency with its symbol and cents ($1,234.50), percent with up to
 * 2 decimals (3.42%: the value is already in percent), ratio with up to 4 decimals (0.0342),
 * durations with up to 2 decimals and a short unit (12.5 h), counts grouped (1,234; a fractional
 * count such as an average gets 2 decimals); other units grouped with up to 4 decimals.
 */
export function formatValue(value: number, unit: string | null | undefined): string {
  if (!Number.isFinite(value)) return String(value)
  switch (unitKind(unit)) {
    case 'currency':
      try {
        return value.toLocaleString('en-US', {style: 'currency', currency: unit!.trim(), minimumFractionDigits: 2, maximumFractionDigits: 2})
      } catch {
        return `${grouped(value, 2, 2)} ${unit!.trim()}`
      }
    case 'percent':
      return `${grouped(value, 2)}%`
    case 'ratio':
      return grouped(value, 4)
    case 'duration':
      return `${grouped(value, 2)} ${DURATION[unit!.trim().toLowerCase()]}`
    case 'count':
      return grouped(value, 2)
    case 'other':
      return grouped(value, 4)
  }
}
