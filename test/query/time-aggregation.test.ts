// time_aggregation: snapshot metrics roll up over time instead of summing their sub-periods.
import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {MetricDefinition} from '../../src/catalog/types.js'
import {compileMetricQuery} from '../../src/query/index.js'
import type {MetricQuery} from '../../src/query/types.js'
import {lookupIn} from './fixtures.js'

// Monthly snapshots: EU has 10, 20, 30 in Q1 2024 and 40 in April; US has 5 in Jan and Feb only.
const SNAPSHOTS = `
CREATE TABLE snaps AS SELECT month, region, CAST(mrr AS DOUBLE) AS mrr FROM (VALUES
  (DATE '2024-01-01', 'EU', 10.0), (DATE '2024-02-01', 'EU', 20.0), (DATE '2024-03-01', 'EU', 30.0),
  (DATE '2024-04-01', 'EU', 40.0),
  (DATE '2024-01-01', 'US', 5.0), (DATE '2024-02-01', 'US', 5.0)
) AS v(month, region, mrr)`

const base = {category: 'revenue', table_name: 'snaps', time_column: 'month', expression: 'mrr', grain: 'month' as const, dimensions: ['region']}
const DEFS: MetricDefinition[] = [
  {...base, id: 'revenue/mrr', name: 'mrr', type: 'sum', time_aggregation: 'last'},
  {...base, id: 'revenue/mrr_first', name: 'mrr_first', type: 'sum', time_aggregation: 'first'},
  {...base, id: 'revenue/mrr_avg', name: 'mrr_avg', type: 'sum', time_aggregation: 'avg'},
  {...base, id: 'revenue/mrr_min', name: 'mrr_min', type: 'sum', time_aggregation: 'min'},
  {...base, id: 'revenue/mrr_max', name: 'mrr_max', type: 'sum', time_aggregation: 'max'},
  {...base, id: 'revenue/mrr_summed', name: 'mrr_summed', type: 'sum'},
  {id: 'revenue/arr', name: 'arr', category: 'revenue', type: 'derived', formula: 'revenue/mrr * 12', dimensions: ['region']},
  {id: 'revenue/share', name: 'share', category: 'revenue', type: 'ratio', numerator: 'revenue/mrr', denominator: 'revenue/mrr_summed'},
]
const lookup = lookupIn(DEFS)

let instance: DuckDBInstance
let con: DuckDBConnection

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:')
  con = await instance.connect()
  await con.run(SNAPSHOTS)
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

const H1 = {from: '2024-01-01', to: '2024-07-01'}

describe('time_aggregation', () => {
  it('last: a quarter holds its last month, not the sum of three', async () => {
    expect(await run({metric: 'revenue/mrr', grain: 'quarter', ...H1})).toEqual([
      {period: '2024-01-01', value: 30},
      {period: '2024-04-01', value: 40},
    ])
  })

  it('last: a region missing from the last month of the quarter gets 0, not an older month', async () => {
    expect(await run({metric: 'revenue/mrr', grain: 'quarter', by: ['region'], ...H1})).toEqual([
      {period: '2024-01-01', region: 'EU', value: 30},
      {period: '2024-01-01', region: 'US', value: 0},
      {period: '2024-04-01', region: 'EU', value: 40},
      {period: '2024-04-01', region: 'US', value: 0},
    ])
  })

  it('last within the query period: --to cuts the quarter at February', async () => {
    expect(await run({metric: 'revenue/mrr', grain: 'quarter', from: '2024-01-01', to: '2024-03-01'})).toEqual([{period: '2024-01-01', value: 25}])
  })

  it('first, avg, min and max over the months of the quarter', async () => {
    const q = {grain: 'quarter' as const, by: ['region'], from: '2024-01-01', to: '2024-04-01'}
    expect(await run({metric: 'revenue/mrr_first', ...q})).toEqual([
      {period: '2024-01-01', region: 'EU', value: 10},
      {period: '2024-01-01', region: 'US', value: 5},
    ])
    // US has no March row: it counts as 0 in the average and the minimum
    expect(await run({metric: 'revenue/mrr_avg', ...q})).toEqual([
      {period: '2024-01-01', region: 'EU', value: 20},
      // 14 significant digits: an average's last bits depend on the adding order
      {period: '2024-01-01', region: 'US', value: 3.3333333333333},
    ])
    expect(await run({metric: 'revenue/mrr_min', ...q})).toEqual([
      {period: '2024-01-01', region: 'EU', value: 10},
      {period: '2024-01-01', region: 'US', value: 0},
    ])
    expect(await run({metric: 'revenue/mrr_max', ...q})).toEqual([
      {period: '2024-01-01', region: 'EU', value: 30},
      {period: '2024-01-01', region: 'US', value: 5},
    ])
  })

  it('a derived metric inherits its input\'s roll-up: ARR at quarter = last month\'s MRR x 12', async () => {
    expect(await run({metric: 'revenue/arr', grain: 'quarter', ...H1})).toEqual([
      {period: '2024-01-01', value: 360},
      {period: '2024-04-01', value: 480},
    ])
  })

  it('a ratio combines each input rolled up its own way', async () => {
    // last month (30) over the summed quarter (10+20+30+5+5 = 70)
    expect(await run({metric: 'revenue/share', grain: 'quarter', from: '2024-01-01', to: '2024-04-01'})).toEqual([{period: '2024-01-01', value: 30 / 70}])
  })

  it('changes nothing at the metric\'s own grain or finer', async () => {
    expect(await run({metric: 'revenue/mrr', from: '2024-01-01', to: '2024-04-01'})).toEqual([
      {period: '2024-01-01', value: 15},
      {period: '2024-02-01', value: 25},
      {period: '2024-03-01', value: 30},
    ])
  })

  it('works with --compare previous at quarter grain', async () => {
    expect(await run({metric: 'revenue/mrr', grain: 'quarter', compare: 'previous', from: '2024-04-01', to: '2024-07-01'})).toEqual([
      {period: '2024-04-01', value: 40, previous_value: 30, growth_pct: (40 - 30) / 30 * 100},
    ])
  })
})
