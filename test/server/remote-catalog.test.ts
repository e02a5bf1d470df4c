import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {RemoteCatalog} from '../../src/cli/remote-catalog.js'
import {announcementPath, readLiveAnnouncement} from '../../src/server/announcement.js'
import {type RunningServer, isLoopback, startServer} from '../../src/server/start.js'
import {CatalogError} from '../../src/errors.js'
import {newCatalog, tempDir} from '../helpers.js'
import {type DemoSetup, expectSameRows, setupDemo} from './helpers.js'

let s: DemoSetup
let server: RunningServer
let remote: RemoteCatalog

beforeAll(async () => {
  s = await setupDemo()
  server = await startServer(s.catalog, {host: '127.0.0.1', port: 0})
  remote = new RemoteCatalog(server.url, s.token.admin)
})
afterAll(async () => {
  await server.stop()
  s.cleanup()
})

/** A port nothing listens on: one the OS just handed out and took back. */
async function closedPort(): Promise<number> {
  const {createServer} = await import('node:net')
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const {port} = probe.address() as {port: number}
  await new Promise((resolve) => probe.close(resolve))
  return port
}

const plain = (v: unknown) => JSON.parse(JSON.stringify(v))

async function caught(p: Promise<unknown>): Promise<CatalogError> {
  try {
    await p
  } catch (error) {
    expect(error).toBeInstanceOf(CatalogError)
    return error as CatalogError
  }
  throw new Error('expected a CatalogError')
}

describe('RemoteCatalog gives what Catalog gives', () => {
  it('list, get, show, history, search, lookups and tables', async () => {
    expect(await remote.list()).toEqual(plain(await s.catalog.list()))
    expect(await remote.list({category: 'revenue'})).toEqual(plain(await s.catalog.list({category: 'revenue'})))
    expect(await remote.get('revenue/mrr')).toEqual(plain(await s.catalog.get('revenue/mrr')))
    expect(await remote.show('revenue/mrr', 1)).toEqual(plain(await s.catalog.show('revenue/mrr', 1)))
    expect(await remote.history('revenue/mrr')).toEqual(plain(await s.catalog.history('revenue/mrr')))
    expect(await remote.search('churn')).toEqual(plain(await s.catalog.search('churn')))
    expect(await remote.lookupSynonym('mrr')).toEqual(plain(await s.catalog.lookupSynonym('mrr')))
    expect(await remote.lookupTable('orders')).toEqual(plain(await s.catalog.lookupTable('orders')))
    expect(await remote.tables()).toEqual(plain(await s.catalog.tables()))
  })

  it('queryMetric and compileQuery', async () => {
    const query = {metric: 'revenue/total_revenue', grain: 'quarter' as const, by: ['region'], filters: [{dimension: 'channel', op: '=' as const, value: 'web'}], from: '2025-01-01', to: '2026-01-01'}
    const {rows, ...rest} = await remote.queryMetric(query)
    const local = plain(await s.catalog.queryMetric(query))
    expect({...rest, rows: []}).toEqual({...local, rows: []})
    expectSameRows(rows, local.rows)
    const counts = {metric: 'sales/new_customers', by: ['region'], filters: [{dimension: 'plan', op: '!=' as const, value: 'free'}]}
    expect(await remote.queryMetric(counts)).toEqual(plain(await s.catalog.queryMetric(counts)))
    expect(await remote.compileQuery(query)).toEqual(plain(await s.catalog.compileQuery(query)))
  })

  it('exportMetrics gives the same YAML', async () => {
    expect(await remote.exportMetrics({ids: ['revenue/mrr', 'revenue/arr']})).toEqual(await s.catalog.exportMetrics({ids: ['revenue/mrr', 'revenue/arr']}))
  })

  it('importPath and diff read the files on the client and apply them on the server', async () => {
    const dir = path.join(s.dir, 'remote-import', 'remote')
    mkdirSync(dir, {recursive: true})
    writeFileSync(path.join(dir, 'r_orders.yml'), 'name: r_orders\ntype: count\ntable: orders\ntime_column: ordered_at\n')
    const diff = await remote.diff(path.dirname(dir))
    expect(diff.added.map((a) => a.id)).toEqual(['remote/r_orders'])
    expect(diff.applied).toBe(false)
    const plan = await remote.importPath(path.dirname(dir))
    expect(plan).toMatchObject({applied: true, added: [{id: 'remote/r_orders'}]})
    // a token's changes are recorded as api by the token's name, whatever the client claims (issue 10 item 9)
    expect((await s.catalog.history('remote/r_orders'))[0]).toMatchObject({source: 'api', actor: 'admin-1'})
    expect(await remote.delete('remote/r_orders', {source: 'cli'})).toEqual({id: 'remote/r_orders', deleted: true})
    expect((await s.catalog.history('remote/r_orders'))[1]).toMatchObject({change: 'delete', source: 'api', actor: 'admin-1'})
  })

  it('rebuilds the CatalogError of the core: code, message and details', async () => {
    const local = await caught(s.catalog.get('revenue/mrrr'))
    const over = await caught(remote.get('revenue/mrrr'))
    expect([over.code, over.message, over.details]).toEqual([local.code, local.message, local.details])
    const bad = await caught(remote.queryMetric({metric: 'revenue/mrr', by: ['nope']}))
    const badLocal = await caught(s.catalog.queryMetric({metric: 'revenue/mrr', by: ['nope']}))
    expect([bad.code, bad.message]).toEqual([badLocal.code, badLocal.message])
  })

  it('an id without a slash reaches the core lookup too', async () => {
    const local = await caught(s.catalog.history('mrr'))
    const over = await caught(remote.history('mrr'))
    expect(over.message).toBe(local.message)
  })

  it('a missing import path is NOT_FOUND before any request', async () => {
    expect((await caught(remote.importPath(path.join(s.dir, 'nope')))).code).toBe('NOT_FOUND')
  })

  it('a wrong token is UNAUTHORIZED, a weaker role FORBIDDEN', async () => {
    expect((await caught(new RemoteCatalog(server.url, 'mct_wrong').list())).code).toBe('UNAUTHORIZED')
    expect((await caught(new RemoteCatalog(server.url, undefined).list())).code).toBe('UNAUTHORIZED')
    expect((await caught(new RemoteCatalog(server.url, s.token.analyst).delete('revenue/mrr'))).code).toBe('FORBIDDEN')
  })

  it('an unreachable server is a one-line error naming the URL', async () => {
    const port = await closedPort()
    const error = await caught(new RemoteCatalog(`http://127.0.0.1:${port}`, 'x').list())
    expect(error.message).toBe(`cannot reach the metricat server at http://127.0.0.1:${port}: ECONNREFUSED`)
  })

  it('token administration goes through the server', async () => {
    const created = await remote.createToken('via-remote', 'service')
    expect(await s.tokens.verify(created.token)).toEqual({name: 'via-remote', role: 'service'})
    expect((await remote.listTokens()).map((t) => t.name)).toContain('via-remote')
    expect(await remote.revokeToken('via-remote')).toEqual({name: 'via-remote', revoked: true})
  })
})

describe('startServer', () => {
  it('announces itself beside the database, mode 0600, with a working local token', async () => {
    const file = announcementPath(s.catalog.file)
    expect(server.announcement).toBe(file)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const a = readLiveAnnouncement(s.catalog.file)!
    expect(a).toMatchObject({url: server.url, pid: process.pid, db: s.catalog.file})
    expect(await new RemoteCatalog(a.url, a.token).listTokens()).toEqual(expect.any(Array))
  })

  it('refuses a non-loopback host while no token exists', async () => {
    const t = tempDir()
    const catalog = await newCatalog(t.dir)
    try {
      await expect(startServer(catalog, {host: '0.0.0.0', port: 0})).rejects.toMatchObject({code: 'BAD_REQUEST', message: expect.stringMatching(/^refusing to listen on 0\.0\.0\.0: no API token exists/)})
      expect(existsSync(announcementPath(catalog.file))).toBe(false)
    } finally {
      catalog.close()
      t.cleanup()
    }
  })

  it('listens on a non-loopback host once a token exists, and stop() removes the announcement', async () => {
    const t = tempDir()
    const catalog = await newCatalog(t.dir)
    try {
      const {TokenStore} = await import('../../src/core/tokens.js')
      await new TokenStore(catalog.db).createToken('ops', 'admin')
      const running = await startServer(catalog, {host: '0.0.0.0', port: 0})
      expect(running.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/)
      expect(readLiveAnnouncement(catalog.file)!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      await running.stop()
      expect(existsSync(announcementPath(catalog.file))).toBe(false)
    } finally {
      catalog.close()
      t.cleanup()
    }
  })

  it('a port in use is a one-line error', async () => {
    const port = Number(new URL(server.url).port)
    const t = tempDir()
    const catalog = await newCatalog(t.dir)
    try {
      await expect(startServer(catalog, {host: '127.0.0.1', port})).rejects.toMatchObject({message: `cannot listen on 127.0.0.1:${port}: port ${port} is in use`})
    } finally {
      catalog.close()
      t.cleanup()
    }
  })

  it('a stale announcement (dead PID) is ignored', () => {
    const t = tempDir()
    try {
      const db = path.join(t.dir, 'x.duckdb')
      writeFileSync(announcementPath(db), JSON.stringify({url: 'http://127.0.0.1:9', pid: 2 ** 22 + 12_345, token: 't', db, started_at: ''}))
      expect(readLiveAnnouncement(db)).toBeUndefined()
      expect(readFileSync(announcementPath(db), 'utf8')).toContain('127.0.0.1:9')
    } finally {
      t.cleanup()
    }
  })

  it('knows loopback hosts', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].every(isLoopback)).toBe(true)
    expect(['0.0.0.0', '::', '192.168.1.5', 'example.com'].some(isLoopback)).toBe(false)
  })
})
