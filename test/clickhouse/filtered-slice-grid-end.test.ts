// Without --to the period grid runs to the period the metric's data ends in, also for a filtered
// slice whose rows stop earlier (test/query/filtered-slice-grid-end.test.ts): the ClickHouse
// renderer gives the same rows as DuckDB's on the same table.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {MetricDefinition} from '../../src/catalog/types.js'
import {compileMetricQuery} from '../../src/query/index.js'
import type {MetricQuery} from '../../src/query/types.js'
import {clickhouseAvailable} from './cluster.js'
import {differingAnswers, tableOnBoth} from './same-answers.js'

const skip = clickhouseAvailable()
if (skip) console.warn(skip)

const ORDERS: MetricDefinition = {id: 'shop/orders', name: 'orders', category: 'shop', type: 'count', grain: 'month', table_name: 'slice_orders', time_column: 'ts', dimensions: ['channel']}
const DEFS: MetricDefinition[] = [
  ORDERS,
  {...ORDERS, id: 'shop/biggest', name: 'biggest', type: 'max', expression: 'amount'},
  {...ORDERS, id: 'shop/share', name: 'share', type: 'ratio', table_name: undefined, tables: ['slice_orders'], time_column: undefined, numerator: 'shop/orders', denominator: 'shop/orders'},
]
const lookup = (id: string) => DEFS.find((d) => d.id === id)

const fax = [{dimension: 'channel', op: '=' as const, value: 'fax'}]
const QUERIES: MetricQuery[] = [
  {metric: 'shop/orders', filters: fax, from: '2026-01-01'},
  {metric: 'shop/orders', filters: fax},
  {metric: 'shop/orders', filters: fax, limit: 1},
  {metric: 'shop/orders', filters: fax, limit: 2, compare: 'previous'},
  {metric: 'shop/orders', filters: fax, grain: 'week', from: '2026-01-26'},
  {metric: 'shop/biggest', filters: fax, from: '2026-01-01'},
  {metric: 'shop/share', filters: fax},
  {metric: 'shop/orders', by: ['channel'], from: '2026-02-01'},
]

describe.skipIf(skip !== null)('a filtered slice whose rows stop early, on ClickHouse', () => {
  let both: Awaited<ReturnType<typeof tableOnBoth>>

  beforeAll(async () => {
    both = await tableOnBoth('slice_orders', `CREATE TABLE slice_orders AS SELECT * FROM (VALUES
      (TIMESTAMP '2026-01-10 08:00:00', 'fax', 5.0), (TIMESTAMP '2026-02-03 09:00:00', 'fax', 7.0), (TIMESTAMP '2026-02-04 10:00:00', 'fax', 1.0),
      (TIMESTAMP '2026-01-05 11:00:00', 'web', 10.0), (TIMESTAMP '2026-03-07 12:00:00', 'web', 20.0), (TIMESTAMP '2026-04-09 13:00:00', 'web', 30.0)
    ) AS t(ts, channel, amount)`, 'slice', {ts: 'DateTime', channel: 'String', amount: 'Float64'}, 'ts')
  })

  afterAll(() => both?.close())

  it('fills the slice with 0 up to the data end on ClickHouse', async () => {
    const rows = (await both.ch.query(compileMetricQuery(QUERIES[0]!, lookup, {dialect: 'clickhouse'}).sql)).rows.map((r) => [r.period, Number(r.value)])
    expect(rows).toEqual([['2026-01-01', 1], ['2026-02-01', 2], ['2026-03-01', 0], ['2026-04-01', 0]])
  })

  it('returns the same rows as DuckDB for every request', async () => {
    expect(await differingAnswers(QUERIES, lookup, both.duck, both.ch)).toEqual([])
  })
})
