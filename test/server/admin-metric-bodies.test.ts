// The admin API takes back what its own GET returns, Agnes' create body, and PATCH of some fields.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {TokenStore} from '../../src/core/tokens.js'
import {AGNES_PACK as PACK, loadAgnesWarehouse} from '../fixtures/agnes-pack.js'
import {newCatalog, tempDir} from '../helpers.js'
import {requester, type Requester} from './helpers.js'


let catalog: Catalog
let cleanup: () => void
let call: Requester
let admin: string

beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  catalog = await newCatalog(t.dir)
  await loadAgnesWarehouse(catalog)
  await catalog.importPath(PACK)
  admin = (await new TokenStore(catalog.db).createToken('admin-1', 'admin')).token
  call = requester(catalog)
})
afterAll(() => {
  catalog.close()
  cleanup()
})

describe('admin metric bodies', () => {
  it('PUT accepts the body GET returned (id, table_name, sql_variants, version fields) and changes nothing', async () => {
    const got = await call('GET', '/api/metrics/revenue/mrr', {token: admin})
    expect(got.body).toMatchObject({id: 'revenue/mrr', table_name: 'subscriptions', sql_variants: {plan: expect.any(String)}, version: 1})
    const put = await call('PUT', '/api/admin/metrics/revenue/mrr', {token: admin, body: got.body, headers: {'if-match': got.headers.get('etag')!}})
    expect(put.status).toBe(200)
    expect(put.body).toMatchObject({change: null, metric: {version: 1}})
  })

  it('POST accepts the GET body of another metric under a new name', async () => {
    const got = (await call('GET', '/api/metrics/revenue/arr', {token: admin})).body
    const r = await call('POST', '/api/admin/metrics', {token: admin, body: {...got, id: 'revenue/arr_copy', name: 'arr_copy', synonyms: undefined}})
    expect(r.status).toBe(201)
    expect(r.body.metric).toMatchObject({id: 'revenue/arr_copy', table_name: 'subscriptions', expression: 'SUM(mrr_amount) * 12', version: 1})
  })

  it('refuses an id that disagrees with name', async () => {
    const r = await call('POST', '/api/admin/metrics', {token: admin, body: {id: 'revenue/one', name: 'two', type: 'sum', table: 'subscriptions', time_column: 'billing_date', expression: 'mrr_amount'}})
    expect(r.status).toBe(422)
    expect(r.body.error.message).toMatch(/"name" is "two" but id revenue\/one says "one"/)
  })

  it('POST accepts an Agnes create body: grain monthly, notes as a list, an aggregate expression', async () => {
    const r = await call('POST', '/api/admin/metrics', {token: admin, body: {
      name: 'eu_mrr', display_name: 'EU MRR', category: 'revenue', type: 'sum', unit: 'USD', grain: 'monthly', table: 'subscriptions',
      expression: "SUM(mrr_amount) FILTER (WHERE region = 'EU')", time_column: 'billing_date', dimensions: ['plan_type'],
      notes: ['EU only', 'Company level'], synonyms: ['eu_recurring_revenue'],
    }})
    expect(r.status).toBe(201)
    expect(r.body.metric).toMatchObject({grain: 'month', notes: 'EU only\nCompany level'})
    const q = await call('POST', '/api/metrics/revenue/eu_mrr/query', {token: admin, body: {from: '2025-03-01', to: '2025-04-01'}})
    const [{v}] = await catalog.db.all<{v: number}>(`SELECT SUM(mrr_amount)::DOUBLE AS v FROM subscriptions WHERE region = 'EU' AND billing_date >= DATE '2025-03-01' AND billing_date < DATE '2025-04-01'`)
    expect(q.body.rows).toEqual([{period: '2025-03-01', value: v}])
  })

  it('POST refuses an expression that cannot bind over an existing table', async () => {
    const r = await call('POST', '/api/admin/metrics', {token: admin, body: {name: 'typo', category: 'revenue', type: 'sum', table: 'subscriptions', time_column: 'billing_date', expression: 'SUM(mrr_amont)'}})
    expect(r.status).toBe(422)
    expect(r.body.error.message).toMatch(/Binder Error: .*mrr_amont/)
    expect((await call('GET', '/api/metrics/revenue/typo', {token: admin})).status).toBe(404)
  })

  it('PATCH changes the fields it sends, removes those set to null, and keeps the rest', async () => {
    const before = (await call('GET', '/api/metrics/sales/pipeline_value', {token: admin})).body
    const r = await call('PATCH', '/api/admin/metrics/sales/pipeline_value', {token: admin, body: {unit: 'EUR', dimensions: null, owner: 'sales-ops'}, headers: {'if-match': `"${before.version}"`}})
    expect(r.status).toBe(200)
    expect(r.body.change).toBe('update')
    expect(r.body.metric).toMatchObject({unit: 'EUR', owner: 'sales-ops', version: before.version + 1, expression: before.expression, synonyms: before.synonyms})
    expect(r.body.metric.dimensions).toBeUndefined()
  })

  it('PATCH with a stale If-Match is a 409 and changes nothing', async () => {
    const before = (await call('GET', '/api/metrics/sales/upsell_expansion', {token: admin})).body
    const r = await call('PATCH', '/api/admin/metrics/sales/upsell_expansion', {token: admin, body: {unit: 'EUR'}, headers: {'if-match': `"${before.version + 5}"`}})
    expect(r.status).toBe(409)
    expect((await call('GET', '/api/metrics/sales/upsell_expansion', {token: admin})).body.unit).toBe('USD')
  })

  it('PATCH cannot rename a metric', async () => {
    const r = await call('PATCH', '/api/admin/metrics/sales/upsell_expansion', {token: admin, body: {name: 'renamed'}})
    expect(r.status).toBe(422)
  })

  it('POST /api/admin/import reads a document named metrics.yml as the index', async () => {
    const index = readFileSync(path.join(PACK, 'metrics.yml'), 'utf8')
    const r = await call('POST', '/api/admin/import', {token: admin, body: {dry_run: true, documents: [
      {file: 'metrics.yml', text: index},
      {file: 'revenue/mrr.yml', text: readFileSync(path.join(PACK, 'revenue', 'mrr.yml'), 'utf8')},
    ]}})
    expect(r.status).toBe(200)
    expect(r.body.warnings.map((w: {metric: string}) => w.metric)).toContain('operations/nps')
    expect(r.body.added).toEqual([])
  })

  it('OpenAPI lists PATCH /api/admin/metrics/{id}', async () => {
    const doc = (await call('GET', '/api/openapi.json')).body
    expect(doc.paths['/api/admin/metrics/{id}'].patch).toMatchObject({summary: expect.stringMatching(/some fields/)})
  })
})
