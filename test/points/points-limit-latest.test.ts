// `metricat points KEY --limit N` (and `limit` of a points query over HTTP and MCP, the same core
// call): the latest N buckets, every row of each, oldest first, as `query --limit` keeps the latest
// periods of a metric; it kept the first N rows in order, the oldest buckets, with exit 0. With
// `--bucket none` there are no buckets: at most N rows. (ClickHouse: the differential queries of
// test/points/clickhouse-points.test.ts include a limit by region.)
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {ingestPoints, queryPoints} from '../../src/core/points.js'
import {newCatalog, runCommand, tempDir} from '../helpers.js'

describe('a points query with a limit', () => {
  const tmp = tempDir('metricat-points-limit-')
  let catalog: Catalog

  beforeAll(async () => {
    catalog = await newCatalog(tmp.dir)
    const point = (date: string, value: number, region: string) => ({metricKey: 'signups', date, value, dimensions: {region}})
    await ingestPoints(catalog, {
      points: [point('2025-01-01', 1, 'EU'), point('2025-01-02', 2, 'EU'), point('2025-01-02', 20, 'NA'), point('2025-01-03', 3, 'EU'), point('2025-01-04', 40, 'NA'), point('2025-01-05', 5, 'EU')],
    })
  })

  afterAll(() => {
    catalog.close()
    tmp.cleanup()
  })

  it('keeps the latest buckets, oldest first', async () => {
    expect((await queryPoints(catalog, {key: 'signups', bucket: 'day', limit: 2})).rows).toEqual([
      {period: '2025-01-04', value: 40},
      {period: '2025-01-05', value: 5},
    ])
  })

  it('keeps every row of each of the latest buckets when split by a dimension', async () => {
    expect((await queryPoints(catalog, {key: 'signups', bucket: 'day', by: ['region'], limit: 2})).rows).toEqual([
      {period: '2025-01-04', region: 'EU', value: 0},
      {period: '2025-01-04', region: 'NA', value: 40},
      {period: '2025-01-05', region: 'EU', value: 5},
      {period: '2025-01-05', region: 'NA', value: 0},
    ])
  })

  it('keeps the latest buckets inside --from/--to', async () => {
    expect((await queryPoints(catalog, {key: 'signups', bucket: 'day', from: '2025-01-01', to: '2025-01-04', limit: 2})).rows).toEqual([
      {period: '2025-01-02', value: 22},
      {period: '2025-01-03', value: 3},
    ])
  })

  it('keeps at most N rows without buckets', async () => {
    expect((await queryPoints(catalog, {key: 'signups', bucket: 'none', by: ['region'], limit: 1})).rows).toEqual([{region: 'EU', value: 11}])
  })

  it('is what `metricat points --limit` prints', async () => {
    const {code, stdout} = await runCommand(['points', 'signups', '--bucket', 'day', '--limit', '3', '--json', '--db', path.join(tmp.dir, 'test.duckdb')])
    expect(code).toBe(0)
    expect(JSON.parse(stdout).rows.map((r: {period: string}) => r.period)).toEqual(['2025-01-03', '2025-01-04', '2025-01-05'])
  })
})
