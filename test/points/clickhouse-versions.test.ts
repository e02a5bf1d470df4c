import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {ingestPoints, queryPoints} from '../../src/core/points.js'
import {ingestInput} from '../../src/points/ingest.js'
import {type ClickHouseCluster, clickhouseAvailable} from '../clickhouse/cluster.js'
import {sharedCluster} from '../clickhouse/shared-cluster.js'
import {newCatalog, tempDir} from '../helpers.js'

// Points on ClickHouse keep, per key, the row with the highest `version`. Versions come from the
// clock; another writer whose clock runs ahead (or this machine's clock stepped back) must not make
// a later write lose to an earlier one: a re-sent point always supersedes what is stored.

const skip = clickhouseAvailable()
if (skip) console.warn(skip)

const HOUR_US = 3_600_000_000

describe.skipIf(skip !== null)('points on ClickHouse: a later write wins whatever the clocks say', () => {
  let cluster: ClickHouseCluster
  let ch: Catalog
  const {dir, cleanup} = tempDir('metricat-ch-versions-')

  beforeAll(async () => {
    // a database of its own on the run's shared cluster; the points store talks to its first server
    cluster = await (await sharedCluster()).addDatabase({database: 'points_versions'})
    await newCatalog(dir, 'ch.duckdb').then((c) => c.close())
    ch = await openCatalog({db: `${dir}/ch.duckdb`, points: cluster.url})
  })
  afterAll(async () => {
    ch?.close()
    cleanup()
  })

  /** Rewrites the stored rows of `key` with versions an hour ahead: what a writer with a fast clock leaves. */
  const aheadOfUs = async (key: string) => {
    const columns = 'metric_key, data_source_id, entity_kind, entity_id, granularity, date_us, dimensions, dim_keys, dim_values, value, connector_key, source_kind, deleted, updated_at'
    await cluster.exec(`INSERT INTO metric_points (${columns}, version) SELECT ${columns}, version + ${HOUR_US} FROM metric_points FINAL WHERE metric_key = '${key}'`)
  }
  const values = async (key: string) => (await queryPoints(ch, {key, bucket: 'day', agg: 'sum'})).rows.map((r) => [r.period, r.value])

  it('an update of a point stored with a higher version', async () => {
    await ingestPoints(ch, {points: [{metricKey: 'skew', date: '2026-01-01', value: 1}, {metricKey: 'skew', date: '2026-01-02', value: 10}]})
    await aheadOfUs('skew')
    const result = await ingestPoints(ch, {points: [{metricKey: 'skew', date: '2026-01-01', value: 2}]})
    expect(result.updated).toBe(1)
    expect(await values('skew')).toEqual([
      ['2026-01-01', 2],
      ['2026-01-02', 10],
    ])
  })

  it('a point sent again after its tombstone, which carries a higher version', async () => {
    await ingestPoints(ch, {points: [{metricKey: 'gone', date: '2026-01-01', value: 5, dataSourceId: 'snap'}, {metricKey: 'gone', date: '2026-01-02', value: 6, dataSourceId: 'snap'}]})
    // a snapshot of the source without the second point tombstones it
    await ingestInput(ch.db, {points: [{metricKey: 'gone', date: '2026-01-01', value: 5, dataSourceId: 'snap'}]}, {store: ch.pointsStore, replaceSource: 'snap'})
    expect(await values('gone')).toEqual([['2026-01-01', 5]])
    await aheadOfUs('gone')
    await ingestPoints(ch, {points: [{metricKey: 'gone', date: '2026-01-02', value: 7, dataSourceId: 'snap'}]})
    expect(await values('gone')).toEqual([
      ['2026-01-01', 5],
      ['2026-01-02', 7],
    ])
  })
})
