// --limit keeps the latest periods; --order value / --desc give top-N answers.
import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {compileMetricQuery} from '../../src/query/index.js'
import type {MetricQuery} from '../../src/query/types.js'
import {CatalogError} from '../../src/errors.js'
import {lookup} from './fixtures.js'

// Paid orders per month (revenue/total_revenue): Jan EU 100 US 50; Feb none; Mar EU 70, NULL region 20; Apr EU 5.
const ORDERS = `
CREATE TABLE orders AS SELECT ts, region, channel, CAST(amount AS DOUBLE) AS amount, status, customer FROM (VALUES
  (TIMESTAMP '2024-01-03 10:00:00', 'EU', 'web',    100.0, 'paid', 'c1'),
  (TIMESTAMP '2024-01-20 12:00:00', 'US', 'web',     50.0, 'paid', 'c2'),
  (TIMESTAMP '2024-03-05 08:00:00', 'EU', 'web',     70.0, 'paid', 'c3'),
  (TIMESTAMP '2024-03-31 23:00:00', NULL, 'web',     20.0, 'paid', 'c1'),
  (TIMESTAMP '2024-04-02 23:00:00', 'EU', 'web',      5.0, 'paid', 'c1')
) AS v(ts, region, channel, amount, status, customer)`

let instance: DuckDBInstance
let con: DuckDBConnection

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:')
  con = await instance.connect()
  await con.run(ORDERS)
})
afterAll(() => {
  con.closeSync()
  instance.closeSync()
})

async function run(query: MetricQuery): Promise<Record<string, unknown>[]> {
  const compiled = compileMetricQuery(query, lookup)
  const rows = (await con.runAndReadAll(compiled.sql, compiled.params)).getRowObjectsJson() as Record<string, unknown>[]
  return rows.map(({partial: _p, data_through: _d, ...rest}) => rest)
}

const RANGE = {metric: 'revenue/total_revenue', from: '2024-01-01', to: '2024-05-01'}

function expectError(fn: () => unknown, code: string, message: RegExp): void {
  let error: unknown
  try {
    fn()
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(CatalogError)
  expect((error as CatalogError).code).toBe(code)
  expect((error as CatalogError).message).toMatch(message)
}

describe('--limit and --order', () => {
  it('--limit N returns the latest N periods, in ascending order', async () => {
    expect(await run({...RANGE, limit: 2})).toEqual([
      {period: '2024-03-01', value: 90},
      {period: '2024-04-01', value: 5},
    ])
  })

  it('--limit counts periods, keeping every dimension row of each', async () => {
    expect(await run({...RANGE, by: ['region'], limit: 1})).toEqual([
      {period: '2024-04-01', region: 'EU', value: 5},
      {period: '2024-04-01', region: 'US', value: 0},
      {period: '2024-04-01', region: null, value: 0},
    ])
  })

  it('--limit with --compare keeps the latest compared periods', async () => {
    expect(await run({...RANGE, compare: 'previous', limit: 1})).toEqual([{period: '2024-04-01', value: 5, previous_value: 90, growth_pct: (5 - 90) / 90 * 100}])
  })

  it('--desc lists the latest period first', async () => {
    expect((await run({...RANGE, desc: true, limit: 3})).map((r) => r.period)).toEqual(['2024-04-01', '2024-03-01', '2024-02-01'])
  })

  it('--order value --desc --limit is a top-N (nulls last)', async () => {
    expect(await run({...RANGE, from: '2024-03-01', to: '2024-04-01', by: ['region'], order: 'value', desc: true, limit: 2})).toEqual([
      {period: '2024-03-01', region: 'EU', value: 70},
      {period: '2024-03-01', region: null, value: 20},
    ])
  })

  it('--order value sorts ascending, then by period', async () => {
    expect((await run({...RANGE, order: 'value'})).map((r) => r.value)).toEqual([0, 5, 90, 150])
  })

  it('--order value works with --compare', async () => {
    expect((await run({...RANGE, compare: 'previous', order: 'value', desc: true, limit: 1}))[0]).toMatchObject({period: '2024-01-01', value: 150})
  })

  it('rejects an unknown order', () => {
    expectError(() => compileMetricQuery({...RANGE, order: 'size' as never}, lookup), 'BAD_REQUEST', /^unknown order "size"; allowed: period, value$/)
  })

  it('refuses --order on a SQL-only metric', () => {
    expectError(() => compileMetricQuery({metric: 'revenue/by_region', order: 'value'}, lookup), 'BAD_REQUEST', /--order cannot apply/)
  })
})
