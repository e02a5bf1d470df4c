// A --where slice with no rows at all, with --from and without --to: the grid runs from --from to
// the period the metric's data ends in (zeros for a count), as it does with --to and as DuckDB
// answers; ClickHouse answered no rows (its grid was gated on the slice having rows).
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {MetricDefinition} from '../../src/catalog/types.js'
import {compileMetricQuery} from '../../src/query/index.js'
import type {MetricQuery} from '../../src/query/types.js'
import {clickhouseAvailable} from './cluster.js'
import {differingAnswers, tableOnBoth} from './same-answers.js'

const skip = clickhouseAvailable()
if (skip) console.warn(skip)

const ORDERS: MetricDefinition = {id: 'shop/orders', name: 'orders', category: 'shop', type: 'count', grain: 'month', table_name: 'empty_slice_orders', time_column: 'ts', dimensions: ['channel']}
const DEFS: MetricDefinition[] = [ORDERS, {...ORDERS, id: 'shop/biggest', name: 'biggest', type: 'max', expression: 'amount'}]
const lookup = (id: string) => DEFS.find((d) => d.id === id)

const mail = [{dimension: 'channel', op: '=' as const, value: 'mail'}]
const QUERIES: MetricQuery[] = [
  {metric: 'shop/orders', filters: mail, from: '2026-02-01'},
  {metric: 'shop/orders', filters: mail, from: '2026-02-01', to: '2026-05-01'},
  {metric: 'shop/orders', filters: mail, from: '2026-02-01', limit: 2},
  {metric: 'shop/orders', filters: mail, from: '2026-02-01', grain: 'week'},
  {metric: 'shop/biggest', filters: mail, from: '2026-02-01'},
  {metric: 'shop/orders', filters: mail},
]

describe.skipIf(skip !== null)('a filtered slice with no rows, --from without --to, on ClickHouse', () => {
  let both: Awaited<ReturnType<typeof tableOnBoth>>

  beforeAll(async () => {
    both = await tableOnBoth('empty_slice_orders', `CREATE TABLE empty_slice_orders AS SELECT * FROM (VALUES
      (TIMESTAMP '2026-01-10 08:00:00', 'fax', 5.0), (TIMESTAMP '2026-03-07 12:00:00', 'web', 20.0), (TIMESTAMP '2026-04-09 13:00:00', 'web', 30.0)
    ) AS t(ts, channel, amount)`, 'emptyslice', {ts: 'DateTime', channel: 'String', amount: 'Float64'}, 'ts')
  })

  afterAll(() => both?.close())

  it('fills the periods from --from to the data end with 0, as with --to', async () => {
    const rows = (await both.ch.query(compileMetricQuery(QUERIES[0]!, lookup, {dialect: 'clickhouse'}).sql)).rows.map((r) => [r.period, Number(r.value)])
    expect(rows).toEqual([['2026-02-01', 0], ['2026-03-01', 0], ['2026-04-01', 0]])
  })

  it('returns the same rows as DuckDB for every request', async () => {
    expect(await differingAnswers(QUERIES, lookup, both.duck, both.ch)).toEqual([])
  })
})
