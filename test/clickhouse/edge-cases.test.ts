// The ClickHouse renderer on what the starter pack does not exercise, compared with DuckDB on the
// same rows: NULL dimension values, every aggregate type (median, percentile, last, min, max,
// count distinct), roll-ups (last, avg, min) of snapshot metrics, ratio and derived formulas,
// compare over a leap day, bounds with a time of day and a fraction of a second, a filter value
// full of quotes and backslashes, and a range without data. The table lives in its own database on
// the first server of the run's shared cluster (a MergeTree, no Distributed table).
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

const SNAPSHOT: MetricDefinition = {id: 'revenue/snap', name: 'snap', category: 'revenue', type: 'sum', grain: 'month', time_aggregation: 'last', table_name: 'orders', time_column: 'ts', expression: 'amount', dimensions: ['region']}
const lookup = lookupIn([
  ...DEFS,
  SNAPSHOT,
  {...SNAPSHOT, id: 'revenue/snap_avg', name: 'snap_avg', time_aggregation: 'avg', grain: 'week'},
  {...SNAPSHOT, id: 'revenue/snap_min', name: 'snap_min', time_aggregation: 'min', grain: 'day', type: 'count', expression: undefined},
])

const QUERIES: MetricQuery[] = [
  {metric: 'revenue/total_revenue', grain: 'week', by: ['region'], filters: [{dimension: 'channel', op: 'in', value: ['web', 'partner']}]},
  {metric: 'revenue/total_revenue', by: ['region'], compare: 'previous', from: '2023-03-10', to: '2023-09-01'},
  {metric: 'revenue/total_revenue', grain: 'day', compare: 'year', from: '2024-02-20', to: '2024-03-05', by: ['region']},
  {metric: 'revenue/aov', by: ['region'], from: '2023-01-01', to: '2023-07-01'},
  {metric: 'revenue/scaled', grain: 'year'},
  {metric: 'revenue/net_revenue', by: ['region'], limit: 3},
  {metric: 'revenue/customers', by: ['region'], filters: [{dimension: 'region', op: '!=', value: 'EU'}]},
  {metric: 'revenue/order_count', grain: 'day', limit: 7, by: ['channel'], desc: true},
  {metric: 'revenue/avg_amount', by: ['region']},
  {metric: 'revenue/median_amount', grain: 'quarter'},
  {metric: 'revenue/p90_amount'},
  {metric: 'revenue/min_amount'},
  {metric: 'revenue/max_amount', grain: 'week', from: '2024-01-01'},
  {metric: 'revenue/last_amount'},
  {metric: 'revenue/snap', grain: 'quarter', by: ['region']},
  {metric: 'revenue/snap_avg', grain: 'quarter', by: ['region']},
  {metric: 'revenue/snap_min', by: ['region']},
  {metric: 'revenue/total_revenue', filters: [{dimension: 'channel', op: 'contains', value: 'e'}, {dimension: 'region', op: 'not_in', value: ['US']}], from: '2023-02-15T10:30:00', to: '2023-06-01 12:00:00.5'},
  {metric: 'revenue/total_revenue', filters: [{dimension: 'region', op: '=', value: "x'y\\\n"}]},
  {metric: 'revenue/total_revenue', from: '2030-01-01'},
  {metric: 'revenue/total_revenue', from: '2030-01-01', to: '2030-03-01'},
  // from before the data starts (2023-01-01, a Sunday): no period before it, previous_value NULL
  {metric: 'revenue/total_revenue', by: ['region'], compare: 'previous', from: '2022-11-01', to: '2023-04-01'},
  {metric: 'revenue/total_revenue', grain: 'week', compare: 'year', from: '2023-12-04', to: '2024-01-29'},
  {metric: 'revenue/aov', compare: 'year', from: '2022-10-01', to: '2024-03-01'},
  {metric: 'revenue/snap', grain: 'quarter', compare: 'previous', from: '2022-01-01', to: '2023-07-01'},
  {metric: 'revenue/order_count', grain: 'day', from: '2022-12-25', to: '2023-01-03'},
]

describe.skipIf(skip !== null)('the ClickHouse renderer on edge cases agrees with DuckDB', () => {
  let duck: Awaited<ReturnType<DuckDBInstance['connect']>>
  let instance: DuckDBInstance
  let ch: ClickHouseWarehouse

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:')
    duck = await instance.connect()
    await duck.run(`SET TimeZone = 'UTC'`)
    // every 629 minutes for 3,000 rows (Jan 2023 to Aug 2026); region NULL on every 11th row
    await duck.run(`CREATE TABLE orders AS SELECT TIMESTAMP '2023-01-01' + INTERVAL (i * 629) MINUTE AS ts,
      CASE WHEN i % 11 = 0 THEN NULL ELSE ['EU', 'US', 'APAC'][1 + i % 3] END AS region,
      ['Web', 'Partner', 'web'][1 + (i * 7) % 3] AS channel, round(((i * 7919) % 1000) / 7.0, 2)::DOUBLE AS amount,
      ['paid', 'refunded', 'paid', 'paid'][1 + i % 4] AS status, 'c' || (i % 97) AS customer FROM range(3000) t(i)`)
    const cluster = await sharedCluster()
    await copyToClickHouse(duck, 'orders', cluster, 'edge.orders', {ts: 'DateTime', region: 'Nullable(String)', channel: 'String', amount: 'Float64', status: 'String', customer: 'String'}, 'ts')
    ch = ClickHouseWarehouse.fromUrl(`clickhouse://127.0.0.1:${cluster.shards[0]!.httpPort}/edge`)
  })

  afterAll(() => {
    ch?.close()
    duck?.closeSync()
    instance?.closeSync()
  })

  it('returns the same rows for every request', async () => {
    expect(await differingAnswers(QUERIES, lookup, duck, ch)).toEqual([])
  })

  it('stops a query that runs past the query timeout with QUERY_TIMEOUT', async () => {
    ch.setQueryTimeout(1000)
    try {
      const error = await ch.query('SELECT sleep(2) FROM numbers(2) SETTINGS max_block_size = 1').catch((e: unknown) => e)
      expect(error).toMatchObject({code: 'QUERY_TIMEOUT', message: expect.stringMatching(/^the query ran longer than 1 s and was stopped/)})
    } finally {
      ch.setQueryTimeout(undefined)
    }
    // and the server (shared with other test files) is still there
    expect((await ch.query('SELECT 1 AS one')).rows).toEqual([{one: 1}])
  })
})
