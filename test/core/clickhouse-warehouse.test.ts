// --warehouse clickhouse://...: parsing, errors and what works without a server (compiling, the
// SQL shown). Against a real cluster: test/clickhouse/differential.test.ts.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {Catalog, openCatalog} from '../../src/core/catalog.js'
import {ResultCache, cachedResult} from '../../src/core/result-cache.js'
import {CatalogError} from '../../src/errors.js'
import {ClickHouseWarehouse, clickhouseMessage, parseClickHouseUrl} from '../../src/warehouse/clickhouse.js'
import {demoDatabase, runCommand, tempDir} from '../helpers.js'

// nothing listens on port 1: every statement fails to connect
const NOWHERE = 'clickhouse://127.0.0.1:1/analytics'

describe('clickhouse:// warehouse URLs', () => {
  it('parses user, password, host, port and database', () => {
    expect(parseClickHouseUrl('clickhouse://ana:s%40cret@db.example:8123/events')).toEqual({host: 'db.example', port: 8123, database: 'events', username: 'ana', password: 's@cret'})
    expect(parseClickHouseUrl('clickhouse://localhost/analytics')).toMatchObject({port: 8123, username: 'default', password: ''})
  })

  it('refuses a URL without a database, with a query string or a bad database name, without showing the password', () => {
    for (const bad of ['clickhouse://localhost:8123', 'clickhouse://localhost:8123/db?x=1', 'clickhouse://u:pw@localhost:8123/a-b', 'clickhouse://']) {
      let error: unknown
      try {
        parseClickHouseUrl(bad)
      } catch (e) {
        error = e
      }
      expect(error, bad).toBeInstanceOf(CatalogError)
      expect((error as CatalogError).code).toBe('BAD_REQUEST')
      expect((error as Error).message).toMatch(/expected clickhouse:\/\/\[user\[:password\]@\]host:port\/database/)
      expect((error as Error).message).not.toContain(':pw@')
    }
  })

  it('turns ClickHouse errors of 18.16 and of current releases into one short line', () => {
    const old = new Error('Code: 62, e.displayText() = DB::Exception: Syntax error: failed at position 9: ::DATE. Expected one of: AS, PREWHERE, identifier, e.what() = DB::Exception\n')
    expect(clickhouseMessage(old)).toBe('ClickHouse error 62: Syntax error: failed at position 9: ::DATE')
    const current = new Error("Code: 47. DB::Exception: Unknown expression identifier `x` in scope SELECT x FROM t. (UNKNOWN_IDENTIFIER) (version 24.3.1.1)")
    expect(clickhouseMessage(current)).toBe('ClickHouse error 47: Unknown expression identifier `x` in scope SELECT x FROM t. (UNKNOWN_IDENTIFIER)')
    const long = new Error(`Code: 1, e.displayText() = DB::Exception: ${'x'.repeat(1000)}, e.what() = DB::Exception`)
    expect(clickhouseMessage(long).length).toBeLessThan(300)
  })
})

describe('a catalog on a ClickHouse warehouse, with no server reachable', () => {
  const tmp = tempDir()
  let db: string
  let catalog: Catalog

  beforeAll(async () => {
    db = await demoDatabase(tmp.dir)
    catalog = await openCatalog({db, readOnly: true, warehouse: NOWHERE})
  })

  afterAll(() => {
    catalog?.close()
    tmp.cleanup()
  })

  it('compiles metrics to ClickHouse SQL (the catalog stays in the DuckDB file)', async () => {
    expect(catalog.warehouse).toBeInstanceOf(ClickHouseWarehouse)
    const compiled = await catalog.compileQuery({metric: 'revenue/total_revenue', grain: 'week', filters: [{dimension: 'region', op: '=', value: "EU'"}]})
    expect(compiled.sql).toContain('toMonday(')
    expect(compiled.sql).toContain("'EU\\''")
    expect(compiled.params).toEqual([])
  })

  it('says which server it cannot reach, in one line (UNAVAILABLE)', async () => {
    const error = await catalog.queryMetric({metric: 'revenue/total_revenue'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CatalogError)
    expect((error as CatalogError).code).toBe('UNAVAILABLE')
    expect((error as Error).message).toBe('cannot reach ClickHouse at 127.0.0.1:1/analytics (ECONNREFUSED); is the server running, and is 1 its HTTP port?')
  })

  it('never caches results in the server result cache (ClickHouse data changes without data versions)', async () => {
    const cache = new ResultCache(60_000, 1_000_000)
    let runs = 0
    const run = async () => ({n: ++runs})
    await cachedResult(catalog, cache, {kind: 'metric', id: 'x'}, async () => [], run)
    const second = await cachedResult(catalog, cache, {kind: 'metric', id: 'x'}, async () => [], run)
    expect(second).toEqual({n: 2, cached: false})
  })

  it('metricat sql --warehouse clickhouse://... prints the ClickHouse SQL', async () => {
    const result = await runCommand(['sql', 'revenue/mrr', '--grain', 'quarter', '--db', db, '--warehouse', NOWHERE])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('toStartOfQuarter(')
    expect(result.stdout).toContain('ALL INNER JOIN')
  })

  it('metricat query with a bad --warehouse URL exits 1 with one line naming the flag', async () => {
    const result = await runCommand(['query', 'revenue/mrr', '--db', db, '--warehouse', 'clickhouse://localhost:8123'])
    expect(result.code).toBe(1)
    expect(result.stderr.trim().split('\n')[0]).toMatch(/bad --warehouse URL/)
  })
})
