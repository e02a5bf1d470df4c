// --range: complete periods relative to today (UTC), with an injected clock.
import {describe, expect, it} from 'vitest'

import {CatalogError} from '../../src/errors.js'
import {compileMetricQuery} from '../../src/query/index.js'
import {parseRange} from '../../src/query/dates.js'
import {lookup} from './fixtures.js'

const TODAY = {year: 2026, month: 11, day: 30} // a Monday

describe('parseRange', () => {
  it.each([
    ['today', '2026-11-30', '2026-12-01'],
    ['yesterday', '2026-11-29', '2026-11-30'],
    ['last 6 months', '2026-05-01', '2026-11-01'],
    ['last month', '2026-10-01', '2026-11-01'],
    ['Last 12  Weeks', '2026-09-07', '2026-11-30'],
    ['last 7 days', '2026-11-23', '2026-11-30'],
    ['last 2 quarters', '2026-04-01', '2026-10-01'],
    ['this year', '2026-01-01', '2026-12-01'],
    ['last year', '2025-01-01', '2026-01-01'],
    ['this month', '2026-11-01', '2026-12-01'],
    ['this week', '2026-11-30', '2026-12-01'],
  ])('%s is [%s, %s)', (text, from, to) => {
    expect(parseRange(text, TODAY)).toEqual({from, to})
  })

  it.each(['last', 'next month', 'last 0 months', 'this 2 years', 'last 6 fortnights', ''])('rejects %j naming the accepted forms', (text) => {
    expect(() => parseRange(text, TODAY)).toThrow(/^bad --range .*; expected today, yesterday, /)
  })
})

describe('range in a query', () => {
  it('becomes the same bounds as --from/--to', () => {
    const ranged = compileMetricQuery({metric: 'revenue/total_revenue', range: 'last 6 months'}, lookup, {today: '2026-11-30'})
    const explicit = compileMetricQuery({metric: 'revenue/total_revenue', from: '2026-05-01', to: '2026-11-01'}, lookup)
    expect(ranged).toEqual(explicit)
  })

  it('cannot be combined with --from or --to', () => {
    let error: unknown
    try {
      compileMetricQuery({metric: 'revenue/total_revenue', range: 'last year', from: '2024-01-01'}, lookup)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(CatalogError)
    expect((error as CatalogError).code).toBe('BAD_REQUEST')
    expect((error as CatalogError).message).toBe('--range cannot be combined with --from or --to')
  })

  it('defaults to today in UTC', () => {
    const now = new Date()
    const y = now.getUTCFullYear()
    const c = compileMetricQuery({metric: 'revenue/total_revenue', range: 'last year'}, lookup)
    expect(c.params.slice(0, 2)).toEqual([`${y - 1}-01-01`, `${y}-01-01`])
  })
})
