import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {compileMetricQuery} from '../../src/query/index.js'
import type {MetricQuery} from '../../src/query/types.js'
import {INJECTION_CORPUS, lookup} from './fixtures.js'

// Hand-made data; expected numbers below are computed by hand from these rows.
// revenue/total_revenue = sum(amount) of paid orders.
const ORDERS = `
CREATE TABLE orders AS SELECT ts, region, channel, CAST(amount AS DOUBLE) AS amount, status, customer FROM (VALUES
  (TIMESTAMP '2023-01-10 00:00:00', 'EU', 'web',     40.0, 'paid',     'c2'),
  (TIMESTAMP '2023-03-15 12:00:00', 'US', 'web',     35.0, 'paid',     'c3'),
  (TIMESTAMP '2023-12-20 00:00:00', 'EU', 'web',     10.0, 'paid',     'c1'),
  (TIMESTAMP '2024-01-03 10:00:00', 'EU', 'web',    100.0, 'paid',     'c1'),
  (TIMESTAMP '2024-01-20 12:00:00', 'US', 'Partner', 50.0, 'paid',     'c2'),
  (TIMESTAMP '2024-01-25 09:00:00', 'EU', 'partner', 30.0, 'refunded', 'c1'),
  (TIMESTAMP '2024-03-05 08:00:00', 'EU', 'web',     70.0, 'paid',     'c3'),
  (TIMESTAMP '2024-03-31 23:00:00', NULL, 'web',     20.0, 'paid',     'c1')
) AS v(ts, region, channel, amount, status, customer)`

const SIGNUPS = `
CREATE TABLE signups AS SELECT * FROM (VALUES
  (DATE '2024-01-01', 'free'),
  (DATE '2024-01-01', 'pro'),
  (DATE '2024-01-03', 'free'),
  (DATE '2024-01-07', 'free'),
  (DATE '2024-01-08', 'pro')
) AS v(signup_date, plan)`

let instance: DuckDBInstance
let con: DuckDBConnection

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:')
  con = await instance.connect()
  await con.run(ORDERS)
  await con.run(SIGNUPS)
})

afterAll(() => {
  con.closeSync()
  instance.closeSync()
})

async function run(query: MetricQuery): Promise<Record<string, unknown>[]> {
  const compiled = compileMetricQuery(query, lookup)
  const reader = await con.runAndReadAll(compiled.sql, compiled.params)
  const rows = reader.getRowObjectsJson() as Record<string, unknown>[]
  if (compiled.columns.length > 0) expect(reader.columnNames()).toEqual(compiled.columns)
  // partial and data_through have their own tests (freshness.test.ts)
  return rows.map(({partial: _p, data_through: _d, ...rest}) => rest)
}

const Q1 = {from: '2024-01-01', to: '2024-04-01'}

describe('compiled queries on DuckDB', () => {
  it('sums by month and fills the empty month with 0', async () => {
    expect(await run({metric: 'revenue/total_revenue', ...Q1})).toEqual([
      {period: '2024-01-01', value: 150},
      {period: '2024-02-01', value: 0},
      {period: '2024-03-01', value: 90},
    ])
  })

  it('fills gaps between the first and last period with data when no range is given', async () => {
    const rows = await run({metric: 'revenue/total_revenue', grain: 'quarter'})
    expect(rows).toEqual([
      {period: '2023-01-01', value: 75},
      {period: '2023-04-01', value: 0},
      {period: '2023-07-01', value: 0},
      {period: '2023-10-01', value: 10},
      {period: '2024-01-01', value: 240},
    ])
  })

  it('returns no period of a range that starts after the data ends', async () => {
    expect(await run({metric: 'revenue/total_revenue', from: '2025-01-01', to: '2025-03-01'})).toEqual([])
  })

  it('returns no rows without a range when nothing matches', async () => {
    expect(await run({metric: 'revenue/total_revenue', filters: [{dimension: 'region', op: '=', value: 'APAC'}]})).toEqual([])
  })

  it('fills the empty month with NULL for an average', async () => {
    expect(await run({metric: 'revenue/avg_amount', ...Q1})).toEqual([
      {period: '2024-01-01', value: 60},
      {period: '2024-02-01', value: null},
      {period: '2024-03-01', value: 45},
    ])
  })

  it('computes every aggregation type for January 2024', async () => {
    const jan = {from: '2024-01-01', to: '2024-02-01'}
    const value = async (metric: string): Promise<unknown> => (await run({metric, ...jan}))[0]?.value
    expect(await value('revenue/order_count')).toBe(3)
    expect(await value('revenue/customers')).toBe(2)
    expect(await value('revenue/min_amount')).toBe(30)
    expect(await value('revenue/max_amount')).toBe(100)
    expect(await value('revenue/median_amount')).toBe(50)
    // quantile_cont over 30, 50, 100 at 0.9: 50 + 0.8 * 50
    expect(await value('revenue/p90_amount')).toBeCloseTo(90, 9)
    expect(await value('revenue/last_amount')).toBe(30)
  })

  it('gives every dimension combination every period, NULL dimension included', async () => {
    expect(await run({metric: 'revenue/total_revenue', by: ['region'], ...Q1})).toEqual([
      {period: '2024-01-01', region: 'EU', value: 100},
      {period: '2024-01-01', region: 'US', value: 50},
      {period: '2024-01-01', region: null, value: 0},
      {period: '2024-02-01', region: 'EU', value: 0},
      {period: '2024-02-01', region: 'US', value: 0},
      {period: '2024-02-01', region: null, value: 0},
      {period: '2024-03-01', region: 'EU', value: 70},
      {period: '2024-03-01', region: 'US', value: 0},
      {period: '2024-03-01', region: null, value: 20},
    ])
  })

  it('groups by a dimension expression', async () => {
    const rows = await run({metric: 'revenue/total_revenue', by: ['channel'], from: '2024-01-01', to: '2024-02-01'})
    expect(rows).toEqual([
      {period: '2024-01-01', channel: 'partner', value: 50},
      {period: '2024-01-01', channel: 'web', value: 100},
    ])
  })

  it('starts weeks on Monday', async () => {
    const rows = await run({metric: 'product/signups', grain: 'week', from: '2024-01-01', to: '2024-01-15'})
    // 2024-01-01 is a Monday; Sunday 2024-01-07 belongs to its week.
    expect(rows).toEqual([
      {period: '2024-01-01', value: 4},
      {period: '2024-01-08', value: 1},
    ])
  })

  it('labels a week by its Monday when --from falls mid-week', async () => {
    const rows = await run({metric: 'revenue/total_revenue', grain: 'week', from: '2024-01-03', to: '2024-01-22'})
    expect(rows).toEqual([
      {period: '2024-01-01', value: 100},
      {period: '2024-01-08', value: 0},
      {period: '2024-01-15', value: 50},
    ])
  })

  it('compares a DATE time column with bound date strings at day grain', async () => {
    const rows = await run({metric: 'product/signups', from: '2024-01-02', to: '2024-01-08'})
    expect(rows).toEqual([
      {period: '2024-01-02', value: 0},
      {period: '2024-01-03', value: 1},
      {period: '2024-01-04', value: 0},
      {period: '2024-01-05', value: 0},
      {period: '2024-01-06', value: 0},
      {period: '2024-01-07', value: 1},
    ])
  })

  it('sums by year', async () => {
    expect(await run({metric: 'revenue/total_revenue', grain: 'year'})).toEqual([
      {period: '2023-01-01', value: 85},
      {period: '2024-01-01', value: 240},
    ])
  })

  it('compares with the previous period, reading the month before the range', async () => {
    expect(await run({metric: 'revenue/total_revenue', compare: 'previous', ...Q1})).toEqual([
      {period: '2024-01-01', value: 150, previous_value: 10, growth_pct: 1400},
      {period: '2024-02-01', value: 0, previous_value: 150, growth_pct: -100},
      {period: '2024-03-01', value: 90, previous_value: 0, growth_pct: null},
    ])
  })

  it('compares with the same period a year earlier', async () => {
    const rows = await run({metric: 'revenue/total_revenue', compare: 'year', ...Q1})
    expect(rows.map((r) => [r.period, r.value, r.previous_value])).toEqual([
      ['2024-01-01', 150, 40],
      ['2024-02-01', 0, 0],
      ['2024-03-01', 90, 35],
    ])
    expect(rows[0]?.growth_pct).toBe(275)
    expect(rows[1]?.growth_pct).toBeNull()
    expect(rows[2]?.growth_pct).toBeCloseTo((55 / 35) * 100, 9)
  })

  it('compares whole periods when --from is mid-period', async () => {
    const rows = await run({metric: 'revenue/total_revenue', compare: 'previous', from: '2024-01-10', to: '2024-02-01'})
    // January is whole (100 + 50), not only what follows --from, against December's 10.
    expect(rows).toEqual([{period: '2024-01-01', value: 150, previous_value: 10, growth_pct: 1400}])
  })

  it('compares by dimension', async () => {
    const rows = await run({metric: 'revenue/total_revenue', by: ['region'], compare: 'year', from: '2024-03-01', to: '2024-04-01'})
    expect(rows).toEqual([
      {period: '2024-03-01', region: 'EU', value: 70, previous_value: 0, growth_pct: null},
      {period: '2024-03-01', region: 'US', value: 0, previous_value: 35, growth_pct: -100},
      {period: '2024-03-01', region: null, value: 20, previous_value: 0, growth_pct: null},
    ])
  })

  it('divides a ratio and gives NULL where the denominator is 0', async () => {
    expect(await run({metric: 'revenue/aov', ...Q1})).toEqual([
      {period: '2024-01-01', value: 50},
      {period: '2024-02-01', value: null},
      {period: '2024-03-01', value: 45},
    ])
  })

  it('computes a ratio by dimension with filters applied to both inputs', async () => {
    const rows = await run({
      metric: 'revenue/aov',
      by: ['region'],
      filters: [{dimension: 'region', op: '=', value: 'EU'}],
      from: '2024-01-01',
      to: '2024-02-01',
    })
    // EU in January: paid 100 over 2 orders (one refunded).
    expect(rows).toEqual([{period: '2024-01-01', region: 'EU', value: 50}])
  })

  it('evaluates a derived formula over two metrics', async () => {
    expect(await run({metric: 'revenue/net_revenue', ...Q1})).toEqual([
      {period: '2024-01-01', value: 120},
      {period: '2024-02-01', value: 0},
      {period: '2024-03-01', value: 90},
    ])
  })

  it('evaluates a derived formula with numbers and gives NULL on division by zero', async () => {
    expect(await run({metric: 'revenue/scaled', ...Q1})).toEqual([
      {period: '2024-01-01', value: ((150 + 30) * 2) / 3},
      {period: '2024-02-01', value: null},
      {period: '2024-03-01', value: (90 * 2) / 2},
    ])
  })

  it('binds an in-list element by element', async () => {
    const rows = await run({metric: 'revenue/total_revenue', filters: [{dimension: 'region', op: 'in', value: ['EU', 'US']}], ...Q1})
    expect(rows.map((r) => r.value)).toEqual([150, 0, 70])
  })

  it('keeps NULL dimensions for != and not_in', async () => {
    const ne = await run({metric: 'revenue/total_revenue', filters: [{dimension: 'region', op: '!=', value: 'EU'}], ...Q1})
    const notIn = await run({metric: 'revenue/total_revenue', filters: [{dimension: 'region', op: 'not_in', value: ['EU']}], ...Q1})
    expect(ne.map((r) => r.value)).toEqual([50, 0, 20])
    expect(notIn).toEqual(ne)
  })

  it('filters with contains, comparisons and null tests', async () => {
    const values = async (filters: MetricQuery['filters']): Promise<unknown[]> =>
      (await run({metric: 'revenue/total_revenue', filters, ...Q1})).map((r) => r.value)
    expect(await values([{dimension: 'channel', op: 'contains', value: 'art'}])).toEqual([50, 0, 0])
    expect(await values([{dimension: 'region', op: 'is_null'}])).toEqual([0, 0, 20])
    expect(await values([{dimension: 'region', op: 'not_null'}])).toEqual([150, 0, 70])
    expect(await values([{dimension: 'region', op: '>', value: 'EU'}])).toEqual([50, 0, 0])
    expect(await values([{dimension: 'region', op: '<=', value: 'EU'}])).toEqual([100, 0, 70])
  })

  it('runs a SQL-only metric as written, with a limit', async () => {
    expect(await run({metric: 'revenue/by_region', limit: 1})).toEqual([{region: 'EU', total: 250}])
    expect(await run({metric: 'revenue/by_region', variant: 'paid'})).toEqual([
      {region: 'EU', total: 220},
      {region: 'US', total: 85},
      {region: null, total: 20},
    ])
  })

  it('limits an aggregate query', async () => {
    expect(await run({metric: 'revenue/total_revenue', limit: 2, ...Q1})).toHaveLength(2)
  })

  it('treats injection strings as plain values: no rows match and the table survives', async () => {
    for (const bad of INJECTION_CORPUS) {
      for (const op of ['=', 'contains'] as const) {
        expect(await run({metric: 'revenue/total_revenue', by: ['region'], filters: [{dimension: 'region', op, value: bad}]})).toEqual([])
      }
      expect(await run({metric: 'revenue/total_revenue', by: ['region'], filters: [{dimension: 'channel', op: 'in', value: [bad, `${bad}2`]}]})).toEqual([])
    }
    const count = await con.runAndReadAll('SELECT count(*) AS n FROM orders')
    expect(count.getRowObjectsJson()).toEqual([{n: '8'}])
  })
})
