import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {resultCsv} from '../../src/cli/print-result.js'
import {createApp} from '../../src/server/app.js'
import {webAssets} from '../../src/web/assets.js'
import {expectSameRows} from '../same-rows.js'
import {setupDemo, type DemoSetup} from '../server/helpers.js'
import {csvRows} from './csv-rows.js'

let demo: DemoSetup
let app: ReturnType<typeof createApp>
let open: ReturnType<typeof createApp>

beforeAll(async () => {
  demo = await setupDemo()
  app = createApp(demo.catalog)
  open = createApp(demo.catalog, {publicRead: true})
})
afterAll(() => demo.cleanup())

const get = (a: ReturnType<typeof createApp>, url: string, token?: string) => a.request(url, {headers: token ? {authorization: `Bearer ${token}`} : {}})

describe('web pages (in-process)', () => {
  it('sends a visitor without a token to the sign-in page, keeping where they were going', async () => {
    const r = await get(app, '/metrics/revenue/mrr?grain=quarter')
    expect(r.status).toBe(303)
    expect(r.headers.get('location')).toBe(`/sign-in?next=${encodeURIComponent('/metrics/revenue/mrr?grain=quarter')}`)
  })

  it('serves the catalog without a token under --public-read, but not the charts', async () => {
    const page = await get(open, '/')
    expect(page.status).toBe(200)
    const html = await page.text()
    for (const m of await demo.catalog.list()) expect(html).toContain(`data-id="${m.id}"`)
    const metric = await (await get(open, '/metrics/revenue/mrr')).text()
    expect(metric).toContain('sign in</a> with an analyst or admin token')
    expect(metric).not.toContain('id="chart"')
    expect((await get(open, '/metrics/revenue/mrr/data.csv')).status).toBe(401)
  })

  it('signs in with a known token (a session cookie, HttpOnly) and refuses an unknown one', async () => {
    const ok = await app.request('/sign-in', {method: 'POST', body: new URLSearchParams({token: demo.token.analyst, next: '/metrics/revenue/mrr'})})
    expect(ok.status).toBe(303)
    expect(ok.headers.get('location')).toBe('/metrics/revenue/mrr')
    const cookie = ok.headers.get('set-cookie')!
    expect(cookie).toMatch(/^metricat_token=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/)
    const page = await app.request('/metrics/revenue/mrr', {headers: {cookie: cookie.split(';')[0]!}})
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('id="chart"')
    const bad = await app.request('/sign-in', {method: 'POST', body: new URLSearchParams({token: 'mct_nope', next: '/'})})
    expect(bad.status).toBe(401)
    expect(bad.headers.get('set-cookie')).toBeNull()
  })

  it('does not send a signed-in visitor to another site', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example', '/\\evil.example']) {
      const r = await app.request('/sign-in', {method: 'POST', body: new URLSearchParams({token: demo.token.analyst, next})})
      expect(r.headers.get('location')).toBe('/')
    }
  })

  it('refuses a service token the pages, with an HTML 403', async () => {
    const r = await get(app, '/', demo.token.service)
    expect(r.status).toBe(403)
    expect(r.headers.get('content-type')).toMatch(/text\/html/)
    expect(await r.text()).toContain('may not read the catalog')
  })

  it('the cookie is not a token for the JSON API', async () => {
    const r = await app.request('/api/metrics', {headers: {cookie: `metricat_token=${demo.token.analyst}`}})
    expect(r.status).toBe(401)
  })

  it('downloads the CSV the CLI prints for the same request', async () => {
    const r = await get(app, '/metrics/revenue/total_revenue/data.csv?grain=quarter&by=region&where=region+in+EU%2CNA', demo.token.analyst)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="total_revenue.csv"')
    const result = await demo.catalog.queryMetric({metric: 'revenue/total_revenue', grain: 'quarter', by: ['region'], filters: [{dimension: 'region', op: 'in', value: ['EU', 'NA']}]})
    const text = await r.text()
    expect(text.split('\n')[0]).toBe('period,region,value')
    // the same text but for the last bits of parallel float sums
    expectSameRows(csvRows(text), csvRows(resultCsv(result)), {keyOrder: true})
  })

  it('turns the filter row into a where parameter, and drops one by its index', async () => {
    const added = await (await get(app, '/metrics/revenue/total_revenue/explore?by=region&f_dim=region&f_op=in&f_val=EU,NA', demo.token.analyst)).text()
    expect(added).toContain('data-query="by=region&amp;where=region+in+EU%2CNA"')
    expect(added).toMatch(/"series":\[\{"name":"EU".*\{"name":"NA"/)
    const dropped = await (await get(app, '/metrics/revenue/total_revenue/explore?by=region&where=region+in+EU%2CNA&drop=0&f_val=x', demo.token.analyst)).text()
    expect(dropped).toContain('data-query="by=region"')
  })

  it('shows a bad request as a message in the chart section, not a broken page', async () => {
    const r = await get(app, '/metrics/revenue/total_revenue?by=nope', demo.token.analyst)
    expect(r.status).toBe(200)
    expect(await r.text()).toMatch(/class="alert" role="alert" id="explore-error">[^<]*nope/)
  })

  it('escapes what a request sends wherever the page shows it (filter chips, warnings, the query)', async () => {
    const evil = '<img src=x onerror=alert(1)>'
    const r = await get(app, `/metrics/revenue/total_revenue?by=region&where=${encodeURIComponent(`region=${evil}`)}&from=2026-01-01`, demo.token.analyst)
    expect(r.status).toBe(200)
    const html = await r.text()
    expect(html).not.toContain('<img')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    const search = await (await get(app, `/?q=${encodeURIComponent('</script><script>alert(1)</script>')}`, demo.token.analyst)).text()
    expect(search).not.toContain('<script>alert(1)')
  })

  it('answers an unknown metric with an HTML 404 that names it', async () => {
    const r = await get(app, '/metrics/revenue/nope', demo.token.analyst)
    expect(r.status).toBe(404)
    expect(await r.text()).toContain('unknown metric revenue/nope')
  })

  it('renders every page under a CSP that allows no inline script or style', async () => {
    for (const url of ['/', '/metrics/revenue/total_revenue', '/points', '/sign-in']) {
      const r = await get(app, url, demo.token.analyst)
      expect(r.headers.get('content-security-policy')).toMatch(/script-src 'self';/)
      const html = await r.text()
      expect(html).not.toMatch(/\son[a-z]+=|\sstyle=|<script>(?!<\/script>)/i)
      expect(html).not.toMatch(/https?:\/\//)
    }
  })

  it('serves its assets from the package with their content types, cached for good under a content-hashed URL', async () => {
    for (const asset of webAssets().values()) {
      const r = await app.request(asset.url)
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toBe(asset.type)
      expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    }
    expect((await app.request('/assets/000000000000/client.js')).status).toBe(404)
  })

  it('highlights the SQL and lists versions with field-by-field changes', async () => {
    await demo.catalog.patchMetric('revenue/mrr', {unit: 'EUR'}, {source: 'cli'})
    const html = await (await get(app, '/metrics/revenue/mrr', demo.token.analyst)).text()
    expect(html).toContain('<span class="kw">SELECT</span>')
    expect(html).toMatch(/Version 2: update[\s\S]*<th scope="row">unit<\/th><td class="before">USD<\/td><td class="after">EUR<\/td>/)
    expect(html).toContain('Version 1: create')
  })
})
