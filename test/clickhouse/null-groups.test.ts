// A group whose values are all NULL: DuckDB's sum and count(DISTINCT) give NULL / 0 there and the
// compiler reads a zero-filled measure (sum, count, count_distinct) as 0; ClickHouse's sum and
// uniqExact of only NULLs are NULL, which must read as 0 too, or a derived metric built on it
// turns NULL where DuckDB has a number.
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import type {MetricQuery} from '../../src/query/types.js'
import {tempDir} from '../helpers.js'
import {type ClickHouseCluster, clickhouseAvailable} from './cluster.js'
import {sharedCluster} from './shared-cluster.js'

const skip = clickhouseAvailable()
if (skip) console.warn(skip)

describe.skipIf(skip !== null)('a group whose values are all NULL, on DuckDB and ClickHouse', () => {
  const tmp = tempDir()
  let cluster: ClickHouseCluster | undefined
  let duck: Catalog
  let ch: Catalog

  beforeAll(async () => {
    const file = path.join(tmp.dir, 'nulls.duckdb')
    const setup = await openCatalog({db: file, create: true})
    try {
      await setup.db.run(`CREATE TABLE ev AS SELECT * FROM (VALUES
        (TIMESTAMP '2025-01-01 10:00:00', 'EU', 10.0::DOUBLE, 'u1'),
        (TIMESTAMP '2025-01-01 11:00:00', 'US', NULL::DOUBLE, NULL::VARCHAR),
        (TIMESTAMP '2025-01-02 10:00:00', 'US', 5.0::DOUBLE, 'u2')) AS v(ts, region, amount, user_id)`)
      const base = {category: 'ev', table: 'ev', time_column: 'ts', dimensions: ['region']}
      await setup.putMetric({...base, name: 'total', type: 'sum', expression: 'amount'})
      await setup.putMetric({...base, name: 'users', type: 'count_distinct', expression: 'user_id'})
      await setup.putMetric({name: 'scaled', category: 'ev', type: 'derived', formula: 'ev/total * 2 + 1', dimensions: ['region']})
    } finally {
      setup.close()
    }
    // its own database on the run's shared cluster (both shards: the NULL row and the others may sit on different servers)
    cluster = await (await sharedCluster()).addDatabase({database: 'null_groups', duckdb: file})
    duck = await openCatalog({db: file, readOnly: true})
    ch = await openCatalog({db: file, readOnly: true, warehouse: cluster.url})
  })

  afterAll(async () => {
    duck?.close()
    ch?.close()
    tmp.cleanup()
  })

  const us = (rows: Record<string, unknown>[]) => rows.find((r) => r.period === '2025-01-01' && r.region === 'US')

  it.each([
    ['ev/total', 0],
    ['ev/users', 0],
    ['ev/scaled', 1],
  ])('%s is %d for US on 2025-01-01 on both engines', async (metric, expected) => {
    const q: MetricQuery = {metric, grain: 'day', by: ['region']}
    const [a, b] = await Promise.all([duck.queryMetric(q), ch.queryMetric(q)])
    expect(us(a.rows)?.value).toBe(expected)
    expect(us(b.rows)?.value).toBe(expected)
  })

  it('says a --where value of another type than its column may be the cause, naming the dimension', async () => {
    const error = await ch.queryMetric({metric: 'ev/total', filters: [{dimension: 'region', op: '=', value: 5}]}).catch((e: Error) => e)
    expect((error as Error).message).toMatch(/^query of ev\/total failed: ClickHouse error \d+: .*; or a --where value on region is not of its column's type/)
    expect((error as Error).message).not.toContain('\n')
  })

  it('keeps that 0 in a top-N by value', async () => {
    const q: MetricQuery = {metric: 'ev/total', grain: 'day', by: ['region'], order: 'value', limit: 2}
    const [a, b] = await Promise.all([duck.queryMetric(q), ch.queryMetric(q)])
    expect(b.rows).toEqual(a.rows)
    expect(a.rows.map((r) => [r.period, r.region, r.value])).toEqual([
      ['2025-01-01', 'US', 0],
      ['2025-01-02', 'EU', 0],
    ])
  })
})
