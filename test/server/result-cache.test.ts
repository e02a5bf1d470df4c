import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi} from 'vitest'

import {openCatalog} from '../../src/core/catalog.js'
import {ingestPoints, removeDataSource, addDataSource} from '../../src/core/points.js'
import {TokenStore} from '../../src/core/tokens.js'
import {ResultCache} from '../../src/core/result-cache.js'
import {refreshRollups} from '../../src/core/rollups.js'
import {loadTable} from '../../src/core/warehouse.js'
import {closeDiscarding} from '../helpers.js'
import {type DemoSetup, requester, setupDemo, type Requester} from './helpers.js'

// The result cache of `serve`: keyed by request and data version, invalidated by every write path.

let s: DemoSetup
let cache: ResultCache
let call: Requester

const revenue = () => call('POST', '/api/metrics/revenue/total_revenue/query', {token: s.token.analyst, body: {grain: 'month', by: ['region'], limit: 3}})
const players = () => call('POST', '/api/metrics/points/query', {token: s.token.analyst, body: {key: 'c.hits', bucket: 'none'}})

describe('result cache', () => {
  describe('on requests that write nothing', () => {
    // one database for these tests (a new cache each)
    beforeAll(async () => {
      s = await setupDemo()
    })
    afterAll(() => s.cleanup())
    beforeEach(() => {
      cache = new ResultCache(60_000, 10 * 1024 * 1024)
      call = requester(s.catalog, {tokens: s.tokens, cache})
    })

    it('answers a repeated query from the cache with cached: true and counts it', async () => {
      const first = await revenue()
      expect(first.status).toBe(200)
      expect(first.body.cached).toBe(false)
      const second = await revenue()
      expect(second.body.cached).toBe(true)
      const {cached: _a, ...a} = first.body
      const {cached: _b, ...b} = second.body
      expect(b).toEqual(a)
      const stats = await call('GET', '/api/cache/stats', {token: s.token.analyst})
      expect(stats.body).toMatchObject({hits: 1, misses: 1, entries: 1})
      expect(stats.body.bytes).toBeGreaterThan(100)
    })

    it('keys by the request: another grain, filter or spelling of an option is its own entry', async () => {
      await revenue()
      const other = await call('POST', '/api/metrics/revenue/total_revenue/query', {token: s.token.analyst, body: {grain: 'quarter', by: ['region'], limit: 3}})
      expect(other.body.cached).toBe(false)
      // the same request with keys in another order is the same entry
      const reordered = await call('POST', '/api/metrics/revenue/total_revenue/query', {token: s.token.analyst, body: {limit: 3, by: ['region'], grain: 'month'}})
      expect(reordered.body.cached).toBe(true)
    })

    it('keys a relative range by the day: tomorrow "last 3 months" is another request', async () => {
      const q = () => call('POST', '/api/metrics/revenue/total_revenue/query', {token: s.token.analyst, body: {grain: 'month', range: 'last 3 months'}})
      vi.useFakeTimers({toFake: ['Date']})
      try {
        vi.setSystemTime(new Date('2026-11-30T23:59:00Z'))
        expect((await q()).body.cached).toBe(false)
        expect((await q()).body.cached).toBe(true)
        vi.setSystemTime(new Date('2026-12-01T00:00:30Z'))
        expect((await q()).body.cached).toBe(false)
      } finally {
        vi.useRealTimers()
      }
    })

    it('POST /api/admin/cache/clear empties it (admin only)', async () => {
      await revenue()
      expect((await call('POST', '/api/admin/cache/clear', {token: s.token.analyst})).status).toBe(403)
      const cleared = await call('POST', '/api/admin/cache/clear', {token: s.token.admin})
      expect(cleared.body).toEqual({cleared: 1})
      expect((await revenue()).body.cached).toBe(false)
    })

    it('without a cache every result says cached: false', async () => {
      const plain = requester(s.catalog, {tokens: s.tokens})
      const r = await plain('POST', '/api/metrics/revenue/total_revenue/query', {token: s.token.analyst, body: {grain: 'month'}})
      expect(r.body.cached).toBe(false)
      expect((await plain('POST', '/api/metrics/revenue/total_revenue/query', {token: s.token.analyst, body: {grain: 'month'}})).body.cached).toBe(false)
    })
  })

  describe('invalidation, by every write path', () => {
    beforeEach(async () => {
      s = await setupDemo()
      cache = new ResultCache(60_000, 10 * 1024 * 1024)
      call = requester(s.catalog, {tokens: s.tokens, cache})
    })
    afterEach(async () => {
      // a test may have reopened the catalog (s.catalog); cleanup closes the one it opened
      await closeDiscarding(s.catalog)
      s.cleanup()
    })

    it('is invalidated by a definition put (any metric: derived metrics read others)', async () => {
      await revenue()
      const current = (await call('GET', '/api/metrics/sales/pipeline_value', {token: s.token.admin})).body
      const put = await call('PATCH', '/api/admin/metrics/sales/pipeline_value', {token: s.token.admin, body: {description: `${current.description} (edited)`}})
      expect(put.status).toBe(200)
      expect((await revenue()).body.cached).toBe(false)
    })

    it('is invalidated by an import and by a delete', async () => {
      await revenue()
      const yaml = 'name: cache_probe\ntype: count\ntable: orders\ntime_column: ordered_at\nexpression: "*"\n'
      const imported = await call('POST', '/api/admin/import?category=ops', {token: s.token.admin, raw: yaml, headers: {'content-type': 'application/yaml'}})
      expect(imported.status).toBe(200)
      expect((await revenue()).body.cached).toBe(false)
      expect((await revenue()).body.cached).toBe(true)
      expect((await call('DELETE', '/api/admin/metrics/ops/cache_probe', {token: s.token.admin})).status).toBe(200)
      expect((await revenue()).body.cached).toBe(false)
    })

    it('is invalidated by a load into the table the metric reads, and not by a load into another', async () => {
      const file = path.join(s.dir, 'more.csv')
      writeFileSync(file, 'order_id,ordered_at,amount,status,region,channel\n999999,2026-12-01 10:00:00,1000000,completed,EU,web\n')
      // load reads a file: the catalog is opened allowing it, as `metricat load` does
      s.catalog.close()
      const catalog = await openCatalog({db: s.db, readFiles: [file]})
      s.catalog = catalog
      call = requester(catalog, {tokens: new TokenStore(catalog.db), cache})
      await revenue()
      await loadTable(s.catalog, 'unrelated', file)
      expect((await revenue()).body.cached).toBe(true)
      // a commit the server is not told about, as another process's would be: seen through the stored version
      const before = (await revenue()).body.rows
      await loadTable(s.catalog, 'orders', file)
      const after = await revenue()
      expect(after.body.cached).toBe(false)
      expect(after.body.rows).not.toEqual(before)
    })

    it('is invalidated by an ingest of the key a points query reads, not of another key', async () => {
      await ingestPoints(s.catalog, {points: [{metricKey: 'c.hits', date: '2026-01-01', value: 1}]})
      expect((await players()).body).toMatchObject({cached: false, rows: [{value: 1}]})
      expect((await players()).body.cached).toBe(true)
      await ingestPoints(s.catalog, {points: [{metricKey: 'other', date: '2026-01-01', value: 1}]})
      expect((await players()).body.cached).toBe(true)
      const ingested = await call('POST', '/api/metrics/ingest', {token: s.token.service, body: {points: [{metricKey: 'c.hits', date: '2026-01-02', value: 2, op: 'increment'}]}})
      expect(ingested.status).toBe(200)
      expect((await players()).body).toMatchObject({cached: false, rows: [{value: 3}]})
    })

    it('is invalidated when a data source is removed with its points', async () => {
      await addDataSource(s.catalog, {id: 'src'})
      await ingestPoints(s.catalog, {points: [{metricKey: 'c.hits', date: '2026-01-01', value: 5, dataSourceId: 'src'}]})
      expect((await players()).body.rows).toEqual([{value: 5}])
      await removeDataSource(s.catalog, 'src', {deletePoints: true})
      expect((await players()).body).toMatchObject({cached: false, rows: [{value: 0}]})
    })

    it('is invalidated by a rollup refresh', async () => {
      await s.catalog.patchMetric('revenue/total_revenue', {rollups: [{grain: 'month', by: ['region']}]})
      await revenue()
      expect((await revenue()).body.cached).toBe(true)
      await refreshRollups(s.catalog, ['revenue/total_revenue'])
      const after = await revenue()
      expect(after.body.cached).toBe(false)
      expect(after.body.rollup.used).toBe('revenue/total_revenue@month:region')
    })

  })
})

describe('ResultCache', () => {
  it('drops entries after the TTL', () => {
    let now = 0
    const c = new ResultCache(1000, 1000, () => now)
    c.set('a', {x: 1}, 10)
    now = 999
    expect(c.get('a')).toEqual({x: 1})
    now = 1000
    expect(c.get('a')).toBeUndefined()
    expect(c.stats()).toMatchObject({entries: 0, bytes: 0, hits: 1, misses: 1})
  })

  it('stays within its byte budget by dropping the least recently used', () => {
    const c = new ResultCache(60_000, 100)
    c.set('a', {}, 40)
    c.set('b', {}, 40)
    c.get('a') // a is now more recent than b
    c.set('c', {}, 40)
    expect(c.get('b')).toBeUndefined()
    expect(c.get('a')).toBeDefined()
    expect(c.get('c')).toBeDefined()
    expect(c.stats()).toMatchObject({entries: 2, bytes: 80, evictions: 1})
    c.set('huge', {}, 101)
    expect(c.get('huge')).toBeUndefined()
  })
})
