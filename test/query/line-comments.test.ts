// Definition SQL ending in a `--` line comment: the compiler's closing parenthesis must not be commented out.
import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {MetricDefinition} from '../../src/catalog/types.js'
import {compileMetricQuery, planMetricQuery, renderDataThrough} from '../../src/query/index.js'
import type {AggregatePlan} from '../../src/query/plan.js'
import {lookupIn} from './fixtures.js'

const COMMENTED: MetricDefinition = {
  id: 'revenue/paid',
  name: 'paid',
  category: 'revenue',
  type: 'sum',
  table_name: 'orders',
  time_column: 'ts + INTERVAL 0 DAY -- stored in UTC',
  expression: 'amount * 1 -- in EUR',
  filters: ["status = 'paid' -- refunds excluded"],
  dimensions: [{name: 'channel', expr: 'lower(channel) -- case differs by source'}],
}
const RATIO: MetricDefinition = {id: 'revenue/share', name: 'share', category: 'revenue', type: 'ratio', numerator: 'revenue/paid', denominator: 'revenue/paid', dimensions: ['channel']}
const lookup = lookupIn([COMMENTED, RATIO])

let instance: DuckDBInstance
let con: DuckDBConnection

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:')
  con = await instance.connect()
  await con.run(`CREATE TABLE orders AS SELECT * FROM (VALUES
    (TIMESTAMP '2024-01-10', 'Web', 10.0, 'paid'),
    (TIMESTAMP '2024-01-20', 'web', 5.0, 'paid'),
    (TIMESTAMP '2024-02-10', 'partner', 7.0, 'refunded')
  ) AS v(ts, channel, amount, status)`)
})
afterAll(() => {
  con.closeSync()
  instance.closeSync()
})

describe('definition SQL ending in a line comment', () => {
  it('compiles expression, filter, time column and dimension into SQL that runs', async () => {
    const c = compileMetricQuery({metric: 'revenue/paid', by: ['channel'], filters: [{dimension: 'channel', op: '=', value: 'web'}], compare: 'previous'}, lookup)
    const rows = (await con.runAndReadAll(c.sql, c.params)).getRowObjectsJson()
    expect(rows.map((r) => [r.period, r.channel, r.value])).toEqual([['2024-01-01', 'web', 15]])
    expect(rows[0]!.data_through).toBe('2024-01-20T00:00:00Z')
  })

  it('compiles a ratio over such a metric and its stand-alone data_through', async () => {
    const c = compileMetricQuery({metric: 'revenue/share', grain: 'year'}, lookup)
    expect((await con.runAndReadAll(c.sql, c.params)).getRowObjectsJson().map((r) => r.value)).toEqual([1])
    const through = renderDataThrough(planMetricQuery({metric: 'revenue/share'}, lookup) as AggregatePlan)
    expect((await con.runAndReadAll(through.sql, through.params)).getRowObjectsJson()).toEqual([{data_through: '2024-01-20T00:00:00Z'}])
  })
})
