// The one HTTP client for a running server (src/cli/server-client.ts), against real listeners on
// 127.0.0.1: a bare node:http server that records what arrives and answers what a test says, and
// `metricat serve`'s own server for If-Match, actor and the points commands.
import {type IncomingMessage, type Server, type ServerResponse, createServer} from 'node:http'
import {Readable} from 'node:stream'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {pointsClient} from '../../src/cli/points-client.js'
import {RemoteCatalog} from '../../src/cli/remote-catalog.js'
import {ServerClient} from '../../src/cli/server-client.js'
import type {Catalog} from '../../src/core/catalog.js'
import {TokenStore} from '../../src/core/tokens.js'
import {type RunningServer, startServer} from '../../src/server/start.js'
import {CatalogError} from '../../src/errors.js'
import {newCatalog, tempDir} from '../helpers.js'

interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

let bare: Server
let bareUrl: string
const seen: Seen[] = []
let answer: {status: number; body: string; type?: string} = {status: 200, body: '{}'}

beforeAll(async () => {
  bare = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d))
    req.on('end', () => {
      seen.push({method: req.method!, url: req.url!, headers: req.headers, body})
      res.writeHead(answer.status, {'content-type': answer.type ?? 'application/json'})
      res.end(answer.body)
    })
  })
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve))
  bareUrl = `http://127.0.0.1:${(bare.address() as {port: number}).port}`
})
afterAll(() => new Promise<void>((resolve) => bare.close(() => resolve())))

async function caught(p: Promise<unknown>): Promise<CatalogError> {
  try {
    await p
  } catch (error) {
    expect(error).toBeInstanceOf(CatalogError)
    return error as CatalogError
  }
  throw new Error('expected a CatalogError')
}

/** Sends one request to the bare listener answering `reply`; returns the result and what arrived. */
async function exchange<T>(reply: typeof answer, call: (client: ServerClient) => Promise<T>, token: string | null = 'mct_t'): Promise<{result: T; request: Seen}> {
  answer = reply
  seen.length = 0
  const result = await call(new ServerClient(`${bareUrl}/`, token ?? undefined))
  expect(seen).toHaveLength(1)
  return {result, request: seen[0]!}
}

describe('ServerClient: what goes out', () => {
  it('sends the bearer token, accept: application/json, the query without undefined parameters, and a JSON body', async () => {
    const {result, request} = await exchange({status: 200, body: '{"ok":true}'}, (c) =>
      c.request('POST', '/api/x', {query: {a: 'b c', n: 3, skip: undefined}, body: {k: 'v'}}),
    )
    expect(result).toEqual({ok: true})
    expect(request).toMatchObject({method: 'POST', url: '/api/x?a=b+c&n=3', body: '{"k":"v"}'})
    expect(request.headers).toMatchObject({authorization: 'Bearer mct_t', accept: 'application/json', 'content-type': 'application/json'})
    expect(request.headers['if-match']).toBeUndefined()
  })

  it('sends no Authorization header without a token, and no content-type without a body', async () => {
    const {request} = await exchange({status: 200, body: '[]'}, (c) => c.request('GET', '/api/y'), null)
    expect(request.headers.authorization).toBeUndefined()
    expect(request.headers['content-type']).toBeUndefined()
  })

  it('sends If-Match as the quoted version the client read', async () => {
    const {request} = await exchange({status: 200, body: '{}'}, (c) => c.request('DELETE', '/api/admin/metrics/a%2Fb', {ifMatch: 3}))
    expect(request.headers['if-match']).toBe('"3"')
  })

  it('streams a Readable body as NDJSON text, unchanged', async () => {
    const text = '{"metricKey":"k","date":"2026-05-01","value":1}\n{"metricKey":"k","date":"2026-05-02","value":2}\n'
    const {request} = await exchange({status: 200, body: '{}'}, (c) => c.request('POST', '/api/metrics/ingest', {body: Readable.from([text.slice(0, 10), text.slice(10)])}))
    expect(request.headers['content-type']).toBe('application/x-ndjson')
    expect(request.body).toBe(text)
  })
})

describe('ServerClient: what comes back', () => {
  it('an error envelope becomes the CatalogError behind it: code, message and details', async () => {
    answer = {status: 409, body: JSON.stringify({error: {code: 'CONFLICT', message: 'a/b is at version 4, not 3', details: {id: 'a/b', version: 4}}})}
    const error = await caught(new ServerClient(bareUrl, 't').request('GET', '/x'))
    expect([error.code, error.message, error.details]).toEqual(['CONFLICT', 'a/b is at version 4, not 3', {id: 'a/b', version: 4}])
  })

  it('empty details become none, and an unknown code is INTERNAL', async () => {
    answer = {status: 400, body: JSON.stringify({error: {code: 'BAD_REQUEST', message: 'm', details: {}}})}
    expect((await caught(new ServerClient(bareUrl, 't').request('GET', '/x'))).details).toBeUndefined()
    answer = {status: 418, body: JSON.stringify({error: {code: 'TEAPOT', message: 'short and stout'}})}
    expect(await caught(new ServerClient(bareUrl, 't').request('GET', '/x'))).toMatchObject({code: 'INTERNAL', message: 'short and stout'})
  })

  it('a failing answer without an envelope is the error its status means, naming the server', async () => {
    answer = {status: 404, body: 'not here', type: 'text/plain'}
    expect(await caught(new ServerClient(bareUrl, 't').request('GET', '/x'))).toMatchObject({code: 'NOT_FOUND', message: `the server at ${bareUrl} answered HTTP 404`, details: {server: bareUrl, status: 404}})
    answer = {status: 502, body: '<html>bad gateway</html>', type: 'text/html'}
    expect(await caught(new ServerClient(bareUrl, 't').request('GET', '/x'))).toMatchObject({code: 'INTERNAL', message: `the server at ${bareUrl} answered HTTP 502`})
  })

  it('a success without JSON is INTERNAL, not an empty result', async () => {
    answer = {status: 200, body: 'ok', type: 'text/plain'}
    expect(await caught(new ServerClient(bareUrl, 't').request('GET', '/api/z'))).toMatchObject({code: 'INTERNAL', message: `the server at ${bareUrl} answered GET /api/z with no JSON`})
  })

  it('an unreachable server is a one-line BAD_REQUEST naming the URL', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const {port} = probe.address() as {port: number}
    await new Promise((resolve) => probe.close(resolve))
    const error = await caught(new ServerClient(`http://127.0.0.1:${port}`, 'x').request('GET', '/api/health'))
    expect([error.code, error.message]).toEqual(['BAD_REQUEST', `cannot reach the metricat server at http://127.0.0.1:${port}: ECONNREFUSED`])
  })
})

describe('through metricat serve: If-Match, actor, and the points commands on the same client', () => {
  let dir: string
  let cleanup: () => void
  let catalog: Catalog
  let server: RunningServer
  let admin: string
  let remote: RemoteCatalog

  beforeAll(async () => {
    ;({dir, cleanup} = tempDir())
    catalog = await newCatalog(dir)
    admin = (await new TokenStore(catalog.db).createToken('alice', 'admin')).token
    await catalog.putMetric({name: 'orders', category: 'shop', type: 'count', table: 'orders', time_column: 'at'}, {source: 'cli'})
    server = await startServer(catalog, {host: '127.0.0.1', port: 0})
    remote = new RemoteCatalog(server.url, admin)
  })
  afterAll(async () => {
    await server.stop()
    catalog.close()
    cleanup()
  })

  it('a write over a version that has moved on is CONFLICT and changes nothing; the version read goes through', async () => {
    const stale = await caught(remote.putMetric({name: 'orders', category: 'shop', type: 'count', table: 'orders', time_column: 'at', description: 'late'}, {expectedVersion: 7}))
    expect([stale.code, stale.message]).toEqual(['CONFLICT', 'shop/orders is at version 1, not 7; read it again and retry'])
    expect((await catalog.get('shop/orders')).description).toBeUndefined()
    const written = await remote.putMetric({name: 'orders', category: 'shop', type: 'count', table: 'orders', time_column: 'at', description: 'counted'}, {expectedVersion: 1})
    expect(written).toMatchObject({change: 'update', metric: {version: 2, description: 'counted'}})
    expect((await caught(remote.delete('shop/orders', {expectedVersion: 1}))).code).toBe('CONFLICT')
    expect(await catalog.get('shop/orders')).toMatchObject({version: 2})
  })

  it("records the token's name as the actor, whatever actor the caller names", async () => {
    await remote.putMetric({name: 'refunds', category: 'shop', type: 'count', table: 'refunds', time_column: 'at'}, {actor: 'mallory', source: 'cli'})
    expect((await catalog.history('shop/refunds'))[0]).toMatchObject({source: 'api', actor: 'alice'})
  })

  it("points commands use the catalog's client: the same token, and the core's error as it is", async () => {
    const points = await pointsClient(remote)
    const ok = await points.ingest({points: [{metricKey: 'k', date: '2026-05-01', value: 1}]}, {})
    expect(ok).toMatchObject({points: 1, inserted: 1})
    const bad = await caught(points.ingest(Readable.from(['{"metricKey":"k","date":"2026-05-01","value":"x"}\n']), {}))
    expect([bad.code, bad.message]).toEqual(['VALIDATION', 'body:1 /value: value must be a number, got a string "x"; nothing was ingested'])
    const unknown = await caught(points.removeSource('nope', {}))
    expect(unknown.code).toBe('NOT_FOUND')
    expect((await caught((await pointsClient(new RemoteCatalog(server.url, 'mct_wrong'))).query({key: 'k'}))).code).toBe('UNAUTHORIZED')
  })
})
