import {afterAll, beforeAll, beforeEach, afterEach, describe, expect, it} from 'vitest'

import {fileState, HOSTILE, type DemoSetup, type Requester, requester, setupDemo, snapshot} from './helpers.js'

let s: DemoSetup
let call: Requester
let start: unknown
let before: ReturnType<typeof fileState>

beforeAll(async () => {
  s = await setupDemo()
  call = requester(s.catalog, {tokens: s.tokens, bodyLimit: 64 * 1024})
  start = await snapshot(s.catalog)
})
afterAll(async () => {
  try {
    expect(await snapshot(s.catalog)).toEqual(start)
  } finally {
    s.cleanup()
  }
})
// every request in this file is refused or read-only: the definitions, versions, tokens, points
// and tables must not change. After each test they are compared with the start when something was
// committed (the file or its WAL changed; a refused ingest, for one, records its run): a test
// that committed nothing changed nothing, so the five queries are not run for each of ~100 tests.
// A transaction left open commits nothing: the snapshot in afterAll, on the same connection, sees it.
beforeEach(() => {
  before = fileState(s.db)
})
afterEach(async () => {
  if (JSON.stringify(fileState(s.db)) !== JSON.stringify(before)) expect(await snapshot(s.catalog)).toEqual(start)
})

const QUERY = '/api/metrics/revenue/total_revenue/query'

function expectEnvelope(r: {status: number; body: any}, status: number, code: string) {
  expect(r.status).toBe(status)
  expect(r.body).toEqual({error: {code, message: expect.any(String), details: expect.any(Object)}})
}

describe('malformed bodies', () => {
  it.each([
    ['POST', QUERY],
    ['POST', '/api/metrics/revenue/mrr/sql'],
    ['POST', '/api/admin/metrics'],
    ['PUT', '/api/admin/metrics/revenue/mrr'],
    ['POST', '/api/admin/import'],
    ['POST', '/api/admin/tokens'],
  ])('%s %s with malformed JSON is a 400', async (method, url) => {
    const r = await call(method, url, {token: s.token.admin, raw: '{"grain": "month",', headers: {'content-type': 'application/json'}})
    expectEnvelope(r, 400, 'BAD_REQUEST')
    expect(r.body.error.message).toMatch(/^malformed JSON body/)
  })

  it('a missing body is a 400', async () => {
    expectEnvelope(await call('POST', QUERY, {token: s.token.analyst}), 400, 'BAD_REQUEST')
  })

  it.each([
    ['grain as a number', {grain: 5}, '/grain'],
    ['by as a string', {by: 'region'}, '/by'],
    ['limit as a string', {limit: '10'}, '/limit'],
    ['limit of 0', {limit: 0}, '/limit'],
    ['a fractional limit', {limit: 1.5}, '/limit'],
    ['filters as an object', {filters: {region: 'EU'}}, '/filters'],
    ['a filter dimension as a number', {filters: [{dimension: 1, op: '='}]}, '/filters/0/dimension'],
    ['a filter value as an object', {filters: [{dimension: 'region', op: '=', value: {a: 1}}]}, '/filters/0/value'],
    ['a filter without op', {filters: [{dimension: 'region', value: 'EU'}]}, '/filters/0/op'],
    ['an unknown compare mode', {compare: 'lastyear'}, '/compare'],
  ])('a query body with %s is a 422 naming the field', async (_what, body, path) => {
    const r = await call('POST', QUERY, {token: s.token.analyst, body})
    expectEnvelope(r, 422, 'VALIDATION')
    expect(r.body.error.details.problems.map((p: {path: string}) => p.path)).toContain(path)
  })

  it('a query body that is a list, a string or null is a 422', async () => {
    for (const body of [[], 'grain=month', null]) expectEnvelope(await call('POST', QUERY, {token: s.token.analyst, body}), 422, 'VALIDATION')
  })

  it.each([
    ['a top-level sql field', {grain: 'month', sql: 'SELECT 1'}, '/sql'],
    ['a top-level where string', {where: "region = 'EU' OR 1=1"}, '/where'],
    ['a metric field', {metric: 'revenue/mrr'}, '/metric'],
    ['a raw field inside a filter', {filters: [{dimension: 'region', op: '=', value: 'EU', raw: '1=1'}]}, '/filters/0/raw'],
  ])('a query body with %s (unknown field) is a 422', async (_what, body, path) => {
    const r = await call('POST', QUERY, {token: s.token.analyst, body})
    expectEnvelope(r, 422, 'VALIDATION')
    expect(r.body.error.details.problems).toEqual([expect.objectContaining({path, message: expect.stringContaining('unknown field')})])
  })

  it('an unknown URL parameter of GET /sql is a 422', async () => {
    expectEnvelope(await call('GET', '/api/metrics/revenue/mrr/sql?raw_sql=1', {token: s.token.analyst}), 422, 'VALIDATION')
  })

  it('an import body with an unknown field or a non-string text is a 422', async () => {
    expectEnvelope(await call('POST', '/api/admin/import', {token: s.token.admin, body: {documents: [], force: true}}), 422, 'VALIDATION')
    expectEnvelope(await call('POST', '/api/admin/import', {token: s.token.admin, body: {documents: [{text: 5}]}}), 422, 'VALIDATION')
    expectEnvelope(await call('POST', '/api/admin/import', {token: s.token.admin, body: {docs: []}}), 422, 'VALIDATION')
  })

  it('a metric body that is a list or has an unknown field is a 422', async () => {
    expectEnvelope(await call('POST', '/api/admin/metrics', {token: s.token.admin, body: [{name: 'x'}]}), 422, 'VALIDATION')
    expectEnvelope(await call('POST', '/api/admin/metrics', {token: s.token.admin, body: {name: 'x_y', category: 'sales', type: 'count', table: 'orders', time_column: 'ordered_at', is_admin: true}}), 422, 'VALIDATION')
  })

  it('a token body with an unknown role or field is a 422', async () => {
    expectEnvelope(await call('POST', '/api/admin/tokens', {token: s.token.admin, body: {name: 'x', role: 'root'}}), 422, 'VALIDATION')
    expectEnvelope(await call('POST', '/api/admin/tokens', {token: s.token.admin, body: {name: 'x', role: 'admin', token: 'mine'}}), 422, 'VALIDATION')
  })
})

describe('oversized bodies', () => {
  it('a body over the limit with a Content-Length is a 413', async () => {
    const r = await call('POST', '/api/admin/import', {token: s.token.admin, body: {documents: [{text: 'x'.repeat(70 * 1024)}]}})
    expectEnvelope(r, 413, 'PAYLOAD_TOO_LARGE')
    expect(r.body.error.details).toEqual({limit: 64 * 1024})
  })

  it('a streamed body over the limit (no Content-Length) is a 413', async () => {
    const {createApp} = await import('../../src/server/app.js')
    const app = createApp(s.catalog, {tokens: s.tokens, bodyLimit: 64 * 1024})
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024))
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 10) controller.enqueue(chunk)
        else controller.close()
      },
    })
    const res = await app.request(QUERY, {method: 'POST', headers: {authorization: `Bearer ${s.token.analyst}`}, body: stream, duplex: 'half'} as RequestInit)
    expect(res.status).toBe(413)
    expect(((await res.json()) as {error: {code: string}}).error.code).toBe('PAYLOAD_TOO_LARGE')
  })

  it('the default limit is 10 MB', async () => {
    const big = requester(s.catalog, {tokens: s.tokens})
    const r = await big('POST', QUERY, {token: s.token.analyst, raw: JSON.stringify({variant: 'x'.repeat(10 * 1024 * 1024)}), headers: {'content-type': 'application/json'}})
    expectEnvelope(r, 413, 'PAYLOAD_TOO_LARGE')
  })

  it('an unauthenticated oversized body gets 401, not 413: auth comes first', async () => {
    expectEnvelope(await call('POST', QUERY, {raw: 'x'.repeat(70 * 1024)}), 401, 'UNAUTHORIZED')
  })
})

describe('injection corpus', () => {
  it.each(HOSTILE)('a filter dimension %j is a 400 unknown dimension', async (text) => {
    const r = await call('POST', QUERY, {token: s.token.analyst, body: {filters: [{dimension: text, op: '=', value: 'EU'}]}})
    expectEnvelope(r, 400, 'BAD_REQUEST')
    expect(r.body.error.message).toMatch(/^unknown dimension/)
  })

  it.each(HOSTILE)('a by dimension %j is a 400 unknown dimension', async (text) => {
    const r = await call('POST', QUERY, {token: s.token.analyst, body: {by: [text]}})
    expectEnvelope(r, 400, 'BAD_REQUEST')
  })

  it.each(HOSTILE)('a filter value %j is bound as a parameter, never SQL text', async (text) => {
    const r = await call('POST', QUERY, {token: s.token.analyst, body: {filters: [{dimension: 'region', op: '=', value: text}, {dimension: 'channel', op: 'in', value: [text, 'web']}]}})
    expect(r.status).toBe(200)
    expect(r.body.rows.every((row: {value: number}) => row.value === 0)).toBe(true)
    expect(r.body.params).toEqual(expect.arrayContaining([text]))
    expect(r.body.sql).not.toContain(text)
  })

  it.each(HOSTILE)('a filter op, grain or compare %j is a 422', async (text) => {
    expectEnvelope(await call('POST', QUERY, {token: s.token.analyst, body: {filters: [{dimension: 'region', op: text, value: 'EU'}]}}), 422, 'VALIDATION')
    expectEnvelope(await call('POST', QUERY, {token: s.token.analyst, body: {grain: text}}), 422, 'VALIDATION')
    expectEnvelope(await call('POST', QUERY, {token: s.token.analyst, body: {compare: text}}), 422, 'VALIDATION')
  })

  it.each(HOSTILE)('a from date or variant %j is refused', async (text) => {
    expectEnvelope(await call('POST', QUERY, {token: s.token.analyst, body: {from: text}}), 400, 'BAD_REQUEST')
    expectEnvelope(await call('POST', QUERY, {token: s.token.analyst, body: {variant: text}}), 404, 'NOT_FOUND')
  })

  it.each(HOSTILE)('a metric id %j is a 404 on every route', async (text) => {
    const id = encodeURIComponent(text)
    expectEnvelope(await call('GET', `/api/metrics/${id}`, {token: s.token.admin}), 404, 'NOT_FOUND')
    expectEnvelope(await call('GET', `/api/metrics/${id}/history`, {token: s.token.admin}), 404, 'NOT_FOUND')
    expectEnvelope(await call('POST', `/api/metrics/${id}/query`, {token: s.token.admin, body: {}}), 404, 'NOT_FOUND')
    expectEnvelope(await call('GET', `/api/metrics/${id}/sql`, {token: s.token.admin}), 404, 'NOT_FOUND')
    expectEnvelope(await call('DELETE', `/api/admin/metrics/${id}`, {token: s.token.admin}), 404, 'NOT_FOUND')
    expectEnvelope(await call('PUT', `/api/admin/metrics/${id}`, {token: s.token.admin, body: {type: 'count'}}), 404, 'NOT_FOUND')
  })

  it.each(HOSTILE)('a category/name id with %j in it is a 404', async (text) => {
    expectEnvelope(await call('GET', `/api/metrics/revenue/${encodeURIComponent(text)}`, {token: s.token.admin}), 404, 'NOT_FOUND')
  })

  it.each(HOSTILE)('search, lookup and ?category= with %j answer normally', async (text) => {
    const q = encodeURIComponent(text)
    expect((await call('GET', `/api/search?q=${q}`, {token: s.token.analyst})).status).toBe(200)
    expect((await call('GET', `/api/lookup?synonym=${q}`, {token: s.token.analyst})).body).toEqual({metrics: []})
    expect((await call('GET', `/api/lookup?table=${q}`, {token: s.token.analyst})).body).toEqual({metrics: []})
    expect((await call('GET', `/api/metrics?category=${q}`, {token: s.token.analyst})).body).toEqual({metrics: []})
  })

  it.each(HOSTILE)('a GET /sql where filter %j never reaches the SQL text', async (text) => {
    const r = await call('GET', `/api/metrics/revenue/total_revenue/sql?where=${encodeURIComponent(`region=${text}`)}`, {token: s.token.analyst})
    expect(r.status).toBe(200)
    expect(r.body.sql).not.toContain(text.trim())
  })

  it.each(HOSTILE)('a metric named %j is a 422 on create and on import', async (text) => {
    expectEnvelope(await call('POST', '/api/admin/metrics', {token: s.token.admin, body: {name: text, category: 'sales', type: 'count', table: 'orders', time_column: 'ordered_at'}}), 422, 'VALIDATION')
    expectEnvelope(await call('POST', '/api/admin/metrics', {token: s.token.admin, body: {name: 'ok_name', category: text, type: 'count', table: 'orders', time_column: 'ordered_at'}}), 422, 'VALIDATION')
    const documents = [{file: 'x.yml', text: `name: ${JSON.stringify(text)}\ntype: count\ntable: orders\ntime_column: ordered_at\n`, category: 'sales'}]
    expectEnvelope(await call('POST', '/api/admin/import', {token: s.token.admin, body: {documents}}), 422, 'VALIDATION')
  })

  it.each(HOSTILE)('a token named %j is a 422, and revoking it a 404', async (text) => {
    expectEnvelope(await call('POST', '/api/admin/tokens', {token: s.token.admin, body: {name: text, role: 'analyst'}}), 422, 'VALIDATION')
    expectEnvelope(await call('DELETE', `/api/admin/tokens/${encodeURIComponent(text)}`, {token: s.token.admin}), 404, 'NOT_FOUND')
  })

  it.each(HOSTILE)('a bearer token %j is a 401', async (text) => {
    const r = await call('GET', '/api/metrics', {headers: {authorization: `Bearer ${encodeURIComponent(text)}`}})
    expectEnvelope(r, 401, 'UNAUTHORIZED')
  })
})

describe('errors leak nothing', () => {
  it('an internal error is a bare 500: no message, stack or SQL', async () => {
    const {createApp} = await import('../../src/server/app.js')
    const broken = {...s.catalog, list: async () => {
      throw new Error('Binder Error: SELECT secret FROM mc.metricat.api_tokens at /work/src/x.ts:1')
    }, db: s.catalog.db} as unknown as typeof s.catalog
    const app = createApp(broken, {tokens: s.tokens})
    const stderr = process.stderr.write
    process.stderr.write = (() => true) as typeof process.stderr.write
    try {
      const res = await app.request('/api/metrics', {headers: {authorization: `Bearer ${s.token.analyst}`}})
      expect(res.status).toBe(500)
      expect(await res.json()).toEqual({error: {code: 'INTERNAL', message: 'internal error', details: {}}})
    } finally {
      process.stderr.write = stderr
    }
  })
})

describe('points routes refuse bad input', () => {
  it('an ingest with malformed JSON, a bad point or an unknown field changes nothing', async () => {
    expectEnvelope(await call('POST', '/api/metrics/ingest', {token: s.token.service, raw: '{"points": [{', headers: {'content-type': 'application/json'}}), 400, 'BAD_REQUEST')
    expectEnvelope(await call('POST', '/api/metrics/ingest', {token: s.token.service, body: {points: [{metricKey: 'k', date: '2026-01-01', value: 1}, {metricKey: 'k', date: '2026-01-02', value: 1, sql: 'drop table x'}]}}), 422, 'VALIDATION')
    expectEnvelope(await call('POST', '/api/metrics/ingest', {token: s.token.service, body: {points: 'all'}}), 422, 'VALIDATION')
  })

  it.each(HOSTILE)('a points query by or filter dimension %j is bound, never SQL text', async (text) => {
    const r = await call('POST', '/api/metrics/points/query', {token: s.token.analyst, body: {key: text, bucket: 'none', by: ['platform'], filters: [{dimension: 'platform', op: '=', value: text}]}})
    expect([200, 400, 422]).toContain(r.status)
    if (r.status === 200) expect(r.body.sql).not.toContain(text)
  })
})
