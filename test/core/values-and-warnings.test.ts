// Dimension values and filter values no row has (issue 8 item 6), over the demo warehouse.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {TokenStore} from '../../src/core/tokens.js'
import {demoDatabase, newCatalog, runCommand, tempDir} from '../helpers.js'
import {type Requester, requester} from '../server/helpers.js'

let catalog: Catalog
let db: string
let cleanup: () => void
let call: Requester
let token: string

beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  db = await demoDatabase(t.dir)
  catalog = await openCatalog({db})
  const tokens = new TokenStore(catalog.db)
  token = (await tokens.createToken('analyst-1', 'analyst')).token
  call = requester(catalog, {tokens})
})
afterAll(() => {
  catalog.close()
  cleanup()
})

describe('dimension values', () => {
  it('lists a dimension\'s values with the rows of each, within the metric\'s filters', async () => {
    const result = await catalog.dimensionValues('revenue/total_revenue', 'region')
    const hand = (await catalog.db.query(`SELECT region AS value, count(*)::INTEGER AS rows FROM orders WHERE status = 'completed' GROUP BY 1 ORDER BY 2 DESC, 1`)).rows
    expect(result.values).toEqual(hand)
    expect(result.truncated).toBe(false)
  })

  it('narrows values with a case-insensitive search', async () => {
    const result = await catalog.dimensionValues('revenue/total_revenue', 'region', {search: 'e'})
    expect(result.values.length).toBeGreaterThan(0)
    for (const v of result.values) expect(String(v.value).toLowerCase()).toContain('e')
  })

  it('answers GET /api/metrics/{id}/dimensions/{dim}/values and 400 for an undeclared dimension', async () => {
    const ok = await call('GET', '/api/metrics/revenue/total_revenue/dimensions/channel/values?limit=2', {token})
    expect(ok.status).toBe(200)
    const body = ok.body as {values: unknown[]; truncated: boolean}
    expect(body.values).toHaveLength(2)
    expect(body.truncated).toBe(true)
    const bad = await call('GET', '/api/metrics/revenue/total_revenue/dimensions/nope/values', {token})
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.body)).toContain('region')
  })

  it('metricat values prints them as JSON', async () => {
    const result = await runCommand(['values', 'revenue/total_revenue', 'region', '--json'], {env: {METRICAT_DB: db}})
    expect(result.code).toBe(0)
    const body = JSON.parse(result.stdout) as {dimension: string; values: {value: string}[]}
    expect(body.dimension).toBe('region')
    expect(body.values.map((v) => v.value)).toContain('EU')
  })
})

describe('a filter value that no row has', () => {
  it('adds a warning naming the closest value', async () => {
    const result = await catalog.queryMetric({metric: 'revenue/total_revenue', filters: [{dimension: 'region', op: '=', value: 'Europe'}], from: '2025-01-01', to: '2025-03-01'})
    expect(result.warnings).toEqual([expect.stringMatching(/^no row has region = Europe; did you mean EU\?/)])
  })

  it('warns about the one value of an in-list that is absent, not the others', async () => {
    const result = await catalog.queryMetric({metric: 'revenue/total_revenue', filters: [{dimension: 'region', op: 'in', value: ['EU', 'Mars']}], from: '2025-01-01', to: '2025-03-01'})
    expect(result.warnings).toHaveLength(1)
    expect(result.warnings[0]).toMatch(/^no row has region = Mars/)
    expect(result.rows.length).toBeGreaterThan(0)
  })

  it('gives no warning when every value occurs', async () => {
    const result = await catalog.queryMetric({metric: 'revenue/total_revenue', filters: [{dimension: 'region', op: '=', value: 'EU'}], from: '2025-01-01', to: '2025-03-01'})
    expect(result.warnings).toEqual([])
  })

  it('is an error with strict, on the CLI (exit 1) and over HTTP (400)', async () => {
    const cli = await runCommand(['query', 'revenue/total_revenue', '--where', 'region=Europe', '--strict', '--json'], {env: {METRICAT_DB: db}})
    expect(cli.code).toBe(1)
    expect(cli.stdout + cli.stderr).toContain('did you mean EU')
    const http = await call('POST', '/api/metrics/revenue/total_revenue/query', {token, body: {filters: [{dimension: 'region', op: '=', value: 'Europe'}], strict: true}})
    expect(http.status).toBe(400)
  })

  it('prints the warning on stderr and keeps stdout JSON', async () => {
    const cli = await runCommand(['query', 'revenue/total_revenue', '--where', 'region=Europe', '--from', '2025-01-01', '--to', '2025-02-01', '--json'], {env: {METRICAT_DB: db}})
    expect(cli.code).toBe(0)
    expect(cli.stderr).toMatch(/Warning: no row has region = Europe; did you mean EU\?/)
    expect((JSON.parse(cli.stdout) as {warnings: string[]}).warnings).toHaveLength(1)
  })
})

describe('the Agnes spellings of a query grain', () => {
  it('--grain monthly answers what --grain month does, on the CLI and over HTTP', async () => {
    const args = ['query', 'revenue/total_revenue', '--from', '2025-01-01', '--to', '2025-04-01', '--json']
    const month = await runCommand([...args, '--grain', 'month'], {env: {METRICAT_DB: db}})
    const monthly = await runCommand([...args, '--grain', 'monthly'], {env: {METRICAT_DB: db}})
    expect(monthly.code).toBe(0)
    const a = JSON.parse(month.stdout) as {grain: string; rows: unknown[]}
    const b = JSON.parse(monthly.stdout) as {grain: string; rows: unknown[]}
    expect(b.grain).toBe('month')
    expect(b.rows).toEqual(a.rows)
    expect(a.rows).toHaveLength(3)
    const http = await call('POST', '/api/metrics/revenue/total_revenue/query', {token, body: {grain: 'quarterly', from: '2025-01-01', to: '2025-07-01'}})
    expect(http.status).toBe(200)
    expect((http.body as {grain: string; rows: unknown[]}).grain).toBe('quarter')
    expect((http.body as {rows: unknown[]}).rows).toHaveLength(2)
  })
})

describe('filter values are checked as the query compares them', () => {
  it('finds 10 in a DOUBLE dimension (stored as 10.0): no warning, and the rows are there', async () => {
    const t = tempDir()
    const small = await newCatalog(t.dir)
    try {
      await small.db.run(`CREATE TABLE main.sales AS SELECT TIMESTAMP '2025-01-05' AS ts, 10.0::DOUBLE AS price, 3.0::DOUBLE AS amount UNION ALL SELECT TIMESTAMP '2025-01-06', 12.5, 4.0`)
      await small.importDocuments([{file: 'sales.yml', category: 'shop', text: 'name: sold\ntype: sum\ntable: sales\ntime_column: ts\nexpression: amount\ndimensions: [price]\n'}])
      const result = await small.queryMetric({metric: 'shop/sold', filters: [{dimension: 'price', op: '=', value: '10'}], strict: true})
      expect(result.warnings).toEqual([])
      expect(result.rows).toEqual([expect.objectContaining({period: '2025-01-01', value: 3})])
      const absent = await small.queryMetric({metric: 'shop/sold', filters: [{dimension: 'price', op: 'in', value: ['10', '11']}]})
      expect(absent.warnings).toEqual([expect.stringMatching(/^no row has price = 11; /)])
    } finally {
      small.close()
      t.cleanup()
    }
  })
})
