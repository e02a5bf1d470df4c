// query_metrics' text content is what some clients show the model: it carries the result's
// warnings (a filter value no row has reads as a series of zeros) and which periods are partial.
import {Client} from '@modelcontextprotocol/sdk/client/index.js'
import {StreamableHTTPClientTransport} from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {startServer, type RunningServer} from '../../src/server/start.js'
import {buildMcpDemo, call, type McpDemo} from './helpers.js'

let demo: McpDemo
let catalog: Catalog
let server: RunningServer
let client: Client

beforeAll(async () => {
  demo = await buildMcpDemo()
  catalog = await openCatalog({db: demo.db})
  server = await startServer(catalog, {host: '127.0.0.1', port: 0})
  client = new Client({name: 'metricat-test', version: '1.0.0'})
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {requestInit: {headers: {authorization: `Bearer ${demo.token.analyst}`}}}))
})
afterAll(async () => {
  await client?.close().catch(() => undefined)
  await server?.stop()
  catalog?.close()
  demo?.cleanup()
})

describe('query_metrics text summary', () => {
  it('carries the warning about a filter value no row has', async () => {
    const r = await call(client, 'query_metrics', {id: 'revenue/total_revenue', filters: [{dimension: 'region', op: '=', value: 'Europe'}], from: '2026-08-01', to: '2026-10-01'})
    expect(r.isError).toBe(false)
    expect(r.data.rows.map((row: {value: number}) => row.value)).toEqual([0, 0])
    expect(r.text).toContain('\nWarning: no row has region = Europe; did you mean EU?')
  })

  it('says where the data ends and which period is partial', async () => {
    const r = await call(client, 'query_metrics', {id: 'product_usage/active_users', grain: 'week', limit: 2})
    const last = r.data.rows.at(-1)
    expect(last.partial).toBe(true)
    expect(r.text).toContain(`; data through ${r.data.data_through} (partial: ${last.period})`)
    expect(r.text).not.toContain('Warning')
  })

  it('names the earliest and the latest period, also when the rows come latest first or by value', async () => {
    const asc = await call(client, 'query_metrics', {id: 'revenue/total_revenue', from: '2026-06-01', to: '2026-09-01'})
    expect(asc.text).toContain(' from 2026-06-01 to 2026-08-01;')
    for (const order of [{desc: true}, {order: 'value', desc: true}]) {
      const r = await call(client, 'query_metrics', {id: 'revenue/total_revenue', from: '2026-06-01', to: '2026-09-01', ...order})
      expect(r.data.rows.map((row: {period: string}) => row.period).sort()).toEqual(['2026-06-01', '2026-07-01', '2026-08-01'])
      expect(r.text, JSON.stringify(order)).toContain(' from 2026-06-01 to 2026-08-01;')
    }
  })
})
