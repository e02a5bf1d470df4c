import {readFileSync} from 'node:fs'

import type {Catalog} from '../core/catalog.js'
import {CatalogError} from '../errors.js'
import {
  CallToolRequestSchema,
  ErrorCode as RpcErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  Server,
  type CallToolResult,
} from './sdk.js'
import type {McpTool, ToolAccess} from './tools.js'

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string}).version

const RESOURCE_PREFIX = 'metricat://metrics/'

const INSTRUCTIONS = `metricat is a catalog of business metrics with their definitions, and computes them on the warehouse.
To answer a question about a number: search_metrics with the user's words, get_metric on the best hit (read its notes: they say what the number includes), get_dimensions / get_dimension_values for splits and filters, then query_metrics. Quote the metric id and its unit with the numbers. get_metrics_compiled_sql shows the SQL; get_table_map and lookup_table show which tables and columns metrics read.`

export interface McpServerOptions {
  /** checks a tool's access for the caller (HTTP roles); over stdio everything is allowed */
  authorize?: (access: ToolAccess) => void
  /** whether the caller sees data sources' commands (admin tokens; over stdio the file's own user); default true */
  admin?: boolean
  /** where unexpected errors are logged; stdout is the protocol's over stdio, so never there */
  log?: (message: string) => void
}

export interface McpService {
  server: Server
  /** resolves once no tool call or resource read is running */
  idle(): Promise<void>
  /** starts loading the tools' code now rather than at the first call that needs it */
  preload(): void
}

/** A metric's resource URI: `metricat://metrics/revenue/mrr`. */
export function metricUri(id: string): string {
  return `${RESOURCE_PREFIX}${id}`
}

/**
 * An MCP server over one catalog: the tools of `tools.ts` and one resource per metric definition.
 * Transport-agnostic; `metricat mcp` connects it to stdio, `metricat serve` to POST /mcp.
 * `catalog` may be a function that opens it on first need (stdio answers `initialize` before
 * DuckDB has loaded); a failed open is the failing call's error, and the next call tries again.
 */
export function createMcpServer(source: Catalog | (() => Promise<Catalog>), options: McpServerOptions = {}): McpService {
  const catalog = typeof source === 'function' ? source : () => Promise.resolve(source)
  const authorize = options.authorize ?? (() => undefined)
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`))
  const server = new Server({name: 'metricat', version: VERSION}, {capabilities: {tools: {}, resources: {}}, instructions: INSTRUCTIONS})
  // The tools (and the request schemas, compiler and points code behind them) load on first use,
  // not before `initialize` is answered; `metricat mcp` starts loading them right after.
  let tools: Promise<{list: McpTool[]; byName: Map<string, McpTool>}> | undefined
  const loadTools = () => (tools ??= import('./tools.js').then(({TOOLS}) => ({list: TOOLS, byName: new Map(TOOLS.map((t) => [t.name, t]))})))
  let inflight = 0
  const wake: (() => void)[] = []
  const tracked = <A extends unknown[], R>(handler: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    inflight++
    try {
      return await handler(...a)
    } finally {
      if (--inflight === 0) for (const w of wake.splice(0)) w()
    }
  }
  const idle = () => (inflight === 0 ? Promise.resolve() : new Promise<void>((resolve) => wake.push(resolve)))

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: (await loadTools()).list.map((t) => ({name: t.name, title: t.title, description: t.description, inputSchema: t.inputSchema, annotations: {readOnlyHint: true, openWorldHint: false}})),
  }))

  server.setRequestHandler(CallToolRequestSchema, tracked(async (request): Promise<CallToolResult> => {
    const {list, byName} = await loadTools()
    const tool = byName.get(request.params.name)
    if (!tool) throw new McpError(RpcErrorCode.InvalidParams, `unknown tool ${request.params.name}; tools: ${list.map((t) => t.name).join(', ')}`)
    try {
      authorize(tool.access)
      const {data, summary} = await tool.run({catalog: await catalog(), authorize, admin: options.admin ?? true}, request.params.arguments ?? {})
      return {content: [{type: 'text', text: summary}], structuredContent: data}
    } catch (error) {
      return toolError(error, tool.name, log)
    }
  }))

  server.setRequestHandler(ListResourcesRequestSchema, tracked(async () => {
    authorize('read')
    return {
      resources: (await (await catalog()).list()).map((m) => ({
        uri: metricUri(m.id),
        name: m.id,
        title: m.display_name,
        description: m.description,
        mimeType: 'application/json',
      })),
    }
  }))
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: [{uriTemplate: `${RESOURCE_PREFIX}{id}`, name: 'metric', description: 'a metric definition by id, e.g. metricat://metrics/revenue/mrr', mimeType: 'application/json'}],
  }))
  server.setRequestHandler(ReadResourceRequestSchema, tracked(async (request) => {
    const {uri} = request.params
    if (!uri.startsWith(RESOURCE_PREFIX)) throw new McpError(RpcErrorCode.InvalidParams, `unknown resource ${uri}; metric definitions are ${RESOURCE_PREFIX}<category>/<name>`)
    try {
      authorize('read')
      const metric = await (await catalog()).get(decodeURIComponent(uri.slice(RESOURCE_PREFIX.length)))
      return {contents: [{uri: metricUri(metric.id), mimeType: 'application/json', text: JSON.stringify(metric, null, 2)}]}
    } catch (error) {
      if (error instanceof CatalogError) throw new McpError(error.code === 'NOT_FOUND' ? -32002 : RpcErrorCode.InvalidParams, `${error.code}: ${error.message}`, {code: error.code, details: error.details ?? {}})
      throw error
    }
  }))
  return {server, idle, preload: () => void loadTools().catch(() => undefined)}
}

/**
 * A CatalogError becomes a tool error with the CLI's code and message (structured as the HTTP
 * error envelope); anything else is a bug: logged, and answered with no message, stack or SQL.
 */
function toolError(error: unknown, tool: string, log: (message: string) => void): CallToolResult {
  if (error instanceof CatalogError) {
    return {isError: true, content: [{type: 'text', text: `${error.code}: ${error.message}`}], structuredContent: {error: {code: error.code, message: error.message, details: error.details ?? {}}}}
  }
  log(`metricat mcp: internal error in ${tool}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  return {isError: true, content: [{type: 'text', text: 'INTERNAL: internal error'}], structuredContent: {error: {code: 'INTERNAL', message: 'internal error', details: {}}}}
}
