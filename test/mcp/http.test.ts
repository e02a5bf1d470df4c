import {Client} from '@modelcontextprotocol/sdk/client/index.js'
import {StreamableHTTPClientTransport, StreamableHTTPError} from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {startServer, type RunningServer} from '../../src/server/start.js'
import {expectSameRows} from '../server/helpers.js'
import {buildMcpDemo, call, QUERY_ARGS, TOOL_NAMES, type McpDemo} from './helpers.js'

// The same tools over Streamable HTTP at /mcp of a real listener on 127.0.0.1, driven by the MCP
// SDK's own client; tokens and roles as on the rest of the API.

let demo: McpDemo
let catalog: Catalog
let server: RunningServer
let open: RunningServer
const clients: Client[] = []

async function connect(url: string, token?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {requestInit: {headers: token ? {authorization: `Bearer ${token}`} : {}}})
  const client = new Client({name: 'metricat-test', version: '1.0.0'})
  await client.connect(transport)
  clients.push(client)
  return client
}

async function connectError(url: string, token?: string): Promise<StreamableHTTPError> {
  return (await connect(url, token).then(
    () => undefined,
    (e: unknown) => e,
  )) as StreamableHTTPError
}

beforeAll(async () => {
  demo = await buildMcpDemo()
  catalog = await openCatalog({db: demo.db})
  server = await startServer(catalog, {host: '127.0.0.1', port: 0})
  // a second app over the same catalog, as `serve --public-read` makes it
  open = await startServer(catalog, {host: '127.0.0.1', port: 0, publicRead: true})
})
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined)
  await open?.stop()
  await server?.stop()
  demo?.cleanup()
})

describe('POST /mcp', () => {
  it('lists every tool to an analyst', async () => {
    const client = await connect(server.url, demo.token.analyst)
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort())
  })

  it('answers every tool as the core API does', async () => {
    const client = await connect(server.url, demo.token.analyst)
    const query = await call(client, 'query_metrics', QUERY_ARGS)
    const {id, ...rest} = QUERY_ARGS
    const direct = await catalog.queryMetric({metric: id, ...(rest as object)})
    expect(query.data.columns).toEqual(direct.columns)
    expectSameRows(query.data.rows, direct.rows)
    // as `sql` compiles it: a query in a long-running process binds a data_through it already knows
    expect((await call(client, 'get_metrics_compiled_sql', QUERY_ARGS)).data.sql).toBe((await catalog.compileQuery({metric: id, ...(rest as object)})).sql)
    expect((await call(client, 'search_metrics', {text: 'monthly recurring revenue'})).data.results[0].id).toBe('revenue/mrr')
    expect((await call(client, 'list_metrics')).data.metrics).toHaveLength((await catalog.list()).length)
    expect((await call(client, 'get_metric', {id: 'revenue/mrr'})).data).toMatchObject({id: 'revenue/mrr', version: 1})
    expect((await call(client, 'get_dimensions', {id: 'revenue/mrr'})).data.dimensions.map((d: any) => d.name)).toContain('plan')
    // a ratio: the values of both parts
    const plans = (await call(client, 'get_dimension_values', {id: 'revenue/churn_rate', dimension: 'plan'})).data.values.map((v: any) => v.value)
    const direct2 = await catalog.queryMetric({metric: 'revenue/churn_rate', by: ['plan']})
    expect(plans.sort()).toEqual([...new Set(direct2.rows.map((r) => r.plan))].sort())
    expect((await call(client, 'lookup_table', {table: 'orders'})).data.table.exists).toBe(true)
    expect((await call(client, 'get_table_map')).data.tables).toEqual(await catalog.tableMap())
    expect((await call(client, 'query_points', {key: 'signups', bucket: 'none'})).data.rows).toEqual([{value: 12}])
    const sources = (await call(client, 'list_data_sources')).data.data_sources
    expect(sources.map((s: any) => s.id)).toEqual(['web-form'])
    // as GET /api/data-sources: a source's command only for admin tokens
    expect(sources[0]).not.toHaveProperty('command')
    const admin = await connect(server.url, demo.token.admin)
    expect((await call(admin, 'list_data_sources')).data.data_sources[0].command).toBe('echo web-form')
    const resource = await client.readResource({uri: 'metricat://metrics/revenue/arr'})
    expect(JSON.parse((resource.contents[0] as {text: string}).text).id).toBe('revenue/arr')
  })

  it('answers errors as tool errors with the API\'s codes', async () => {
    const client = await connect(server.url, demo.token.analyst)
    const r = await call(client, 'query_metrics', {id: 'revenue/mrr', by: ['nope']})
    expect(r.isError).toBe(true)
    expect(r.data.error).toMatchObject({code: 'BAD_REQUEST', message: expect.stringContaining('unknown dimension "nope"')})
  })

  it('refuses a request without a token with 401', async () => {
    const error = await connectError(server.url)
    expect(error).toBeInstanceOf(StreamableHTTPError)
    expect(error.code).toBe(401)
  })

  it('refuses an unknown token with 401 and a token whose role cannot read with 403', async () => {
    expect((await connectError(server.url, 'mc_not_a_token')).code).toBe(401)
    expect((await connectError(server.url, demo.token.service)).code).toBe(403)
  })

  it('under --public-read, lets reads through without a token but not queries', async () => {
    const client = await connect(open.url)
    expect((await call(client, 'search_metrics', {text: 'mrr'})).isError).toBe(false)
    const query = await call(client, 'query_metrics', {id: 'revenue/mrr'})
    expect(query.isError).toBe(true)
    expect(query.data.error.code).toBe('UNAUTHORIZED')
    expect((await call(client, 'get_dimension_values', {id: 'revenue/mrr', dimension: 'plan'})).data.error.code).toBe('UNAUTHORIZED')
    expect((await call(client, 'query_points', {key: 'signups'})).data.error.code).toBe('UNAUTHORIZED')
  })

  it('answers GET and DELETE with 405: the endpoint keeps no session or stream', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${server.url}/mcp`, {method, headers: {authorization: `Bearer ${demo.token.analyst}`}})
      expect(res.status).toBe(405)
      expect(res.headers.get('allow')).toBe('POST')
    }
  })
})

describe('GET /api/tables?columns=1 and /api/lookup?column=', () => {
  it('returns the table map and the metrics that use a column', async () => {
    const headers = {authorization: `Bearer ${demo.token.analyst}`}
    const map = (await (await fetch(`${server.url}/api/tables?columns=1`, {headers})).json()) as any
    expect(map.tables).toEqual(await catalog.tableMap())
    const uses = (await (await fetch(`${server.url}/api/lookup?column=amount&table=orders`, {headers})).json()) as any
    expect(uses).toEqual({column: 'amount', table: 'orders', uses: await catalog.lookupColumn('amount', 'orders')})
    expect(uses.uses.map((u: any) => u.metric)).toContain('revenue/total_revenue')
  })
})
