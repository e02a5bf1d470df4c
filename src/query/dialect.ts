import type {MetricType} from '../catalog/types.js'
import {quoteIdent, quoteLiteral} from './quote.js'
import type {FilterScalar} from './types.js'

/** The SQL engines metric queries compile for: the DuckDB file (default) or a ClickHouse warehouse. */
export const DIALECTS = ['duckdb', 'clickhouse'] as const
export type DialectName = (typeof DIALECTS)[number]

export type AggregateType = Exclude<MetricType, 'ratio' | 'derived'>

/**
 * What differs between engines in the fragments a plan holds (identifier quoting, literals of
 * reviewed text, aggregates). The rest of what differs (date truncation, intervals, gap filling,
 * compare, roll-ups, order and limit) lives in each engine's renderer (`render.ts`,
 * `render-clickhouse.ts`), which `renderPlan` picks by the plan's `dialect`.
 */
export interface Dialect {
  readonly name: DialectName
  /** the only identifier quoting for this engine */
  quoteIdent(name: string): string
  /** a string from a reviewed definition as an SQL string literal (never request input on DuckDB, where that is bound) */
  quoteLiteral(text: string): string
  /** the aggregate of `type` over `expr` (reviewed SQL, already parenthesised); `percentile` validated by the planner */
  aggregate(type: AggregateType, expr: string | undefined, time: string, percentile?: string): string
}

/**
 * DuckDB's sums and averages are compensated (`fsum`/`favg`): a plain `sum` of DOUBLE adds in
 * whatever order the threads finish, so the last digits change from run to run; the compensated
 * sum is exact to the last bit or so whatever the order.
 */
const DUCKDB_AGGREGATES: Record<AggregateType, (expr: string | undefined, time: string, percentile?: string) => string> = {
  sum: (e) => `fsum(${e})`,
  count: (e) => (e === undefined ? 'count(*)' : `count(${e})`),
  count_distinct: (e) => `count(DISTINCT ${e})`,
  avg: (e) => `favg(${e})`,
  min: (e) => `min(${e})`,
  max: (e) => `max(${e})`,
  median: (e) => `median(${e})`,
  percentile: (e, _t, p) => `quantile_cont(${e}, ${p})`,
  last: (e, time) => `arg_max(${e}, ${time})`,
}

export const DUCKDB: Dialect = {
  name: 'duckdb',
  quoteIdent,
  quoteLiteral,
  aggregate: (type, expr, time, percentile) => DUCKDB_AGGREGATES[type](expr, time, percentile),
}

/**
 * ClickHouse identifier: backquoted, `\` and `` ` `` escaped with a backslash (18.16 and current
 * releases read both). A NUL cannot be in a name.
 */
export function quoteIdentClickHouse(name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new Error('quoteIdent: empty identifier')
  if (name.includes('\0')) throw new Error('quoteIdent: identifier contains a NUL character')
  return `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``
}

/**
 * The one function that turns a value into ClickHouse SQL text. ClickHouse 18.16 has no bound
 * parameters, so request values (filter values, dates) are inlined through here and nowhere else:
 * a string becomes a single-quoted literal with every backslash, quote and control character
 * escaped (ClickHouse reads backslash escapes inside string literals); a number must be finite
 * and is written by JavaScript (digits, `.`, `e`, `-` only); a boolean is 1 or 0.
 */
export function clickhouseLiteral(value: FilterScalar): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`non-finite number cannot be an SQL literal: ${value}`)
    const text = String(value)
    if (!/^-?\d+(\.\d+)?(e[+-]?\d+)?$/.test(text)) throw new Error(`unexpected number text ${text}`)
    return text
  }
  if (typeof value === 'boolean') return value ? '1' : '0'
  if (typeof value !== 'string') throw new Error(`unsupported literal type ${typeof value}`)
  let out = "'"
  for (const ch of value) {
    const code = ch.codePointAt(0)!
    if (ch === '\\') out += '\\\\'
    else if (ch === "'") out += "\\'"
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`
    else out += ch
  }
  return `${out}'`
}

/**
 * An exact, interpolated quantile (DuckDB's `quantile_cont`: position p*(n-1) between the sorted
 * values) from the sorted array of the values; ClickHouse's `quantile` samples and
 * `quantileExact` does not interpolate, and 18.16 has nothing else.
 */
function exactQuantile(expr: string, p: string): string {
  // NULLs are skipped (as DuckDB's quantile does); groupArray over a Nullable would be a Nullable
  // array, which 18.16 refuses.
  const a = `arraySort(groupArrayIf(toFloat64(assumeNotNull(${expr})), isNotNull(${expr})))`
  const pos = `((length(${a}) - 1) * ${p})`
  const at = (i: string) => `arrayElement(${a}, toUInt64(${i}) + 1)`
  return `if(length(${a}) = 0, NULL, ${at(`floor(${pos})`)} + (${pos} - floor(${pos})) * (${at(`ceil(${pos})`)} - ${at(`floor(${pos})`)}))`
}

/**
 * Sums are plain `sum` over Float64: 18.16's `sumKahan` crashes the server that merges its states
 * from the shards of a Distributed table. Averages are that sum over the count (NULL, not nan, when
 * nothing is counted).
 */
const CLICKHOUSE_AGGREGATES: Record<AggregateType, (expr: string | undefined, time: string, percentile?: string) => string> = {
  sum: (e) => `sum(toFloat64(${e}))`,
  count: (e) => (e === undefined ? 'count()' : `count(${e})`),
  count_distinct: (e) => `uniqExact(${e})`,
  avg: (e) => `if(count(${e}) = 0, NULL, sum(toFloat64(${e})) / count(${e}))`,
  min: (e) => `min(${e})`,
  max: (e) => `max(${e})`,
  median: (e) => exactQuantile(e as string, '0.5'),
  percentile: (e, _t, p) => exactQuantile(e as string, p as string),
  last: (e, time) => `argMax(${e}, ${time})`,
}

export const CLICKHOUSE: Dialect = {
  name: 'clickhouse',
  quoteIdent: quoteIdentClickHouse,
  quoteLiteral: (text) => {
    if (text.includes('\0')) throw new Error('quoteLiteral: text contains a NUL character')
    return clickhouseLiteral(text)
  },
  aggregate: (type, expr, time, percentile) => CLICKHOUSE_AGGREGATES[type](expr, time, percentile),
}

export function dialectFor(name: DialectName | undefined): Dialect {
  return name === 'clickhouse' ? CLICKHOUSE : DUCKDB
}
