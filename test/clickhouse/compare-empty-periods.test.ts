// --compare on ClickHouse for a metric whose empty periods are empty (max, avg, ...), not 0: a
// period without rows keeps value NULL (and growth NULL) when the period before it has a value,
// and a period after an empty one keeps previous_value NULL, as on DuckDB. 18.16's anyIf over a
// Nullable column answered 0 there (another row of the group, not matching the condition, had a
// value): value 0 and growth -100 %, exit 0.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {MetricDefinition} from '../../src/catalog/types.js'
import {compileMetricQuery} from '../../src/query/index.js'
import type {MetricQuery} from '../../src/query/types.js'
import {clickhouseAvailable} from './cluster.js'
import {differingAnswers, tableOnBoth} from './same-answers.js'

const skip = clickhouseAvailable()
if (skip) console.warn(skip)

const BASE = {category: 'shop', table_name: 'gap_orders', time_column: 'ts', dimensions: ['channel']}
const DEFS: MetricDefinition[] = [
  {...BASE, id: 'shop/biggest', name: 'biggest', type: 'max', expression: 'amount'},
  {...BASE, id: 'shop/average', name: 'average', type: 'avg', expression: 'amount'},
  {...BASE, id: 'shop/total', name: 'total', type: 'sum', expression: 'amount'},
]
const lookup = (id: string) => DEFS.find((d) => d.id === id)

const QUERIES: MetricQuery[] = [
  {metric: 'shop/biggest', grain: 'day', from: '2026-01-01', to: '2026-01-06', compare: 'previous'},
  {metric: 'shop/biggest', grain: 'day', by: ['channel'], from: '2026-01-01', to: '2026-01-06', compare: 'previous'},
  {metric: 'shop/biggest', grain: 'day', by: ['channel'], compare: 'previous'},
  {metric: 'shop/average', grain: 'day', by: ['channel'], from: '2026-01-01', compare: 'previous'},
  {metric: 'shop/total', grain: 'day', by: ['channel'], from: '2026-01-01', compare: 'previous'},
]

describe.skipIf(skip !== null)('--compare over empty periods of a max or avg metric, on ClickHouse', () => {
  let both: Awaited<ReturnType<typeof tableOnBoth>>

  beforeAll(async () => {
    // fax: days 1, 3 and 4 (none on the 2nd, nor on the 5th, the data's last day)
    both = await tableOnBoth('gap_orders', `CREATE TABLE gap_orders AS SELECT * FROM (VALUES
      (TIMESTAMP '2026-01-01 08:00:00', 'fax', 5.0), (TIMESTAMP '2026-01-03 09:00:00', 'fax', 7.0), (TIMESTAMP '2026-01-04 10:00:00', 'fax', 2.0),
      (TIMESTAMP '2026-01-01 11:00:00', 'web', 10.0), (TIMESTAMP '2026-01-02 12:00:00', 'web', 20.0), (TIMESTAMP '2026-01-05 13:00:00', 'web', 30.0)
    ) AS t(ts, channel, amount)`, 'gaps', {ts: 'DateTime', channel: 'String', amount: 'Float64'}, 'ts')
  })

  afterAll(() => both?.close())

  it('leaves an empty period and the previous value of the period after it NULL', async () => {
    const rows = (await both.ch.query(compileMetricQuery(QUERIES[1]!, lookup, {dialect: 'clickhouse'}).sql)).rows
    const fax = rows.filter((r) => r.channel === 'fax').map((r) => [r.period, r.value, r.previous_value, r.growth_pct])
    expect(fax).toEqual([
      ['2026-01-01', 5, null, null],
      ['2026-01-02', null, 5, null],
      ['2026-01-03', 7, null, null],
      ['2026-01-04', 2, 7, -71.42857142857143],
      ['2026-01-05', null, 2, null],
    ])
  })

  it('returns the same rows as DuckDB for every request', async () => {
    expect(await differingAnswers(QUERIES, lookup, both.duck, both.ch)).toEqual([])
  })
})
