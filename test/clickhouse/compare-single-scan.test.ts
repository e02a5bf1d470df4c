// The ClickHouse renderer's --compare, which reads the filled grid once (each row stands for its
// period and, through arrayJoin, for the periods it is previous to), compared with DuckDB on the
// same rows, with the dimension and gap-filling paths around it. Cases the other differential files
// do not cover: compare year at day grain on both sides of Feb 29, week grain compare, compare with
// --limit, --order value and --desc, compare without --from/--to, NULL and empty-string dimension
// values, a dimension with one value, NULL times and NULL values, ranges without data, ratio/derived
// and last/avg/first roll-ups with compare and dimensions. The table lives in its own database on
// the run's shared cluster.
import {DuckDBInstance} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {MetricDefinition} from '../../src/catalog/types.js'
import type {MetricQuery} from '../../src/query/types.js'
import {ClickHouseWarehouse} from '../../src/warehouse/clickhouse.js'
import {DEFS, lookupIn} from '../query/fixtures.js'
import {clickhouseAvailable} from './cluster.js'
import {copyToClickHouse, differingAnswers} from './same-answers.js'
import {sharedCluster} from './shared-cluster.js'

const skip = clickhouseAvailable()
if (skip) console.warn(skip)

const TOTAL = DEFS.find((d) => d.id === 'revenue/total_revenue')!
const SNAPSHOT: MetricDefinition = {id: 'revenue/snap', name: 'snap', category: 'revenue', type: 'sum', grain: 'month', time_aggregation: 'last', table_name: 'orders', time_column: 'ts', expression: 'amount', dimensions: ['region', 'kind']}
const lookup = lookupIn([
  ...DEFS.map((d) => (d.id === TOTAL.id ? {...TOTAL, dimensions: [...(TOTAL.dimensions ?? []), 'kind']} : d)),
  SNAPSHOT,
  {...SNAPSHOT, id: 'revenue/snap_avg', name: 'snap_avg', time_aggregation: 'avg', grain: 'day'},
  {...SNAPSHOT, id: 'revenue/snap_first', name: 'snap_first', time_aggregation: 'first', grain: 'week'},
  // events: a Nullable time column (region X has only rows without a time) and amounts that are NULL for whole groups
  {id: 'ev/count', name: 'count', category: 'ev', type: 'count', table_name: 'events', time_column: 'ts', dimensions: ['region']},
  {id: 'ev/avg', name: 'avg', category: 'ev', type: 'avg', table_name: 'events', time_column: 'ts', expression: 'amount', dimensions: ['region']},
  {id: 'ev/sum', name: 'sum', category: 'ev', type: 'sum', table_name: 'events', time_column: 'ts', expression: 'amount', dimensions: ['region']},
])

const R = 'revenue/total_revenue'
const QUERIES: MetricQuery[] = [
  // year compare at day grain around Feb 29 (2024: the leap day; 2025: 2025-02-28's previous is 2024-02-28)
  {metric: R, grain: 'day', compare: 'year', from: '2024-02-25', to: '2024-03-04', by: ['region']},
  {metric: R, grain: 'day', compare: 'year', from: '2025-02-25', to: '2025-03-04', by: ['region']},
  {metric: R, grain: 'day', compare: 'year', from: '2024-02-28', to: '2024-03-01'},
  {metric: R, grain: 'day', compare: 'previous', from: '2024-02-27', to: '2024-03-03', by: ['channel']},
  // week grain
  {metric: R, grain: 'week', compare: 'previous', from: '2024-01-01', to: '2024-04-01', by: ['region']},
  {metric: R, grain: 'week', compare: 'year', from: '2025-01-06', to: '2025-03-03', by: ['channel']},
  // compare with limit / order / desc
  {metric: R, compare: 'previous', by: ['region'], limit: 4},
  {metric: R, compare: 'previous', by: ['region'], limit: 5, order: 'value', desc: true},
  {metric: R, compare: 'year', grain: 'quarter', by: ['channel'], limit: 3, order: 'value'},
  {metric: R, compare: 'previous', from: '2024-01-01', to: '2024-07-01', limit: 2, desc: true},
  // compare without --from or --to (the grid's ends from the data)
  {metric: R, compare: 'previous', by: ['region']},
  {metric: R, compare: 'year', grain: 'month', from: '2025-06-01'},
  {metric: R, compare: 'previous', grain: 'quarter', to: '2024-01-01', by: ['kind']},
  // NULL and empty-string dimension values, a dimension with one value, two dimensions
  {metric: R, by: ['region']},
  {metric: R, by: ['kind']},
  {metric: R, by: ['region', 'kind'], grain: 'quarter'},
  {metric: R, by: ['region', 'channel'], from: '2024-01-01', to: '2024-04-01'},
  {metric: R, by: ['region'], filters: [{dimension: 'region', op: '=', value: ''}], compare: 'previous'},
  {metric: R, by: ['region'], filters: [{dimension: 'region', op: 'in', value: ['EU']}]},
  {metric: 'revenue/customers', by: ['region'], compare: 'previous', grain: 'quarter'},
  {metric: 'revenue/order_count', by: ['channel'], grain: 'week', compare: 'previous', from: '2023-01-01', to: '2023-03-01'},
  // ranges without data
  {metric: R, by: ['region'], from: '2030-01-01', to: '2030-06-01', compare: 'previous'},
  {metric: R, by: ['region'], from: '2030-01-01', compare: 'year'},
  {metric: R, by: ['region'], to: '2020-01-01'},
  {metric: R, by: ['region'], filters: [{dimension: 'region', op: '=', value: 'nowhere'}]},
  {metric: R, by: ['region'], filters: [{dimension: 'region', op: '=', value: 'nowhere'}], compare: 'previous'},
  // several measures, roll-ups, with compare and dimensions
  {metric: 'revenue/aov', by: ['region'], compare: 'previous', grain: 'quarter'},
  {metric: 'revenue/aov', by: ['channel'], compare: 'year', from: '2024-01-01', to: '2025-01-01', limit: 3, order: 'value', desc: true},
  {metric: 'revenue/net_revenue', by: ['region'], compare: 'year', grain: 'quarter'},
  {metric: 'revenue/refund_rate', compare: 'previous'},
  {metric: 'revenue/scaled', compare: 'previous', grain: 'quarter', limit: 3},
  {metric: 'revenue/snap', by: ['region'], grain: 'quarter', compare: 'previous'},
  {metric: 'revenue/snap', by: ['region'], grain: 'year', compare: 'year'},
  {metric: 'revenue/snap_avg', by: ['region'], grain: 'month', compare: 'previous', from: '2024-01-15', to: '2024-06-01'},
  {metric: 'revenue/snap_avg', by: ['kind'], grain: 'week', compare: 'year', limit: 4},
  {metric: 'revenue/snap_first', by: ['region'], grain: 'quarter', compare: 'previous'},
  {metric: 'revenue/snap_first', by: ['region'], grain: 'month'},
  // a measure without dimensions, grid ends from the data
  {metric: R},
  {metric: R, to: '2020-01-01'},
  {metric: R, filters: [{dimension: 'region', op: '=', value: 'nowhere'}], compare: 'year'},
  {metric: 'revenue/customers', grain: 'week', compare: 'previous', limit: 6, order: 'value', desc: true},
  // NULL times and NULL values
  {metric: 'ev/count', by: ['region']},
  {metric: 'ev/count', by: ['region'], compare: 'previous'},
  {metric: 'ev/count', by: ['region'], from: '2024-01-01', to: '2024-06-01'},
  {metric: 'ev/avg', by: ['region']},
  {metric: 'ev/avg', by: ['region'], compare: 'previous', grain: 'week'},
  {metric: 'ev/avg', compare: 'year', grain: 'day', from: '2024-02-20', to: '2024-03-10'},
  {metric: 'ev/sum', by: ['region'], compare: 'previous'},
  {metric: 'ev/sum', by: ['region'], order: 'value', limit: 5},
]

describe.skipIf(skip !== null)('the ClickHouse compare and its dimension paths agree with DuckDB', () => {
  let duck: Awaited<ReturnType<DuckDBInstance['connect']>>
  let instance: DuckDBInstance
  let ch: ClickHouseWarehouse

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:')
    duck = await instance.connect()
    await duck.run(`SET TimeZone = 'UTC'`)
    // every 577 minutes for 3,000 rows (Jan 2023 to Apr 2026); region NULL on every 11th row and '' on every 13th
    await duck.run(`CREATE TABLE orders AS SELECT TIMESTAMP '2023-01-01' + INTERVAL (i * 577) MINUTE AS ts,
      CASE WHEN i % 11 = 0 THEN NULL WHEN i % 13 = 0 THEN '' ELSE ['EU', 'US', 'APAC'][1 + i % 3] END AS region,
      ['Web', 'Partner', 'web'][1 + (i * 7) % 3] AS channel, round(((i * 7919) % 1000) / 7.0, 2)::DOUBLE AS amount,
      ['paid', 'refunded', 'paid', 'paid'][1 + i % 4] AS status, 'c' || (i % 97) AS customer, 'only' AS kind FROM range(3000) t(i)`)
    await duck.run(`CREATE TABLE events AS SELECT CASE WHEN i % 17 = 0 THEN NULL ELSE TIMESTAMP '2024-01-01' + INTERVAL (i * 1307) MINUTE END AS ts,
      CASE WHEN i % 17 = 0 THEN 'X' ELSE ['a', 'b'][1 + i % 2] END AS region,
      CASE WHEN i % 2 = 1 AND (i * 1307 / 1440 / 7)::INTEGER % 3 = 0 THEN NULL ELSE (i % 50)::DOUBLE END AS amount FROM range(400) t(i)`)
    const cluster = await sharedCluster()
    await copyToClickHouse(duck, 'orders', cluster, 'compare_once.orders', {ts: 'DateTime', region: 'Nullable(String)', channel: 'String', amount: 'Float64', status: 'String', customer: 'String', kind: 'String'}, 'ts')
    await copyToClickHouse(duck, 'events', cluster, 'compare_once.events', {ts: 'Nullable(DateTime)', region: 'String', amount: 'Nullable(Float64)'}, 'region')
    ch = ClickHouseWarehouse.fromUrl(`clickhouse://127.0.0.1:${cluster.shards[0]!.httpPort}/compare_once`)
  })

  afterAll(() => {
    ch?.close()
    duck?.closeSync()
    instance?.closeSync()
  })

  it('returns the same rows for every request', async () => {
    expect(await differingAnswers(QUERIES, lookup, duck, ch, 2)).toEqual([])
  })
})
