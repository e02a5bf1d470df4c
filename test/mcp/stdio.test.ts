import {Client} from '@modelcontextprotocol/sdk/client/index.js'
import {StdioClientTransport} from '@modelcontextprotocol/sdk/client/stdio.js'
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'

import {openCatalog} from '../../src/core/catalog.js'
import {BIN, ROOT, runCommand} from '../helpers.js'
import {expectSameRows} from '../server/helpers.js'
import {buildMcpDemo, call, QUERY_ARGS, QUERY_CLI, TOOL_NAMES, type McpDemo} from './helpers.js'

// `metricat mcp` as a child process, driven by the MCP SDK's own client over stdio. CLI results
// to compare with are taken first: the server holds the database file while it runs.

let demo: McpDemo
let client: Client
let stderr = ''
const cli: Record<string, any> = {}

beforeAll(async () => {
  demo = await buildMcpDemo()
  const json = async (args: string[]) => {
    const r = await runCommand([...args, '--db', demo.db])
    return {code: r.code, body: JSON.parse(r.stdout), stderr: r.stderr}
  }
  cli.query = await json(QUERY_CLI)
  cli.sql = await json(['sql', ...QUERY_CLI.slice(1)])
  cli.badDimension = await json(['query', 'revenue/mrr', '--by', 'nope', '--json'])
  cli.tables = await json(['tables', '--columns', '--json'])
  cli.column = await json(['lookup', '--column', 'AMOUNT', '--table', 'orders', '--json'])
  cli.noFlag = await runCommand(['lookup', '--db', demo.db])
  // what get_dimension_values should count, by hand: completed orders per region
  const own = await openCatalog({db: demo.db})
  cli.regionRows = await own.db.all("SELECT region, count(*)::INTEGER AS n FROM mc.main.orders WHERE status = 'completed' GROUP BY 1")
  own.close()
  const transport = new StdioClientTransport({command: process.execPath, args: [BIN, 'mcp', '--db', demo.db], cwd: ROOT, env: {...process.env, NO_COLOR: '1', METRICAT_DB: '', METRICAT_SERVER: ''} as Record<string, string>, stderr: 'pipe'})
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  client = new Client({name: 'metricat-test', version: '1.0.0'})
  await client.connect(transport)
})
afterAll(async () => {
  await client?.close()
  demo?.cleanup()
})

describe('metricat mcp over stdio', () => {
  it('introduces itself as metricat with tools and resources', () => {
    expect(client.getServerVersion()?.name).toBe('metricat')
    expect(client.getServerCapabilities()).toMatchObject({tools: {}, resources: {}})
    expect(client.getInstructions()).toContain('search_metrics')
  })

  it('lists every tool with a description and a JSON Schema for its arguments', async () => {
    const {tools} = await client.listTools()
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort())
    for (const t of tools) {
      expect(t.description!.length).toBeGreaterThan(20)
      expect(t.inputSchema.type).toBe('object')
    }
    const query = tools.find((t) => t.name === 'query_metrics')!
    expect(query.inputSchema.required).toEqual(['id'])
    expect(Object.keys(query.inputSchema.properties!)).toEqual(expect.arrayContaining(['id', 'grain', 'by', 'filters', 'from', 'to', 'range', 'compare', 'limit', 'order', 'desc']))
  })

  it('search_metrics ranks the metric a question is about first', async () => {
    const r = await call(client, 'search_metrics', {text: 'customer churn'})
    expect(r.isError).toBe(false)
    expect(r.data.results[0].id).toBe('revenue/churn_rate')
    expect(r.text).toContain('revenue/churn_rate')
  })

  it('list_metrics lists the catalog, or one category', async () => {
    const all = await call(client, 'list_metrics')
    expect(all.data.metrics.map((m: any) => m.id)).toContain('revenue/mrr')
    const revenue = await call(client, 'list_metrics', {category: 'revenue'})
    expect(revenue.data.metrics.length).toBeGreaterThan(0)
    expect(revenue.data.metrics.every((m: any) => m.id.startsWith('revenue/'))).toBe(true)
  })

  it('get_metric returns the definition with notes, dimensions and version, also a past version', async () => {
    const r = await call(client, 'get_metric', {id: 'revenue/mrr'})
    expect(r.data).toMatchObject({id: 'revenue/mrr', unit: 'USD', version: 1})
    expect(r.data.notes.length).toBeGreaterThan(0)
    expect(r.data.dimensions).toContain('region')
    expect(r.data.data_through).toMatch(/^\d{4}-\d{2}-\d{2}/)
    const v1 = await call(client, 'get_metric', {id: 'revenue/mrr', version: 1})
    expect(v1.data).toMatchObject({id: 'revenue/mrr', version: 1, change: 'create'})
  })

  it('get_dimensions names the dimensions of a metric', async () => {
    const r = await call(client, 'get_dimensions', {id: 'revenue/mrr'})
    expect(r.data.metric).toBe('revenue/mrr')
    expect(r.data.dimensions.map((d: any) => d.name)).toEqual(expect.arrayContaining(['region', 'plan']))
  })

  it('get_dimension_values lists the values a dimension takes, most rows first, and filters them by text', async () => {
    const r = await call(client, 'get_dimension_values', {id: 'revenue/total_revenue', dimension: 'region'})
    expect(r.isError).toBe(false)
    expect(r.data).toMatchObject({metric: 'revenue/total_revenue', dimension: 'region', search: null, truncated: false})
    const counts = r.data.values.map((v: any) => v.rows)
    expect(counts).toEqual([...counts].sort((a: number, b: number) => b - a))
    // the counts are the completed orders of each region (the metric's own filter)
    expect(Object.fromEntries(r.data.values.map((v: any) => [v.value, v.rows]))).toEqual(Object.fromEntries(cli.regionRows.map((row: any) => [row.region, row.n])))
    const some = await call(client, 'get_dimension_values', {id: 'revenue/total_revenue', dimension: 'region', search: r.data.values[0].value.slice(1, 3).toUpperCase()})
    expect(some.data.values.map((v: any) => v.value)).toContain(r.data.values[0].value)
    expect(some.data.values.length).toBeLessThanOrEqual(r.data.values.length)
    const bad = await call(client, 'get_dimension_values', {id: 'revenue/total_revenue', dimension: 'nope'})
    expect(bad.data.error).toMatchObject({code: 'BAD_REQUEST', message: expect.stringMatching(/unknown dimension "nope" for revenue\/total_revenue.*allowed: .*region/)})
  })

  it('query_metrics returns the rows `metricat query --json` prints for the same request', async () => {
    expect(cli.query.code).toBe(0)
    const r = await call(client, 'query_metrics', QUERY_ARGS)
    expect(r.isError).toBe(false)
    expect(r.data.columns).toEqual(cli.query.body.columns)
    expect(r.data.rows.length).toBeGreaterThan(0)
    expectSameRows(r.data.rows, cli.query.body.rows)
    expect(r.data.sql).toBe(cli.query.body.sql)
    expect(r.data.params).toEqual(cli.query.body.params)
  })

  it('get_metrics_compiled_sql returns the SQL and parameters `metricat sql` prints', async () => {
    const r = await call(client, 'get_metrics_compiled_sql', QUERY_ARGS)
    expect(r.data.sql).toBe(cli.sql.body.sql)
    expect(r.data.params).toEqual(cli.sql.body.params)
    expect(r.text).toContain('SELECT')
  })

  it('lookup_table and get_table_map show columns, types and the metrics per column, as `tables --columns`', async () => {
    const map = await call(client, 'get_table_map')
    expect(map.data.tables).toEqual(cli.tables.body.tables)
    const orders = await call(client, 'lookup_table', {table: 'orders'})
    expect(orders.data.table).toEqual(cli.tables.body.tables.find((t: any) => t.table === 'orders'))
    expect(orders.data.table.columns.find((c: any) => c.name === 'amount').metrics.map((m: any) => m.id)).toContain('revenue/total_revenue')
    expect(orders.data.metrics.map((m: any) => m.id)).toContain('revenue/total_revenue')
  })

  it('`lookup --column` names the metrics the table map shows for that column; `lookup` without a flag is a usage error', () => {
    expect(cli.column.code).toBe(0)
    const amount = cli.tables.body.tables.find((t: any) => t.table === 'orders').columns.find((c: any) => c.name === 'amount')
    expect(cli.column.body).toMatchObject({column: 'AMOUNT', table: 'orders'})
    expect(cli.column.body.uses.map((u: any) => [u.metric, u.used_in])).toEqual(amount.metrics.map((m: any) => [m.id, m.used_in]))
    expect(cli.column.body.uses.length).toBeGreaterThan(0)
    expect(cli.noFlag.code).toBe(2)
    expect(cli.noFlag.stderr).toContain('pass one of --synonym, --table or --column')
  })

  it('query_points aggregates ingested points; list_data_sources lists the sources', async () => {
    const points = await call(client, 'query_points', {key: 'signups', bucket: 'week', by: ['country']})
    expect(points.isError).toBe(false)
    expect(points.data.rows).toEqual([
      {period: '2026-01-05', country: 'CZ', value: 3},
      {period: '2026-01-05', country: 'DE', value: 4},
      {period: '2026-01-12', country: 'CZ', value: 5},
      // sums gap-fill an empty bucket with 0
      {period: '2026-01-12', country: 'DE', value: 0},
    ])
    const sources = await call(client, 'list_data_sources')
    expect(sources.data.data_sources.map((s: any) => s.id)).toEqual(['web-form'])
  })

  it('answers a bad dimension with a tool error carrying the CLI\'s code and message', async () => {
    const r = await call(client, 'query_metrics', {id: 'revenue/mrr', by: ['nope']})
    expect(r.isError).toBe(true)
    expect(cli.badDimension.code).toBe(1)
    expect(r.data.error).toEqual(cli.badDimension.body.error)
    expect(r.data.error.message).toMatch(/unknown dimension "nope".*allowed: .*region/)
    expect(r.text).toBe(`${cli.badDimension.body.error.code}: ${cli.badDimension.body.error.message}`)
  })

  it('refuses arguments its JSON Schema does not allow, naming the field', async () => {
    const r = await call(client, 'query_metrics', {id: 'revenue/mrr', by: 'region', bogus: 1})
    expect(r.isError).toBe(true)
    expect(r.data.error.code).toBe('VALIDATION')
    expect(r.data.error.message).toMatch(/^invalid query_metrics arguments: \/(by|bogus)/)
    const filter = await call(client, 'query_metrics', {id: 'revenue/mrr', filters: [{dimension: 'plan', op: 'like', value: 'x'}]})
    expect(filter.data.error).toMatchObject({code: 'VALIDATION'})
    expect(filter.data.error.message).toContain('/filters/0/op')
  })

  it('answers an unknown metric with NOT_FOUND and close matches', async () => {
    const r = await call(client, 'get_metric', {id: 'revenue/mmr'})
    expect(r.isError).toBe(true)
    expect(r.data.error.code).toBe('NOT_FOUND')
    expect(r.data.error.message).toContain('did you mean revenue/mrr')
  })

  it('offers each metric definition as a resource metricat://metrics/{id}', async () => {
    const {resources} = await client.listResources()
    expect(resources.map((r) => r.uri)).toContain('metricat://metrics/revenue/mrr')
    const {contents} = await client.readResource({uri: 'metricat://metrics/revenue/mrr'})
    expect(JSON.parse((contents[0] as {text: string}).text)).toMatchObject({id: 'revenue/mrr', unit: 'USD'})
    await expect(client.readResource({uri: 'metricat://metrics/revenue/nope'})).rejects.toThrow(/NOT_FOUND: unknown metric revenue\/nope/)
  })

  it('holds the file read-only: other commands read it while the server runs', async () => {
    // the server has the file open (the calls above ran); a read-write hold would lock them out
    expect((await call(client, 'list_metrics')).isError).toBe(false)
    const list = await runCommand(['list', '--db', demo.db, '--json', '--wait', '0'])
    expect(list.stderr).toBe('')
    expect(list.code).toBe(0)
    expect(JSON.stringify(JSON.parse(list.stdout))).toContain('"revenue/mrr"')
  })

  it('keeps stdout for the protocol: nothing else was logged', () => {
    // a stray line on stdout would have broken the client's JSON-RPC parsing above
    expect(stderr).not.toMatch(/internal error/i)
  })
})

describe('metricat mcp without a usable database', () => {
  it('still answers initialize, and says what is wrong in each call that needs the file', async () => {
    const missing = `${demo.dir}/nope.duckdb`
    const transport = new StdioClientTransport({command: process.execPath, args: [BIN, 'mcp', '--db', missing], cwd: ROOT, env: {...process.env, NO_COLOR: '1', METRICAT_DB: '', METRICAT_SERVER: ''} as Record<string, string>, stderr: 'pipe'})
    let err = ''
    transport.stderr?.on('data', (d: Buffer) => (err += d.toString()))
    const other = new Client({name: 'metricat-test', version: '1.0.0'})
    await other.connect(transport)
    try {
      expect((await other.listTools()).tools).toHaveLength(TOOL_NAMES.length)
      const r = await call(other, 'list_metrics')
      expect(r.isError).toBe(true)
      expect(r.data.error).toMatchObject({code: 'NOT_FOUND', message: `no metricat database at ${missing}; run \`metricat init\` first, or pass --db PATH`})
      // stderr is another pipe: its line can reach this process after the call's answer on stdout
      await vi.waitFor(() => expect(err).toContain(`no metricat database at ${missing}`))
    } finally {
      await other.close()
    }
  })
})
