// A BOOLEAN column as a dimension and in filters, on DuckDB and on ClickHouse, where a boolean is
// stored as UInt8 (18.16 has no Bool type; the test cluster copies BOOLEAN as UInt8 0/1): the same
// numbers on both engines; the dimension's values are what each column holds (false/true, 0/1), and
// a text filter value that ClickHouse cannot compare with UInt8 is an error, not other rows.
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import type {MetricQuery} from '../../src/query/types.js'
import {tempDir} from '../helpers.js'
import {type ClickHouseCluster, clickhouseAvailable} from './cluster.js'
import {sharedCluster} from './shared-cluster.js'

const skip = clickhouseAvailable()
if (skip) console.warn(skip)

describe.skipIf(skip !== null)('a BOOLEAN dimension on DuckDB and ClickHouse', () => {
  const tmp = tempDir()
  let cluster: ClickHouseCluster | undefined
  let duck: Catalog
  let ch: Catalog

  beforeAll(async () => {
    const file = path.join(tmp.dir, 'flags.duckdb')
    const setup = await openCatalog({db: file, create: true})
    try {
      await setup.db.run(`CREATE TABLE ev AS SELECT * FROM (VALUES
        (TIMESTAMP '2025-01-01 10:00:00', true, 10.0::DOUBLE),
        (TIMESTAMP '2025-01-01 11:00:00', false, 1.0::DOUBLE),
        (TIMESTAMP '2025-01-02 10:00:00', false, 5.0::DOUBLE),
        (TIMESTAMP '2025-01-02 12:00:00', true, 7.0::DOUBLE)) AS v(ts, internal, amount)`)
      await setup.putMetric({category: 'ev', name: 'total', table: 'ev', time_column: 'ts', dimensions: ['internal'], type: 'sum', expression: 'amount'})
    } finally {
      setup.close()
    }
    // a database of its own on the run's shared cluster
    cluster = await (await sharedCluster()).addDatabase({database: 'boolean_dimensions', duckdb: file})
    duck = await openCatalog({db: file, readOnly: true})
    ch = await openCatalog({db: file, readOnly: true, warehouse: cluster.url})
  })

  afterAll(async () => {
    duck?.close()
    ch?.close()
    tmp.cleanup()
  })

  const both = async (q: MetricQuery) => {
    const [a, b] = await Promise.all([duck.queryMetric(q), ch.queryMetric(q)])
    return {a: a.rows.map((r) => ({...r})), b: b.rows.map((r) => ({...r}))}
  }

  it('splits by it with the same numbers; ClickHouse names the values 0 and 1 (its column is UInt8)', async () => {
    const {a, b} = await both({metric: 'ev/total', grain: 'day', by: ['internal']})
    expect(a.map((r) => [r.period, r.internal, r.value])).toEqual([
      ['2025-01-01', false, 1],
      ['2025-01-01', true, 10],
      ['2025-01-02', false, 5],
      ['2025-01-02', true, 7],
    ])
    expect(b).toEqual(a.map((r) => ({...r, internal: r.internal ? 1 : 0})))
  })

  it.each([
    ['=', true, [10, 7]],
    ['!=', true, [1, 5]],
    ['=', false, [1, 5]],
    ['=', 1, [10, 7]],
  ] as const)('filters %s %j (JSON) to the same rows', async (op, value, expected) => {
    const {a, b} = await both({metric: 'ev/total', grain: 'day', filters: [{dimension: 'internal', op, value}]})
    expect(a.map((r) => r.value)).toEqual(expected)
    expect(b).toEqual(a)
  })

  it.each([['true'], ['1']])('a text value (--where internal=%s) is an error on ClickHouse naming the dimension, never other rows', async (value) => {
    expect((await duck.queryMetric({metric: 'ev/total', grain: 'day', filters: [{dimension: 'internal', op: '=', value}]})).rows.map((r) => r.value)).toEqual([10, 7])
    const error = await ch.queryMetric({metric: 'ev/total', grain: 'day', filters: [{dimension: 'internal', op: '=', value}]}).catch((e: Error) => e)
    expect((error as Error).message).toMatch(/^query of ev\/total failed: ClickHouse error \d+: .*a --where value on internal is not of its column's type/)
  })
})
