import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'

import {MIGRATIONS} from '../../src/db/migrations/index.js'
import {type DemoSetup, type Requester, expectSameRows, requester, setupDemo} from './helpers.js'

let s: DemoSetup
let call: Requester
let publicCall: Requester
const LOCAL = 'mct_local-token-for-tests'

beforeAll(async () => {
  s = await setupDemo()
  call = requester(s.catalog, {tokens: s.tokens, localToken: LOCAL})
  publicCall = requester(s.catalog, {tokens: s.tokens, publicRead: true})
})
afterAll(() => s.cleanup())

const MRR_YAML = `name: api_mrr
display_name: API MRR
type: sum
table: subscriptions
time_column: snapshot_month
expression: mrr
grain: month
`

describe('reads', () => {
  it('GET /api/health answers without a token', async () => {
    const r = await call('GET', '/api/health')
    expect(r).toMatchObject({status: 200, body: {status: 'ok'}})
  })

  it('GET /api/metrics lists every metric, and ?category= one category', async () => {
    const all = await call('GET', '/api/metrics', {token: s.token.analyst})
    expect(all.status).toBe(200)
    expect(all.body.metrics.map((m: {id: string}) => m.id)).toEqual((await s.catalog.list()).map((m) => m.id))
    const revenue = await call('GET', '/api/metrics?category=revenue', {token: s.token.analyst})
    expect(revenue.body.metrics.map((m: {id: string}) => m.id)).toEqual(['revenue/arr', 'revenue/churn_rate', 'revenue/mrr', 'revenue/revenue_churn_rate', 'revenue/total_revenue'])
  })

  it('GET /api/metrics?q= returns matching metrics, best first', async () => {
    const r = await call('GET', '/api/metrics?q=recurring%20revenue', {token: s.token.analyst})
    expect(r.status).toBe(200)
    expect(r.body.metrics[0].id).toBe((await s.catalog.search('recurring revenue'))[0]!.id)
    expect(r.body.metrics[0]).toHaveProperty('content_hash')
  })

  it('GET /api/metrics/{id} returns the definition for an id with its slash as is', async () => {
    const r = await call('GET', '/api/metrics/revenue/mrr', {token: s.token.analyst})
    expect(r.status).toBe(200)
    expect(r.body).toEqual(JSON.parse(JSON.stringify(await s.catalog.get('revenue/mrr'))))
    expect(r.headers.get('etag')).toBe(`"${r.body.version}"`)
  })

  it('GET /api/metrics/{id} accepts the slash encoded', async () => {
    const r = await call('GET', '/api/metrics/revenue%2Fmrr', {token: s.token.analyst})
    expect(r.status).toBe(200)
    expect(r.body.id).toBe('revenue/mrr')
  })

  it('GET /api/metrics/{id}?version=1 returns that version', async () => {
    const r = await call('GET', '/api/metrics/revenue/mrr?version=1', {token: s.token.analyst})
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({id: 'revenue/mrr', version: 1, change: 'create'})
  })

  it('GET /api/metrics/{id} serves from memory: no DuckDB round trip per request', async () => {
    await call('GET', '/api/metrics/revenue/mrr', {token: s.token.analyst})
    const all = vi.spyOn(s.catalog.db, 'all')
    const query = vi.spyOn(s.catalog.db, 'query')
    try {
      for (let i = 0; i < 5; i++) expect((await call('GET', '/api/metrics/revenue/arr', {token: s.token.analyst})).status).toBe(200)
      expect((await call('GET', '/api/metrics', {token: s.token.analyst})).status).toBe(200)
      expect((await call('GET', '/api/search?q=churn', {token: s.token.analyst})).status).toBe(200)
      expect(all).not.toHaveBeenCalled()
      expect(query).not.toHaveBeenCalled()
    } finally {
      all.mockRestore()
      query.mockRestore()
    }
  })

  it('GET /api/metrics/{id} returns 404 with close matches for an unknown metric', async () => {
    const r = await call('GET', '/api/metrics/revenue/mrrr', {token: s.token.analyst})
    expect(r.status).toBe(404)
    expect(r.body.error).toMatchObject({code: 'NOT_FOUND', message: expect.stringContaining('did you mean revenue/mrr'), details: {id: 'revenue/mrrr'}})
  })

  it('GET /api/metrics/{id}/history lists the versions', async () => {
    const r = await call('GET', '/api/metrics/revenue/mrr/history', {token: s.token.analyst})
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({id: 'revenue/mrr', versions: [{id: 'revenue/mrr', version: 1, change: 'create', source: 'yaml'}]})
  })

  it('GET /api/search?q= ranks matches; a missing or blank q is a 400', async () => {
    const r = await call('GET', '/api/search?q=churn', {token: s.token.analyst})
    expect(r.status).toBe(200)
    expect(r.body).toEqual({query: 'churn', results: JSON.parse(JSON.stringify(await s.catalog.search('churn')))})
    expect((await call('GET', '/api/search', {token: s.token.analyst})).status).toBe(400)
    expect((await call('GET', '/api/search?q=%20%20', {token: s.token.analyst})).status).toBe(400)
  })

  it('GET /api/lookup finds by synonym or by table, and needs exactly one of them', async () => {
    const bySynonym = await call('GET', '/api/lookup?synonym=mrr', {token: s.token.analyst})
    expect(bySynonym.body.metrics.map((m: {id: string}) => m.id)).toEqual(['revenue/mrr'])
    const byTable = await call('GET', '/api/lookup?table=orders', {token: s.token.analyst})
    expect(byTable.body.metrics.map((m: {id: string}) => m.id)).toEqual((await s.catalog.lookupTable('orders')).map((m) => m.id))
    const neither = await call('GET', '/api/lookup', {token: s.token.analyst})
    expect(neither.status).toBe(400)
    expect(neither.body.error.code).toBe('BAD_REQUEST')
  })

  it('GET /api/tables maps tables to metrics', async () => {
    const r = await call('GET', '/api/tables', {token: s.token.analyst})
    expect(r.status).toBe(200)
    expect(r.body.tables).toEqual(await s.catalog.tables())
  })

  it('GET /api/openapi.json describes every route and the query body', async () => {
    const r = await call('GET', '/api/openapi.json')
    expect(r.status).toBe(200)
    expect(r.body.openapi).toBe('3.1.0')
    expect(Object.keys(r.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/health',
        '/api/metrics',
        '/api/metrics/{id}',
        '/api/metrics/{id}/history',
        '/api/metrics/{id}/query',
        '/api/metrics/{id}/sql',
        '/api/search',
        '/api/lookup',
        '/api/tables',
        '/api/admin/metrics',
        '/api/admin/metrics/{id}',
        '/api/admin/import',
        '/api/admin/tokens',
        '/api/openapi.json',
        '/api/metrics/ingest',
        '/api/metrics/points/query',
        '/api/data-sources',
      ]),
    )
    expect(Object.keys(r.body.components.schemas.QueryRequest.properties)).toEqual(['grain', 'by', 'filters', 'from', 'to', 'range', 'compare', 'variant', 'limit', 'order', 'desc', 'strict', 'no_rollup'])
    expect(r.body.paths['/api/admin/metrics'].post.requestBody.content['application/json'].schema).toEqual({$ref: '#/components/schemas/MetricDefinition'})
  })

  it('ID/history is the history of ID; a metric named history is reachable with the slash encoded', async () => {
    await s.catalog.putMetric({name: 'history', category: 'ops', type: 'count', table: 'orders', time_column: 'ordered_at'})
    await s.catalog.list()
    expect((await call('GET', '/api/metrics/ops/history', {token: s.token.analyst})).body.error.message).toMatch(/^unknown metric ops/)
    expect((await call('GET', '/api/metrics/ops%2Fhistory', {token: s.token.analyst})).body.id).toBe('ops/history')
    expect((await call('GET', '/api/metrics/ops%2Fhistory/history', {token: s.token.analyst})).body.versions).toHaveLength(1)
    expect((await call('GET', '/api/metrics/ops/history/history', {token: s.token.analyst})).body.versions).toHaveLength(1)
  })

  it('an unknown route is a 404 in the error envelope', async () => {
    const r = await call('GET', '/api/nope', {token: s.token.admin})
    expect(r.status).toBe(404)
    expect(r.body).toEqual({error: {code: 'NOT_FOUND', message: expect.stringContaining('no route GET /api/nope'), details: {method: 'GET', path: '/api/nope'}}})
  })
})

describe('queries', () => {
  it('POST /api/metrics/{id}/query returns the same result as the core call', async () => {
    const body = {grain: 'quarter', by: ['region'], filters: [{dimension: 'channel', op: 'in', value: ['web', 'partner']}], from: '2025-01-01', to: '2026-01-01'}
    const r = await call('POST', '/api/metrics/revenue/total_revenue/query', {token: s.token.analyst, body})
    expect(r.status).toBe(200)
    const {rows, ...rest} = await s.catalog.queryMetric({metric: 'revenue/total_revenue', ...body} as never)
    expect({...r.body, rows: undefined}).toEqual({...rest, rows: undefined})
    expectSameRows(r.body.rows, rows)
    expect(r.body.rows.length).toBeGreaterThan(0)
    expect(r.body.columns).toEqual(['period', 'region', 'value'])
  })

  it('POST /api/metrics/{id}/query with compare adds previous_value and growth_pct', async () => {
    const r = await call('POST', '/api/metrics/revenue/mrr/query', {token: s.token.analyst, body: {compare: 'previous', from: '2026-01-01', to: '2026-04-01'}})
    expect(r.status).toBe(200)
    expect(r.body.columns).toEqual(['period', 'value', 'previous_value', 'growth_pct'])
    expect(r.body.rows).toHaveLength(3)
  })

  it('POST /api/metrics/{id}/query with an empty body uses the defaults', async () => {
    const r = await call('POST', '/api/metrics/revenue/mrr/query', {token: s.token.analyst, body: {}})
    expect(r.status).toBe(200)
    expect(r.body.grain).toBe('month')
  })

  it('GET /api/metrics/{id}/sql takes the CLI flags as parameters', async () => {
    const r = await call('GET', '/api/metrics/revenue/total_revenue/sql?grain=week&by=region&where=channel%20in%20web,partner&limit=5', {token: s.token.analyst})
    expect(r.status).toBe(200)
    expect(r.body).toEqual(
      await s.catalog.compileQuery({metric: 'revenue/total_revenue', grain: 'week', by: ['region'], filters: [{dimension: 'channel', op: 'in', value: ['web', 'partner']}], limit: 5}),
    )
    expect(r.body.params).toEqual(['web', 'partner'])
  })

  it('POST /api/metrics/{id}/sql compiles a JSON query body without running it', async () => {
    const query = vi.spyOn(s.catalog.db, 'query')
    try {
      const r = await call('POST', '/api/metrics/revenue/mrr/sql', {token: s.token.analyst, body: {grain: 'year'}})
      expect(r.status).toBe(200)
      expect(r.body.sql).toContain("date_trunc('year'")
      expect(query).not.toHaveBeenCalled()
    } finally {
      query.mockRestore()
    }
  })

  it('an unknown variant is a 404', async () => {
    const r = await call('POST', '/api/metrics/revenue/mrr/query', {token: s.token.analyst, body: {variant: 'nope'}})
    expect(r.status).toBe(404)
    expect(r.body.error.code).toBe('NOT_FOUND')
  })
})

describe('auth and roles', () => {
  it('a read without a token is a 401 with WWW-Authenticate', async () => {
    const r = await call('GET', '/api/metrics')
    expect(r.status).toBe(401)
    expect(r.body.error.code).toBe('UNAUTHORIZED')
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/)
  })

  it('an unknown token is a 401, even on a public route', async () => {
    expect((await call('GET', '/api/metrics', {token: 'mct_not-a-real-token'})).status).toBe(401)
    expect((await publicCall('GET', '/api/metrics', {token: 'mct_not-a-real-token'})).status).toBe(401)
  })

  it('a malformed Authorization header is a 401', async () => {
    const r = await call('GET', '/api/metrics', {headers: {authorization: 'Basic abc'}})
    expect(r.status).toBe(401)
    expect(r.body.error.message).toMatch(/Bearer/)
  })

  it('--public-read lets catalog reads through without a token, but not queries or writes', async () => {
    expect((await publicCall('GET', '/api/metrics')).status).toBe(200)
    expect((await publicCall('GET', '/api/metrics/revenue/mrr')).status).toBe(200)
    expect((await publicCall('GET', '/api/metrics/revenue/mrr/history')).status).toBe(200)
    expect((await publicCall('POST', '/api/metrics/revenue/mrr/query', {body: {}})).status).toBe(401)
    expect((await publicCall('DELETE', '/api/admin/metrics/revenue/mrr')).status).toBe(401)
  })

  it('analyst reads and queries, but gets 403 on admin routes', async () => {
    expect((await call('GET', '/api/metrics', {token: s.token.analyst})).status).toBe(200)
    expect((await call('POST', '/api/metrics/revenue/mrr/query', {token: s.token.analyst, body: {}})).status).toBe(200)
    const r = await call('POST', '/api/admin/import', {token: s.token.analyst, raw: MRR_YAML, headers: {'content-type': 'application/yaml'}})
    expect(r.status).toBe(403)
    expect(r.body.error).toMatchObject({code: 'FORBIDDEN', details: {role: 'analyst', needs: 'admin'}})
    expect((await call('GET', '/api/admin/tokens', {token: s.token.analyst})).status).toBe(403)
  })

  it('service may not read or query the catalog', async () => {
    expect((await call('GET', '/api/metrics', {token: s.token.service})).status).toBe(403)
    expect((await call('POST', '/api/metrics/revenue/mrr/query', {token: s.token.service, body: {}})).status).toBe(403)
    expect((await call('DELETE', '/api/admin/metrics/revenue/mrr', {token: s.token.service})).status).toBe(403)
  })

  it('the per-run local token acts as admin', async () => {
    expect((await call('GET', '/api/admin/tokens', {token: LOCAL})).status).toBe(200)
  })

  it('a revoked token gets 401 from then on', async () => {
    const made = await call('POST', '/api/admin/tokens', {token: s.token.admin, body: {name: 'short-lived', role: 'analyst'}})
    expect(made.status).toBe(201)
    expect((await call('GET', '/api/metrics', {token: made.body.token})).status).toBe(200)
    expect((await call('DELETE', '/api/admin/tokens/short-lived', {token: s.token.admin})).status).toBe(200)
    expect((await call('GET', '/api/metrics', {token: made.body.token})).status).toBe(401)
  })

  it('tokens are listed without their secrets, and a taken name is a 409', async () => {
    const list = await call('GET', '/api/admin/tokens', {token: s.token.admin})
    expect(list.body.tokens.map((t: {name: string}) => t.name)).toEqual(expect.arrayContaining(['admin-1', 'analyst-1', 'service-1']))
    expect(JSON.stringify(list.body)).not.toContain(s.token.admin)
    const dup = await call('POST', '/api/admin/tokens', {token: s.token.admin, body: {name: 'analyst-1', role: 'analyst'}})
    expect(dup.status).toBe(409)
    expect(dup.body.error.code).toBe('CONFLICT')
    expect((await call('DELETE', '/api/admin/tokens/nobody', {token: s.token.admin})).status).toBe(404)
  })
})

describe('admin', () => {
  it('POST /api/admin/metrics creates (201), then replaces (200) a metric and records the actor', async () => {
    const def = {name: 'api_orders', category: 'sales', type: 'count', table: 'orders', time_column: 'ordered_at', grain: 'month'}
    const created = await call('POST', '/api/admin/metrics', {token: s.token.admin, body: def})
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({change: 'create', metric: {id: 'sales/api_orders', version: 1}})
    const replaced = await call('POST', '/api/admin/metrics', {token: s.token.admin, body: {...def, display_name: 'Orders (API)'}})
    expect(replaced.status).toBe(200)
    expect(replaced.body).toMatchObject({change: 'update', metric: {version: 2, display_name: 'Orders (API)'}})
    const history = await s.catalog.history('sales/api_orders')
    expect(history.map((h) => [h.version, h.source, h.actor])).toEqual([
      [1, 'api', 'admin-1'],
      [2, 'api', 'admin-1'],
    ])
  })

  it('a write is visible to the next read at once', async () => {
    const def = {name: 'api_visible', category: 'sales', type: 'count', table: 'orders', time_column: 'ordered_at'}
    await call('GET', '/api/metrics', {token: s.token.admin})
    expect((await call('POST', '/api/admin/metrics', {token: s.token.admin, body: def})).status).toBe(201)
    expect((await call('GET', '/api/metrics/sales/api_visible', {token: s.token.analyst})).status).toBe(200)
    const list = await call('GET', '/api/metrics?category=sales', {token: s.token.analyst})
    expect(list.body.metrics.map((m: {id: string}) => m.id)).toContain('sales/api_visible')
  })

  it('GET of a metric after a replace serves the new definition, not a cached one', async () => {
    const def = {name: 'api_fresh', category: 'sales', type: 'count', table: 'orders', time_column: 'ordered_at'}
    await call('POST', '/api/admin/metrics', {token: s.token.admin, body: def})
    expect((await call('GET', '/api/metrics/sales/api_fresh', {token: s.token.analyst})).body.version).toBe(1)
    await call('POST', '/api/admin/metrics', {token: s.token.admin, body: {...def, unit: 'orders'}})
    const r = await call('GET', '/api/metrics/sales/api_fresh', {token: s.token.analyst})
    expect(r.body).toMatchObject({version: 2, unit: 'orders'})
    expect(r.headers.get('etag')).toBe('"2"')
  })

  it('POST /api/admin/metrics with a bad definition is a 422 naming the field', async () => {
    const r = await call('POST', '/api/admin/metrics', {token: s.token.admin, body: {name: 'bad_one', category: 'sales', type: 'sum', tabel: 'orders'}})
    expect(r.status).toBe(422)
    expect(r.body.error.code).toBe('VALIDATION')
    expect(r.body.error.details.problems).toEqual([expect.objectContaining({path: '/tabel', message: expect.stringContaining('unknown field "tabel"')})])
  })

  it('PUT /api/admin/metrics/{id} updates an existing metric; the id gives name and category', async () => {
    await call('POST', '/api/admin/metrics', {token: s.token.admin, body: {name: 'api_put', category: 'sales', type: 'count', table: 'orders', time_column: 'ordered_at'}})
    const r = await call('PUT', '/api/admin/metrics/sales/api_put', {token: s.token.admin, body: {type: 'count', table: 'orders', time_column: 'ordered_at', unit: 'orders'}})
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({change: 'update', metric: {id: 'sales/api_put', unit: 'orders', version: 2}})
  })

  it('PUT of an unknown metric is a 404, and a body naming another metric a 422', async () => {
    expect((await call('PUT', '/api/admin/metrics/sales/nope', {token: s.token.admin, body: {type: 'count'}})).status).toBe(404)
    const r = await call('PUT', '/api/admin/metrics/revenue/mrr', {token: s.token.admin, body: {name: 'other', type: 'count'}})
    expect(r.status).toBe(422)
    expect(r.body.error.details.problems[0].path).toBe('/name')
  })

  it('PUT with a stale If-Match version is a 409 and changes nothing', async () => {
    await call('POST', '/api/admin/metrics', {token: s.token.admin, body: {name: 'api_match', category: 'sales', type: 'count', table: 'orders', time_column: 'ordered_at'}})
    const r = await call('PUT', '/api/admin/metrics/sales/api_match', {token: s.token.admin, headers: {'if-match': '"7"'}, body: {type: 'count', table: 'orders', unit: 'x'}})
    expect(r.status).toBe(409)
    expect(r.body.error).toMatchObject({code: 'CONFLICT', details: {version: 1, expected: 7}})
    expect((await s.catalog.get('sales/api_match')).version).toBe(1)
    const ok = await call('PUT', '/api/admin/metrics/sales/api_match', {token: s.token.admin, headers: {'if-match': '"1"'}, body: {type: 'count', table: 'orders', time_column: 'ordered_at', unit: 'x'}})
    expect(ok.status).toBe(200)
  })

  it('DELETE /api/admin/metrics/{id} deletes and keeps the history; a second delete is a 404', async () => {
    await call('POST', '/api/admin/metrics', {token: s.token.admin, body: {name: 'api_gone', category: 'sales', type: 'count', table: 'orders', time_column: 'ordered_at'}})
    const r = await call('DELETE', '/api/admin/metrics/sales/api_gone', {token: s.token.admin})
    expect(r).toMatchObject({status: 200, body: {id: 'sales/api_gone', deleted: true}})
    expect((await call('GET', '/api/metrics/sales/api_gone', {token: s.token.admin})).status).toBe(404)
    const history = await call('GET', '/api/metrics/sales/api_gone/history', {token: s.token.admin})
    expect(history.body.versions.map((v: {change: string}) => v.change)).toEqual(['create', 'delete'])
    expect((await call('DELETE', '/api/admin/metrics/sales/api_gone', {token: s.token.admin})).status).toBe(404)
  })

  it('POST /api/admin/import applies JSON documents atomically and returns the plan', async () => {
    const documents = [
      {file: 'revenue/api_mrr.yml', text: MRR_YAML, category: 'revenue'},
      {file: 'revenue/api_arr.yml', text: 'name: api_arr\ntype: derived\nformula: revenue/api_mrr * 12\n', category: 'revenue'},
    ]
    const dry = await call('POST', '/api/admin/import', {token: s.token.admin, body: {documents, dry_run: true}})
    expect(dry.status).toBe(200)
    expect(dry.body).toMatchObject({applied: false, added: [{id: 'revenue/api_mrr'}, {id: 'revenue/api_arr'}]})
    expect((await call('GET', '/api/metrics/revenue/api_mrr', {token: s.token.admin})).status).toBe(404)
    const r = await call('POST', '/api/admin/import', {token: s.token.admin, body: {documents}})
    expect(r.body).toMatchObject({applied: true, added: [{id: 'revenue/api_mrr'}, {id: 'revenue/api_arr'}]})
    const again = await call('POST', '/api/admin/import', {token: s.token.admin, body: {documents}})
    expect(again.body).toMatchObject({applied: false, added: [], changed: [], unchanged: ['revenue/api_mrr', 'revenue/api_arr']})
  })

  it('POST /api/admin/import takes a raw YAML body with ?category=', async () => {
    const r = await call('POST', '/api/admin/import?category=ops', {token: s.token.admin, raw: MRR_YAML.replace('api_mrr', 'api_yaml_body'), headers: {'content-type': 'application/yaml'}})
    expect(r.status).toBe(200)
    expect(r.body.added).toEqual([expect.objectContaining({id: 'ops/api_yaml_body'})])
  })

  it('an import with one bad document is a 422 with file, line and column, and writes nothing', async () => {
    const documents = [
      {file: 'revenue/good.yml', text: MRR_YAML.replace('api_mrr', 'api_good'), category: 'revenue'},
      {file: 'revenue/bad.yml', text: 'name: api_bad\ntype: sum\nexpresion: amount\n', category: 'revenue'},
    ]
    const r = await call('POST', '/api/admin/import', {token: s.token.admin, body: {documents}})
    expect(r.status).toBe(422)
    expect(r.body.error.details.problems).toEqual([expect.objectContaining({file: 'revenue/bad.yml', line: 3, column: 1, message: expect.stringContaining('unknown field "expresion"')})])
    expect((await call('GET', '/api/metrics/revenue/api_good', {token: s.token.admin})).status).toBe(404)
  })
})

describe('schema', () => {
  it('the api_tokens migration is part of the schema', () => {
    expect(MIGRATIONS.map((m) => m.name)).toContain('api-tokens')
  })
})
