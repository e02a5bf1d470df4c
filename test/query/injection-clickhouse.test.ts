// The injection corpus against the ClickHouse renderer, which has no bound parameters: request
// values are inlined, and only through clickhouseLiteral. (test/clickhouse/ runs them on a server.)
import {describe, expect, it} from 'vitest'

import {clickhouseLiteral, quoteIdentClickHouse} from '../../src/query/dialect.js'
import {clickhouseTime} from '../../src/query/render-clickhouse.js'
import {compileMetricQuery} from '../../src/query/index.js'
import {FILTER_OPS, type FilterOp, type MetricQuery} from '../../src/query/types.js'
import {INJECTION_CORPUS, lookup} from './fixtures.js'

const METRICS = ['revenue/total_revenue', 'revenue/aov', 'revenue/net_revenue']
const VALUE_OPS = FILTER_OPS.filter((op) => op !== 'is_null' && op !== 'not_null')

function filterFor(op: FilterOp, value: string): NonNullable<MetricQuery['filters']>[number] {
  return op === 'in' || op === 'not_in' ? {dimension: 'region', op, value: ['EU', value]} : {dimension: 'region', op, value}
}

describe.each(INJECTION_CORPUS)('injection string %j on ClickHouse', (bad) => {
  it.each(METRICS)('appears only as an escaped literal when a filter value of %s', (metric) => {
    for (const op of VALUE_OPS) {
      const c = compileMetricQuery({metric, by: ['region'], filters: [filterFor(op, bad)], compare: 'year', from: '2024-01-01'}, lookup, {dialect: 'clickhouse'})
      expect(c.params).toEqual([])
      expect(c.sql).toContain(clickhouseLiteral(bad))
      // with its literals taken out, nothing of the value is left in the SQL
      expect(c.sql.replaceAll(clickhouseLiteral(bad), "''")).not.toContain(bad)
    }
  })

  it('is rejected as a --by dimension', () => {
    expect(() => compileMetricQuery({metric: 'revenue/total_revenue', by: [bad]}, lookup, {dialect: 'clickhouse'})).toThrow(/dimension/)
  })
})

describe('clickhouseLiteral', () => {
  it('escapes backslashes, quotes and control characters', () => {
    expect(clickhouseLiteral("a'b\\c\nd\te\r\0\u0001")).toBe("'a\\'b\\\\c\\nd\\te\\r\\x00\\x01'")
  })

  it('keeps unicode as it is', () => {
    expect(clickhouseLiteral('é😀')).toBe("'é😀'")
  })

  it('writes finite numbers and refuses others', () => {
    expect(clickhouseLiteral(-1.5e-7)).toBe('-1.5e-7')
    expect(clickhouseLiteral(42)).toBe('42')
    expect(() => clickhouseLiteral(Number.NaN)).toThrow()
    expect(() => clickhouseLiteral(Number.POSITIVE_INFINITY)).toThrow()
  })

  it('writes booleans as 1 and 0', () => {
    expect(clickhouseLiteral(true)).toBe('1')
    expect(clickhouseLiteral(false)).toBe('0')
  })
})

describe('quoteIdentClickHouse', () => {
  it('backquotes and escapes backquotes and backslashes', () => {
    expect(quoteIdentClickHouse('a`b\\c')).toBe('`a\\`b\\\\c`')
  })

  it('refuses empty names and NUL', () => {
    expect(() => quoteIdentClickHouse('')).toThrow()
    expect(() => quoteIdentClickHouse('a\0b')).toThrow()
  })
})

describe('clickhouseTime', () => {
  it('validates a bound again and rounds fractional seconds up', () => {
    expect(clickhouseTime('2024-01-02')).toBe("toDateTime('2024-01-02 00:00:00', 'UTC')")
    expect(clickhouseTime('2024-01-02 10:30:00.25')).toBe("(toDateTime('2024-01-02 10:30:00', 'UTC') + 1)")
    expect(clickhouseTime('2024-01-02 10:30:00.000')).toBe("toDateTime('2024-01-02 10:30:00', 'UTC')")
    expect(() => clickhouseTime("2024-01-02'); DROP")).toThrow()
  })
})
