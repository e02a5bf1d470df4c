// metricat reads every time in UTC, whatever the time zone of the ClickHouse server: periods,
// --from/--to bounds, data_through and partial are the same as on DuckDB with a server in
// America/New_York, for table metrics (TIMESTAMP and DATE time columns) and for points_key
// metrics computed on a ClickHouse points store. The rows sit next to UTC midnight, where a
// server-zone reading moves them to another day, week or month.
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {ingestPoints} from '../../src/core/points.js'
import type {MetricQuery} from '../../src/query/types.js'
import {tempDir} from '../helpers.js'
import {type ClickHouseCluster, clickhouseAvailable, startCluster} from './cluster.js'

const skip = clickhouseAvailable()
if (skip) console.warn(skip)

const TIMES = [
  '2025-01-05 23:30:00', // Sunday in UTC, Sunday 18:30 in New York
  '2025-01-06 00:30:00', // Monday in UTC, still Sunday in New York
  '2025-01-06 03:00:00',
  '2025-01-06 04:59:59',
  '2025-01-07 02:00:00',
  '2025-01-31 23:59:59',
  '2025-02-01 00:00:01', // February in UTC, January in New York
  '2025-02-01 04:00:00',
]

describe.skipIf(skip !== null)('a ClickHouse server outside UTC', () => {
  const tmp = tempDir()
  let cluster: ClickHouseCluster | undefined
  let duck: Catalog
  let ch: Catalog
  let filePoints: Catalog
  let chPoints: Catalog

  beforeAll(async () => {
    const file = path.join(tmp.dir, 'tz.duckdb')
    const setup = await openCatalog({db: file, create: true})
    try {
      const values = TIMES.map((t, i) => `(TIMESTAMP '${t}', DATE '${t.slice(0, 10)}', '${i % 2 ? 'EU' : 'US'}', ${i + 1}.0::DOUBLE)`).join(',\n')
      await setup.db.run(`CREATE TABLE ev AS SELECT * FROM (VALUES ${values}) AS v(ts, d, region, amount)`)
      const base = {category: 'tz', table: 'ev', dimensions: ['region']}
      await setup.putMetric({...base, name: 'events', type: 'count', time_column: 'ts'})
      await setup.putMetric({...base, name: 'amount_by_date', type: 'sum', expression: 'amount', time_column: 'd'})
      await setup.putMetric({name: 'hits', category: 'pt', type: 'sum', points_key: 'hits'})
    } finally {
      setup.close()
    }
    cluster = await startCluster({duckdb: file, shards: 1, timezone: 'America/New_York'})
    duck = await openCatalog({db: file, readOnly: true})
    ch = await openCatalog({db: file, readOnly: true, warehouse: cluster.url})

    // the same points in a file and in the ClickHouse points store
    const points = TIMES.map((t, i) => ({metricKey: 'hits', date: `${t.replace(' ', 'T')}Z`, value: i + 1}))
    const copy = (name: string) => path.join(tmp.dir, name)
    const {copyFileSync} = await import('node:fs')
    copyFileSync(file, copy('file-points.duckdb'))
    copyFileSync(file, copy('ch-points.duckdb'))
    filePoints = await openCatalog({db: copy('file-points.duckdb')})
    chPoints = await openCatalog({db: copy('ch-points.duckdb'), points: cluster.url})
    await ingestPoints(filePoints, {points})
    await ingestPoints(chPoints, {points})
  })

  afterAll(async () => {
    for (const c of [duck, ch, filePoints, chPoints]) c?.close()
    await cluster?.stop()
    tmp.cleanup()
  })

  const requests: [string, MetricQuery][] = [
    ['days', {metric: 'tz/events', grain: 'day'}],
    ['days from a time of day', {metric: 'tz/events', grain: 'day', from: '2025-01-05 12:00:00', to: '2025-01-07'}],
    ['ISO weeks by region', {metric: 'tz/events', grain: 'week', by: ['region']}],
    ['months', {metric: 'tz/events', grain: 'month'}],
    ['days to a time of day, compared', {metric: 'tz/events', grain: 'day', from: '2025-01-06', to: '2025-02-01 02:00:00', compare: 'previous'}],
    ['a DATE time column by month', {metric: 'tz/amount_by_date', grain: 'month', by: ['region']}],
    ['a DATE time column by day from a date', {metric: 'tz/amount_by_date', grain: 'day', from: '2025-01-06', to: '2025-02-01'}],
  ]

  it.each(requests)('%s: the same rows, data_through and partial as on DuckDB', async (_name, q) => {
    const [a, b] = await Promise.all([duck.queryMetric(q), ch.queryMetric(q)])
    expect(a.rows.length).toBeGreaterThan(0)
    expect(b.rows).toEqual(a.rows)
    expect(b.data_through).toBe(a.data_through)
  })

  it.each([
    ['days', {metric: 'pt/hits', grain: 'day'}],
    ['days from a date', {metric: 'pt/hits', grain: 'day', from: '2025-01-06', to: '2025-01-08'}],
    ['weeks', {metric: 'pt/hits', grain: 'week'}],
    ['months', {metric: 'pt/hits', grain: 'month'}],
  ] as [string, MetricQuery][])('a points_key metric, %s: the same rows from the ClickHouse points store as from the file', async (_name, q) => {
    const [a, b] = await Promise.all([filePoints.queryMetric(q), chPoints.queryMetric(q)])
    expect(a.rows.length).toBeGreaterThan(0)
    expect(b.rows).toEqual(a.rows)
    expect(b.data_through).toBe(a.data_through)
  })
})
