// Points stored on ClickHouse (`--points clickhouse://...`) may be written by another metricat with
// another catalog file, which bumps no data version in this one: the server's result cache must not
// keep results read from those points then (points queries, points_key metrics), or it answers
// the old value until the TTL ends.
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {ResultCache, cachedResult} from '../../src/core/result-cache.js'
import {emptyDatabase, tempDir} from '../helpers.js'

describe('the result cache with points stored on ClickHouse', () => {
  const tmp = tempDir()
  let catalog: Catalog

  beforeAll(async () => {
    const db = await emptyDatabase(tmp.dir)
    // nothing connects until a point is read or written
    catalog = await openCatalog({db: path.resolve(db), points: 'clickhouse://127.0.0.1:1/metrics'})
  })

  afterAll(() => {
    catalog?.close()
    tmp.cleanup()
  })

  it('never caches a points query', async () => {
    const cache = new ResultCache(60_000, 1_000_000)
    let runs = 0
    const run = async () => ({n: ++runs})
    await cachedResult(catalog, cache, {kind: 'points', request: {key: 'k'}}, async () => ['points:k'], run)
    const second = await cachedResult(catalog, cache, {kind: 'points', request: {key: 'k'}}, async () => ['points:k'], run)
    expect(second).toEqual({n: 2, cached: false})
  })

  it('never caches a metric computed from points (a points scope, or every scope)', async () => {
    const cache = new ResultCache(60_000, 1_000_000)
    for (const scopes of [['definitions', 'points:k'], '*'] as const) {
      let runs = 0
      const run = async () => ({n: ++runs})
      await cachedResult(catalog, cache, {kind: 'metric', id: 'games/players'}, async () => scopes as string[] | '*', run)
      const second = await cachedResult(catalog, cache, {kind: 'metric', id: 'games/players'}, async () => scopes as string[] | '*', run)
      expect(second).toEqual({n: 2, cached: false})
    }
  })

  it('still caches metric queries on the DuckDB warehouse', async () => {
    const cache = new ResultCache(60_000, 1_000_000)
    let runs = 0
    const run = async () => ({n: ++runs})
    await cachedResult(catalog, cache, {kind: 'metric', id: 'x'}, async () => ['definitions', 'table:orders'], run)
    const second = await cachedResult(catalog, cache, {kind: 'metric', id: 'x'}, async () => ['definitions', 'table:orders'], run)
    expect(second).toEqual({n: 1, cached: true})
  })
})
