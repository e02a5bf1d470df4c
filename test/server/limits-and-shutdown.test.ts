// Request limits, the query time limit, the read pool and shutdown, on a real database file.
import {copyFileSync, mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {TokenStore} from '../../src/core/tokens.js'
import {createApp} from '../../src/server/app.js'
import {startServer} from '../../src/server/start.js'
import {closeDiscarding, newCatalog, tempDir} from '../helpers.js'

const METRICS = {
  // ~10^11 rows to sum: runs for minutes unless interrupted
  'slow.yml': 'name: slow\nsql: SELECT sum(a.i * b.i) AS value FROM range(1000000) AS a(i), range(100000) AS b(i)\n',
  // 100,000 rows, some 35 MB of JSON: more than socket buffers hold
  'big.yml': "name: big\nsql: SELECT DATE '2000-01-01' + CAST(i % 10000 AS INTEGER) AS period, repeat('x', 300) AS note, i AS value FROM range(100000) AS t(i)\n",
  'small.yml': 'name: small\ntype: sum\ntable: facts\ntime_column: at\nexpression: n\ndimensions:\n  - region\n',
}

let dir: string
let cleanup: () => void
let catalog: Catalog
let token: string
let template: {file: string; cleanup: () => void}

// one database with the metrics and a token, built once; each test gets its own copy
beforeAll(async () => {
  const t = tempDir('metricat-limits-template-')
  mkdirSync(path.join(t.dir, 'metrics', 't'), {recursive: true})
  for (const [file, text] of Object.entries(METRICS)) writeFileSync(path.join(t.dir, 'metrics', 't', file), text)
  const setup = await newCatalog(t.dir, 'template.duckdb')
  await setup.db.run(`CREATE TABLE main.facts AS SELECT DATE '2026-01-01' + CAST(i AS INTEGER) AS at, 'EU' AS region, 1.0::DOUBLE AS n FROM range(30) t(i)`)
  await setup.importPath(path.join(t.dir, 'metrics'))
  token = (await new TokenStore(setup.db).createToken('analyst', 'analyst')).token
  setup.close()
  template = {file: path.join(t.dir, 'template.duckdb'), cleanup: t.cleanup}
})
afterAll(() => template.cleanup())

beforeEach(async () => {
  ;({dir, cleanup} = tempDir('metricat-limits-'))
  const db = path.join(dir, 'limits.duckdb')
  copyFileSync(template.file, db)
  catalog = await openCatalog({db, readConnections: 2})
})
afterEach(async () => {
  await closeDiscarding(catalog)
  cleanup()
})

const auth = () => ({authorization: `Bearer ${token}`, 'content-type': 'application/json'})
const post = (body: unknown) => ({method: 'POST', headers: auth(), body: typeof body === 'string' ? body : JSON.stringify(body)})

describe('request limits', () => {
  it('stops a query that runs past the time limit with 504 and the error envelope', async () => {
    catalog.db.setQueryTimeout(300)
    const app = createApp(catalog)
    const r = await app.request('/api/metrics/t/slow/query', post({}))
    expect(r.status).toBe(504)
    expect(await r.json()).toEqual({error: {code: 'QUERY_TIMEOUT', message: expect.stringMatching(/^the query ran longer than 0\.3 s and was stopped/), details: {timeout_seconds: 0.3}}})
    // the connection it ran on works again
    expect((await app.request('/api/metrics/t/small/query', post({}))).status).toBe(200)
  })

  it('keeps health, catalog reads and history answering while a long query runs', async () => {
    const app = createApp(catalog)
    let settled = false
    const slow = Promise.resolve(app.request('/api/metrics/t/slow/query', post({}))).finally(() => (settled = true))
    for (const url of ['/api/health', '/api/metrics', '/api/metrics/t/small/history']) {
      expect((await app.request(url, {headers: auth()})).status).toBe(200)
    }
    expect((await app.request('/api/metrics/t/small/query', post({}))).status).toBe(200)
    expect(settled).toBe(false)
    await interruptUntil(catalog, () => settled)
    const r = await slow
    expect(r.status).toBe(503)
    expect(r.headers.get('retry-after')).toBe('5')
    expect((await r.json()).error.code).toBe('UNAVAILABLE')
  })

  it('refuses more filters, more `in` values or a larger body than the documented limits', async () => {
    const app = createApp(catalog)
    const filters = Array.from({length: 21}, () => ({dimension: 'region', op: '=', value: 'EU'}))
    const many = await app.request('/api/metrics/t/small/query', post({filters}))
    expect(many.status).toBe(422)
    expect((await many.json()).error.message).toMatch(/\/filters: .*20/)
    const values = await app.request('/api/metrics/t/small/query', post({filters: [{dimension: 'region', op: 'in', value: Array.from({length: 1001}, (_, i) => `r${i}`)}]}))
    expect(values.status).toBe(422)
    expect((await values.json()).error.message).toMatch(/\/filters\/0\/value: .*1000/)
    const big = await app.request('/api/metrics/t/small/query', post(`{"grain": "day", "pad": "${'x'.repeat(1024 * 1024)}"}`))
    expect(big.status).toBe(413)
    expect((await big.json()).error.code).toBe('PAYLOAD_TOO_LARGE')
  })

  it('refuses a result with more rows than maxRows', async () => {
    const app = createApp(catalog, {maxRows: 1000})
    const r = await app.request('/api/metrics/t/big/query', post({}))
    expect(r.status).toBe(422)
    expect((await r.json()).error).toMatchObject({code: 'RESULT_TOO_LARGE', details: {limit: 1000}})
  })

  it('caps the buckets of a points query whose range ends at the data', async () => {
    catalog.close()
    const db = path.join(dir, 'limits.duckdb')
    const writer = await openCatalog({db})
    const {ingestPoints} = await import('../../src/core/points.js')
    await ingestPoints(writer, {points: [{metricKey: 'k', date: '2026-01-01', value: 1}]}, {source: 'test'})
    writer.close()
    catalog = await openCatalog({db, readConnections: 2})
    const app = createApp(catalog)
    const r = await app.request('/api/metrics/points/query', post({key: 'k', from: '0001-01-01', bucket: 'hour'}))
    expect(r.status).toBe(422)
    expect((await r.json()).error.message).toMatch(/more than 200000 hour buckets/)
  })
})

describe('shutdown', () => {
  it('lets a large response in flight finish whole before closing', async () => {
    const server = await startServer(catalog, {host: '127.0.0.1', port: 0})
    const response = await fetch(`${server.url}/api/metrics/t/big/query`, post({}))
    expect(response.status).toBe(200)
    // stop while the body is still on its way; the client reads it only now
    const stopped = server.stop()
    const body = await response.text()
    expect(JSON.parse(body).rows).toHaveLength(100_000)
    expect(await stopped).toBe(true)
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow()
  })

  it('answers a request whose query is interrupted at shutdown with 503 and Retry-After, not 422', async () => {
    const server = await startServer(catalog, {host: '127.0.0.1', port: 0, drainMs: 0})
    const slow = fetch(`${server.url}/api/metrics/t/slow/query`, post({}))
    // the query is running once a second request finds one reader busy; the health check proves the server took it
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200)
    await waitUntilBusy(catalog)
    const stopped = server.stop()
    const r = await slow
    expect(r.status).toBe(503)
    expect(r.headers.get('retry-after')).toBe('5')
    expect((await r.json()).error.code).toBe('UNAVAILABLE')
    expect(await stopped).toBe(true)
  })
})

describe('shutdown while draining', () => {
  it('answers new requests 503 with Retry-After while requests in flight finish', async () => {
    const server = await startServer(catalog, {host: '127.0.0.1', port: 0, drainMs: 600_000})
    const slow = fetch(`${server.url}/api/metrics/t/slow/query`, post({}))
    await waitUntilBusy(catalog)
    const stopped = server.stop()
    const late = await fetch(`${server.url}/api/health`)
    expect(late.status).toBe(503)
    expect(late.headers.get('retry-after')).toBe('5')
    expect(await late.json()).toEqual({error: {code: 'UNAVAILABLE', message: 'the server is shutting down; retry shortly', details: {}}})
    let done = false
    const status = slow.then((r) => r.status).finally(() => (done = true))
    await interruptUntil(catalog, () => done)
    expect(await status).toBe(503)
    expect(await stopped).toBe(true)
  })
})

/** Interrupts until `done()`: an interrupt that lands before DuckDB starts executing is lost. */
async function interruptUntil(c: Catalog, done: () => boolean): Promise<void> {
  while (!done()) {
    c.db.interruptAll()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Resolves once a statement runs on the catalog's read pool. */
async function waitUntilBusy(c: Catalog): Promise<void> {
  while (await c.db.idle()) await new Promise((resolve) => setImmediate(resolve))
}
