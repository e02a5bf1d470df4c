import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type DemoSetup, type Requester, requester, setupDemo} from './helpers.js'

let s: DemoSetup
let call: Requester

beforeAll(async () => {
  s = await setupDemo()
  call = requester(s.catalog, {tokens: s.tokens})
})
afterAll(() => s.cleanup())

async function pointCount(): Promise<number> {
  const [{n}] = await s.catalog.db.all<{n: number}>('SELECT count(*)::INTEGER AS n FROM mc.metricat.metric_points')
  return n
}

const point = (date: string, value: number, platform = 'steam') => ({metricKey: 'game.players', date, value, dimensions: {platform}})

describe('POST /api/metrics/ingest', () => {
  it('ingests a JSON {points} batch with a service token', async () => {
    const r = await call('POST', '/api/metrics/ingest', {token: s.token.service, body: {points: [point('2026-01-01', 10), point('2026-01-02', 12), point('2026-01-01', 7, 'xbox')]}})
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({points: 3, inserted: 3, format: 'array', source: 'body'})
  })

  it('reads NDJSON (any non-JSON content type), and a re-sent point replaces its value', async () => {
    const ndjson = `${JSON.stringify(point('2026-01-02', 15))}\n${JSON.stringify(point('2026-01-03', 9))}\n`
    const r = await call('POST', '/api/metrics/ingest', {token: s.token.admin, raw: ndjson, headers: {'content-type': 'application/x-ndjson'}})
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({format: 'ndjson', points: 2, inserted: 1, updated: 1})
  })

  it('rejects a batch with bad points as a 422 listing each by line, and stores none of it', async () => {
    const before = await pointCount()
    const ndjson = [point('2026-02-01', 1), {metricKey: 'game.players', date: 'yesterday', value: 1}, point('2026-02-02', 2), {metricKey: 'game.players', date: '2026-02-03', value: 'many'}].map((p) => JSON.stringify(p)).join('\n')
    const r = await call('POST', '/api/metrics/ingest', {token: s.token.service, raw: ndjson, headers: {'content-type': 'application/x-ndjson'}})
    expect(r.status).toBe(422)
    expect(r.body.error.code).toBe('VALIDATION')
    expect(r.body.error.details.problems.map((p: {line: number}) => p.line)).toEqual([2, 4])
    expect(await pointCount()).toBe(before)
  })

  it('a JSON batch with a bad point is a 422 naming its index', async () => {
    const before = await pointCount()
    const r = await call('POST', '/api/metrics/ingest', {token: s.token.service, body: {points: [point('2026-03-01', 1), {metricKey: 'game.players', date: '2026-03-02'}]}})
    expect(r.status).toBe(422)
    expect(r.body.error.details.problems[0]).toMatchObject({index: 1, path: expect.stringMatching(/^\/points\/1/)})
    expect(await pointCount()).toBe(before)
  })

  it('malformed JSON is a 400, and an unknown top-level field a 422', async () => {
    expect((await call('POST', '/api/metrics/ingest', {token: s.token.service, raw: '{"points": [', headers: {'content-type': 'application/json'}})).status).toBe(400)
    const r = await call('POST', '/api/metrics/ingest', {token: s.token.service, body: {points: [], source: 'x'}})
    expect(r.status).toBe(422)
    expect(r.body.error.details.problems[0].path).toBe('/source')
  })

  it('needs the service or admin role', async () => {
    expect((await call('POST', '/api/metrics/ingest', {token: s.token.analyst, body: {points: []}})).status).toBe(403)
    expect((await call('POST', '/api/metrics/ingest', {body: {points: []}})).status).toBe(401)
  })
})

describe('POST /api/metrics/points/query', () => {
  it('buckets and aggregates points (not a query of a metric called points)', async () => {
    const r = await call('POST', '/api/metrics/points/query', {token: s.token.analyst, body: {key: 'game.players', bucket: 'day', agg: 'sum', from: '2026-01-01', to: '2026-01-04'}})
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({key: 'game.players', bucket: 'day', agg: 'sum'})
    expect(r.body.rows.map((row: {value: number}) => row.value)).toEqual([17, 15, 9])
  })

  it('splits by a dimension key and binds filter values', async () => {
    const r = await call('POST', '/api/metrics/points/query', {token: s.token.analyst, body: {key: 'game.players', bucket: 'none', by: ['platform'], filters: [{dimension: 'platform', op: '=', value: "steam'; drop table x --"}]}})
    expect(r.status).toBe(200)
    expect(r.body.rows).toEqual([])
    expect(r.body.sql).not.toContain('drop table')
  })

  it('a bad request body is a 422 naming the field', async () => {
    const r = await call('POST', '/api/metrics/points/query', {token: s.token.analyst, body: {key: 'game.players', bucket: 'fortnight', extra: 1}})
    expect(r.status).toBe(422)
    expect(r.body.error.details.problems.map((p: {path: string}) => p.path)).toEqual(expect.arrayContaining(['/bucket', '/extra']))
  })

  it('is a query: service may not', async () => {
    expect((await call('POST', '/api/metrics/points/query', {token: s.token.service, body: {key: 'game.players'}})).status).toBe(403)
  })
})

describe('GET|POST /api/data-sources', () => {
  it('registers a data source (201), refuses the same id again (409), lists it', async () => {
    const made = await call('POST', '/api/data-sources', {token: s.token.service, body: {id: 'steam', name: 'Steam players', connector_key: 'steam'}})
    expect(made.status).toBe(201)
    expect(made.body).toMatchObject({created: true, source: {id: 'steam', name: 'Steam players'}})
    expect((await call('POST', '/api/data-sources', {token: s.token.admin, body: {id: 'steam'}})).status).toBe(409)
    const list = await call('GET', '/api/data-sources', {token: s.token.analyst})
    expect(list.status).toBe(200)
    expect(list.body.data_sources.map((d: {id: string}) => d.id)).toEqual(['steam'])
  })

  it('a data source with an unknown field is a 422; an analyst may not register one', async () => {
    expect((await call('POST', '/api/data-sources', {token: s.token.admin, body: {id: 'x', secret: 'y'}})).status).toBe(422)
    expect((await call('POST', '/api/data-sources', {token: s.token.analyst, body: {id: 'x'}})).status).toBe(403)
  })
})
