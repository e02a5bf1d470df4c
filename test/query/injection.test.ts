import {describe, expect, it} from 'vitest'
import {CatalogError} from '../../src/errors.js'
import {compileMetricQuery, parseWhere} from '../../src/query/index.js'
import {FILTER_OPS, type FilterOp, type MetricQuery} from '../../src/query/types.js'
import {INJECTION_CORPUS, lookup} from './fixtures.js'

// Aggregate metrics of each shape: plain, ratio, derived.
const METRICS = ['revenue/total_revenue', 'revenue/aov', 'revenue/net_revenue']
const VALUE_OPS = FILTER_OPS.filter((op) => op !== 'is_null' && op !== 'not_null')

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    if (e instanceof CatalogError) return e.code
    throw e
  }
  return undefined
}

function filterFor(op: FilterOp, value: string): NonNullable<MetricQuery['filters']>[number] {
  return op === 'in' || op === 'not_in' ? {dimension: 'region', op, value: ['EU', value]} : {dimension: 'region', op, value}
}

describe.each(INJECTION_CORPUS)('injection string %j', (bad) => {
  it.each(METRICS)('is rejected as a --by dimension of %s', (metric) => {
    expect(codeOf(() => compileMetricQuery({metric, by: [bad]}, lookup))).toBe('BAD_REQUEST')
    expect(codeOf(() => compileMetricQuery({metric, by: ['region', bad]}, lookup))).toBe('BAD_REQUEST')
  })

  it.each(METRICS)('is rejected as a filter dimension of %s', (metric) => {
    for (const op of FILTER_OPS) {
      expect(codeOf(() => compileMetricQuery({metric, filters: [{dimension: bad, op, value: 'x'}]}, lookup))).toBe('BAD_REQUEST')
    }
  })

  it.each(METRICS)('appears only in params as a filter value of %s', (metric) => {
    for (const op of VALUE_OPS) {
      const c = compileMetricQuery({metric, by: ['region'], filters: [filterFor(op, bad)], compare: 'year', from: '2024-01-01'}, lookup)
      expect(c.sql).not.toContain(bad)
      expect(c.params).toContain(bad)
    }
  })

  it('appears only in params after parseWhere', () => {
    const texts = [`region=${bad}`, `region!=${bad}`, `region>=${bad}`, `region contains ${bad}`]
    for (const text of texts) {
      const filter = parseWhere(text)
      const c = compileMetricQuery({metric: 'revenue/total_revenue', filters: [filter]}, lookup)
      expect(c.sql).not.toContain(bad)
      expect(c.params).toContain(bad)
    }
  })

  it('is rejected as a date, grain, compare mode, limit and week start', () => {
    const metric = 'revenue/total_revenue'
    expect(codeOf(() => compileMetricQuery({metric, from: bad}, lookup))).toBe('BAD_REQUEST')
    expect(codeOf(() => compileMetricQuery({metric, to: `2024-01-01${bad}`}, lookup))).toBe('BAD_REQUEST')
    expect(codeOf(() => compileMetricQuery({metric, grain: bad as never}, lookup))).toBe('BAD_REQUEST')
    expect(codeOf(() => compileMetricQuery({metric, compare: bad as never}, lookup))).toBe('BAD_REQUEST')
    expect(codeOf(() => compileMetricQuery({metric, limit: bad as never}, lookup))).toBe('BAD_REQUEST')
    expect(codeOf(() => compileMetricQuery({metric}, lookup, {weekStart: bad as never}))).toBe('BAD_REQUEST')
  })

  it('is not found as a metric id or a variant', () => {
    expect(codeOf(() => compileMetricQuery({metric: bad}, lookup))).toBe('NOT_FOUND')
    expect(codeOf(() => compileMetricQuery({metric: 'revenue/by_region', variant: bad}, lookup))).toBe('NOT_FOUND')
  })

  it('keeps error messages on one line', () => {
    for (const query of [{metric: 'revenue/total_revenue', by: [bad]}, {metric: bad}, {metric: 'revenue/total_revenue', from: bad}]) {
      try {
        compileMetricQuery(query, lookup)
      } catch (e) {
        expect((e as Error).message).not.toContain('\n')
      }
    }
  })
})
