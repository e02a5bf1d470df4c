// data_through and partial: no made-up zeros after the data ends; the last, incomplete period is flagged.
import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {MetricDefinition} from '../../src/catalog/types.js'
import {compileMetricQuery, planMetricQuery, renderDataThrough} from '../../src/query/index.js'
import type {AggregatePlan} from '../../src/query/plan.js'
import type {MetricQuery} from '../../src/query/types.js'
import {lookupIn} from './fixtures.js'

// Orders end on 2024-03-05 10:00 (paid) and 2024-03-20 (refunded); snapshots are monthly DATEs through April.
const DATA = [
  `CREATE TABLE orders AS SELECT ts, channel, CAST(amount AS DOUBLE) AS amount, status FROM (VALUES
    (TIMESTAMP '2024-01-10 00:00:00', 'partner', 10.0, 'paid'),
    (TIMESTAMP '2024-02-10 00:00:00', 'web',     20.0, 'paid'),
    (TIMESTAMP '2024-03-05 10:00:00', 'web',     30.0, 'paid'),
    (TIMESTAMP '2024-03-20 00:00:00', 'web',      5.0, 'refunded')
  ) AS v(ts, channel, amount, status)`,
  `CREATE TABLE snaps AS SELECT month, CAST(mrr AS DOUBLE) AS mrr FROM (VALUES
    (DATE '2024-01-01', 10.0), (DATE '2024-02-01', 20.0), (DATE '2024-03-01', 30.0), (DATE '2024-04-01', 40.0)
  ) AS v(month, mrr)`,
]

const orders = {category: 'revenue', table_name: 'orders', time_column: 'ts', expression: 'amount', dimensions: ['channel']}
const DEFS: MetricDefinition[] = [
  {...orders, id: 'revenue/paid', name: 'paid', type: 'sum', filters: ["status = 'paid'"]},
  {...orders, id: 'revenue/refunds', name: 'refunds', type: 'sum', filters: ["status = 'refunded'"]},
  {id: 'revenue/refund_rate', name: 'refund_rate', category: 'revenue', type: 'ratio', numerator: 'revenue/refunds', denominator: 'revenue/paid', dimensions: ['channel']},
  {id: 'revenue/mrr', name: 'mrr', category: 'revenue', type: 'sum', grain: 'month', time_aggregation: 'last', table_name: 'snaps', time_column: 'month', expression: 'mrr'},
]
const lookup = lookupIn(DEFS)

let instance: DuckDBInstance
let con: DuckDBConnection

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:')
  con = await instance.connect()
  for (const sql of DATA) await con.run(sql)
})
afterAll(() => {
  con.closeSync()
  instance.closeSync()
})

async function run(query: MetricQuery): Promise<Record<string, unknown>[]> {
  const compiled = compileMetricQuery(query, lookup)
  return (await con.runAndReadAll(compiled.sql, compiled.params)).getRowObjectsJson() as Record<string, unknown>[]
}

const THROUGH = '2024-03-05T10:00:00Z'

describe('data_through and partial periods', () => {
  it('returns no period after the data ends, and flags the month the data ends inside', async () => {
    expect(await run({metric: 'revenue/paid', from: '2024-01-01', to: '2024-07-01'})).toEqual([
      {period: '2024-01-01', value: 10, partial: false, data_through: THROUGH},
      {period: '2024-02-01', value: 20, partial: false, data_through: THROUGH},
      {period: '2024-03-01', value: 30, partial: true, data_through: THROUGH},
    ])
  })

  it('a day with data counts as complete: the day grain flags nothing before it', async () => {
    const rows = await run({metric: 'revenue/paid', grain: 'day', from: '2024-03-04', to: '2024-03-10'})
    expect(rows.map((r) => [r.period, r.value, r.partial])).toEqual([
      ['2024-03-04', 0, false],
      ['2024-03-05', 30, false],
    ])
  })

  it('a --where filter whose rows stop early still gets its zeros up to the metric\'s data end', async () => {
    const rows = await run({metric: 'revenue/paid', filters: [{dimension: 'channel', op: '=', value: 'partner'}], from: '2024-01-01', to: '2024-07-01'})
    expect(rows.map((r) => [r.period, r.value, r.partial, r.data_through])).toEqual([
      ['2024-01-01', 10, false, THROUGH],
      ['2024-02-01', 0, false, THROUGH],
      ['2024-03-01', 0, true, THROUGH],
    ])
  })

  it('data beyond --to: nothing is cut or partial, and data_through is the real last timestamp', async () => {
    expect(await run({metric: 'revenue/paid', from: '2024-01-01', to: '2024-03-01'})).toEqual([
      {period: '2024-01-01', value: 10, partial: false, data_through: THROUGH},
      {period: '2024-02-01', value: 20, partial: false, data_through: THROUGH},
    ])
  })

  it('a ratio runs through the latest of its inputs', async () => {
    const rows = await run({metric: 'revenue/refund_rate', from: '2024-01-01', to: '2024-07-01'})
    expect(rows.map((r) => [r.period, r.partial, r.data_through])).toEqual([
      ['2024-01-01', false, '2024-03-20T00:00:00Z'],
      ['2024-02-01', false, '2024-03-20T00:00:00Z'],
      ['2024-03-01', true, '2024-03-20T00:00:00Z'],
    ])
  })

  it('a snapshot metric (time_aggregation) covers the whole period of its last snapshot', async () => {
    const rows = await run({metric: 'revenue/mrr', from: '2024-01-01', to: '2024-12-01'})
    expect(rows.map((r) => [r.period, r.value, r.partial])).toEqual([
      ['2024-01-01', 10, false],
      ['2024-02-01', 20, false],
      ['2024-03-01', 30, false],
      ['2024-04-01', 40, false],
    ])
    expect(rows[0]!.data_through).toBe('2024-04-01T00:00:00Z')
  })

  it('--compare and --limit see only the periods with data', async () => {
    const rows = await run({metric: 'revenue/paid', from: '2024-01-01', to: '2024-07-01', compare: 'previous', limit: 1})
    expect(rows).toEqual([{period: '2024-03-01', value: 30, previous_value: 20, growth_pct: 50, partial: true, data_through: THROUGH}])
  })

  it('renderDataThrough gives the same timestamp on its own', async () => {
    const plan = planMetricQuery({metric: 'revenue/refund_rate'}, lookup) as AggregatePlan
    const c = renderDataThrough(plan)
    expect((await con.runAndReadAll(c.sql, c.params)).getRowObjectsJson()).toEqual([{data_through: '2024-03-20T00:00:00Z'}])
  })
})
