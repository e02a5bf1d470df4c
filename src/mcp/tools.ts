import type {StoredMetric} from '../catalog/types.js'
import {dimensionSpec} from '../catalog/types.js'
import type {Catalog} from '../core/catalog.js'
import {listDataSources, POINTS_QUERY_SCHEMA, queryPoints, type PointsQuery} from '../core/points.js'
import {checkRequest, parseQueryRequest, QUERY_REQUEST_SCHEMA} from '../core/requests.js'
import {CatalogError} from '../errors.js'
import type {MetricQuery} from '../query/types.js'

// The agent tools, shared by `metricat mcp` (stdio) and POST /mcp on `metricat serve`: each one
// checks its arguments against the same JSON Schemas as the HTTP bodies and makes one core call.
// Names follow the dbt MCP server's, which agents already know.

/** What a tool needs from its caller: `read` (catalog reads) or `query` (computes data). */
export type ToolAccess = 'read' | 'query'

export interface ToolContext {
  catalog: Catalog
  /** throws UNAUTHORIZED/FORBIDDEN when the caller may not do this (HTTP); a no-op over stdio */
  authorize(access: ToolAccess): void
  /** an admin (or the file's own user, over stdio): sees the commands of data sources */
  admin: boolean
}

export interface ToolResult {
  /** the result as JSON (MCP structuredContent): the same shape as the CLI's --json and the HTTP API */
  data: Record<string, unknown>
  /** one or two lines for the model's transcript */
  summary: string
}

export interface McpTool {
  name: string
  title: string
  description: string
  inputSchema: {type: 'object'; properties: Record<string, unknown>; required?: string[]; additionalProperties?: boolean}
  access: ToolAccess
  run(ctx: ToolContext, args: Record<string, unknown>): Promise<ToolResult>
}

const ID = {type: 'string', minLength: 1, maxLength: 400, description: 'metric id `<category>/<name>` (or a former id), e.g. revenue/mrr; find ids with search_metrics'}

/** The query request's schema with the metric id added: the one request shape of query and SQL. */
const QUERY_TOOL_SCHEMA = {
  type: 'object' as const,
  additionalProperties: false,
  required: ['id'],
  properties: {id: ID, ...QUERY_REQUEST_SCHEMA.properties},
}

function args<T>(tool: McpTool, input: Record<string, unknown>): T {
  return checkRequest<T>(tool.inputSchema, input, `${tool.name} arguments`)
}

function metricQuery(input: Record<string, unknown>): MetricQuery {
  const {id, ...body} = input
  return parseQueryRequest(id as string, body)
}

/** A metric as a one-line entry of a list (the full definition comes from get_metric). */
function brief(m: StoredMetric) {
  return {
    id: m.id,
    display_name: m.display_name ?? null,
    description: m.description ?? null,
    type: m.type ?? null,
    unit: m.unit ?? null,
    grain: m.grain ?? null,
  }
}

function dimensionsOf(m: StoredMetric) {
  return (m.dimensions ?? []).map(dimensionSpec).map((d) => ({name: d.name, description: d.description ?? null}))
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

export const TOOLS: McpTool[] = [
  {
    name: 'search_metrics',
    title: 'Search metrics',
    description:
      'Find metrics by what they measure, in plain words ("how much money did we make", "AWS bill", "cancellations"): ranked over ids, names, synonyms, descriptions and notes. Start here, then get_metric for the definition.',
    inputSchema: {type: 'object', additionalProperties: false, required: ['text'], properties: {text: {type: 'string', minLength: 1, maxLength: 1000, description: 'words or a question'}}},
    access: 'read',
    async run(ctx, input) {
      const {text} = args<{text: string}>(this, input)
      const results = await ctx.catalog.search(text)
      const top = results.slice(0, 5).map((r) => r.id)
      return {
        data: {query: text, results},
        summary: results.length === 0 ? `No metric matches "${text}"; try list_metrics.` : `${`${results.length} ${results.length === 1 ? 'match' : 'matches'}`} for "${text}", best first: ${top.join(', ')}${results.length > 5 ? ', ...' : ''}`,
      }
    },
  },
  {
    name: 'list_metrics',
    title: 'List metrics',
    description: 'Every metric of the catalog (id, display name, description, type, unit, grain), optionally of one category such as revenue.',
    inputSchema: {type: 'object', additionalProperties: false, properties: {category: {type: 'string', minLength: 1, maxLength: 200, description: 'only this category (the part of the id before the slash)'}}},
    access: 'read',
    async run(ctx, input) {
      const {category} = args<{category?: string}>(this, input)
      const metrics = (await ctx.catalog.list({category})).map(brief)
      return {data: {metrics}, summary: `${plural(metrics.length, 'metric')}${category ? ` in ${category}` : ''}: ${metrics.map((m) => m.id).join(', ')}`}
    },
  },
  {
    name: 'get_metric',
    title: 'Get a metric definition',
    description:
      'The full definition of a metric: description, notes (read them: they say what the number includes and excludes), type, unit, grain, dimensions, time column, synonyms, former ids (aliases) and version; `version` gives a past version.',
    inputSchema: {type: 'object', additionalProperties: false, required: ['id'], properties: {id: ID, version: {type: 'integer', minimum: 1, description: 'a past version (see the metric\'s history); default: the current one'}}},
    access: 'read',
    async run(ctx, input) {
      const {id, version} = args<{id: string; version?: number}>(this, input)
      const metric = await ctx.catalog.show(id, version)
      return {data: metric as unknown as Record<string, unknown>, summary: `${metric.id} v${metric.version}: ${metric.display_name ?? metric.name}${metric.description ? ` — ${metric.description}` : ''}`}
    },
  },
  {
    name: 'get_dimensions',
    title: 'Get the dimensions of a metric',
    description: 'The dimensions a metric can be split (`by`) and filtered on, with their descriptions.',
    inputSchema: {type: 'object', additionalProperties: false, required: ['id'], properties: {id: ID}},
    access: 'read',
    async run(ctx, input) {
      const {id} = args<{id: string}>(this, input)
      const metric = await ctx.catalog.get(id)
      const dimensions = dimensionsOf(metric)
      return {data: {metric: metric.id, dimensions}, summary: dimensions.length === 0 ? `${metric.id} has no dimensions.` : `${metric.id} dimensions: ${dimensions.map((d) => d.name).join(', ')}`}
    },
  },
  {
    name: 'get_dimension_values',
    title: 'Get the values of a dimension',
    description:
      'The values a dimension of a metric takes (most rows first), to write filters with real values: e.g. the regions or plans that exist. `search` keeps values containing it (case-insensitive).',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'dimension'],
      properties: {
        id: ID,
        dimension: {type: 'string', minLength: 1, maxLength: 200, description: 'a dimension the metric declares (see get_dimensions)'},
        search: {type: 'string', minLength: 1, maxLength: 200, description: 'only values containing this text'},
        limit: {type: 'integer', minimum: 1, maximum: 1000, description: 'at most this many values (default 100)'},
      },
    },
    access: 'query',
    async run(ctx, input) {
      const {id, dimension, search, limit} = args<{id: string; dimension: string; search?: string; limit?: number}>(this, input)
      const result = await ctx.catalog.dimensionValues(id, dimension, {search, limit})
      const shown = result.values.slice(0, 20).map((v) => String(v.value))
      return {
        data: result as unknown as Record<string, unknown>,
        summary: `${result.metric} ${result.dimension}: ${plural(result.values.length, 'value')}${result.truncated ? ' (more exist)' : ''}${shown.length > 0 ? `: ${shown.join(', ')}${result.values.length > 20 ? ', ...' : ''}` : ''}`,
      }
    },
  },
  {
    name: 'query_metrics',
    title: 'Query a metric',
    description:
      'Compute a metric by period (`grain`), optionally split `by` dimensions, filtered (`filters`: [{dimension, op, value}]), between `from` (inclusive) and `to` (exclusive) ISO dates, compared with the previous period or year. Returns columns and rows plus the SQL that ran.',
    inputSchema: QUERY_TOOL_SCHEMA,
    access: 'query',
    async run(ctx, input) {
      args(this, input)
      const result = await ctx.catalog.queryMetric(metricQuery(input))
      // the earliest and latest period, whatever order the rows come in (`desc`, `order: value`); ISO texts sort as dates
      const periods = result.rows.map((r) => r.period).filter((p) => p !== undefined && p !== null).map(String).sort()
      const span = periods.length > 0 ? ` from ${periods[0]} to ${periods.at(-1)}` : ''
      // A client may show the model only this text: what decides how to read the numbers goes in it too.
      const partial = [...new Set(result.rows.filter((r) => r.partial === true).map((r) => String(r.period)))]
      const through = result.data_through ? `; data through ${result.data_through}${partial.length > 0 ? ` (partial: ${partial.join(', ')})` : ''}` : ''
      const warnings = result.warnings.map((w) => `\nWarning: ${w}`).join('')
      return {data: result as unknown as Record<string, unknown>, summary: `${result.metric}${result.grain ? ` by ${result.grain}` : ''}: ${plural(result.rows.length, 'row')}${span}; columns ${result.columns.join(', ')}${through}${warnings}`}
    },
  },
  {
    name: 'get_metrics_compiled_sql',
    title: 'Compile a metric query to SQL',
    description: 'The SQL and bound parameters query_metrics would run for the same arguments, without running it.',
    inputSchema: QUERY_TOOL_SCHEMA,
    access: 'read',
    async run(ctx, input) {
      args(this, input)
      const compiled = await ctx.catalog.compileQuery(metricQuery(input))
      return {data: {sql: compiled.sql, params: compiled.params, columns: compiled.columns, grain: compiled.grain ?? null}, summary: `SQL for ${String(input.id)} with ${plural(compiled.params.length, 'parameter')}:\n${compiled.sql}`}
    },
  },
  {
    name: 'lookup_table',
    title: 'Look up a warehouse table',
    description: 'One table of the warehouse: its columns and types and, per column, the metrics that use it; also the metrics that read the table. `orders` matches `main.orders`.',
    inputSchema: {type: 'object', additionalProperties: false, required: ['table'], properties: {table: {type: 'string', minLength: 1, maxLength: 400, description: 'table name, e.g. orders'}}},
    access: 'read',
    async run(ctx, input) {
      const {table} = args<{table: string}>(this, input)
      const t = table.trim().toLowerCase()
      const map = await ctx.catalog.tableMap()
      const entry = map.find((e) => e.table.toLowerCase() === t) ?? map.find((e) => e.table.toLowerCase().split('.').at(-1) === t.split('.').at(-1))
      const metrics = (await ctx.catalog.lookupTable(table)).map(brief)
      if (!entry && metrics.length === 0) {
        throw new CatalogError('NOT_FOUND', `no table ${table} in the warehouse and no metric reads it; see get_table_map`, {table})
      }
      return {
        data: {table: entry ?? {table: t, exists: false, columns: [], metrics: metrics.map((m) => m.id)}, metrics},
        summary: `${entry?.table ?? t}: ${entry?.exists ? plural(entry.columns.length, 'column') : 'not in the database'}; read by ${metrics.length === 0 ? 'no metric' : metrics.map((m) => m.id).join(', ')}`,
      }
    },
  },
  {
    name: 'get_table_map',
    title: 'Map the warehouse tables',
    description: 'Every warehouse table with its columns and types and, per column, the metrics that use it (in their expression, filters, dimensions, time column or SQL). Tables metrics name that the database lacks come last with exists: false.',
    inputSchema: {type: 'object', additionalProperties: false, properties: {}},
    access: 'read',
    async run(ctx, input) {
      args(this, input)
      const tables = await ctx.catalog.tableMap()
      return {data: {tables}, summary: `${plural(tables.length, 'table')}: ${tables.map((t) => `${t.table} (${plural(t.columns.length, 'column')}, ${plural(t.metrics.length, 'metric')})`).join(', ')}`}
    },
  },
  {
    name: 'query_points',
    title: 'Query time-series points',
    description: 'Aggregate the ingested points of one metric key into time buckets, optionally filtered and split by dimension keys (the same request as POST /api/metrics/points/query and `metricat points`).',
    inputSchema: POINTS_QUERY_SCHEMA as unknown as McpTool['inputSchema'],
    access: 'query',
    async run(ctx, input) {
      args(this, input)
      const result = await queryPoints(ctx.catalog, input as unknown as PointsQuery)
      return {data: result as unknown as Record<string, unknown>, summary: `${result.key} by ${result.bucket} (${result.agg}): ${plural(result.rows.length, 'row')}; columns ${result.columns.join(', ')}`}
    },
  },
  {
    name: 'list_data_sources',
    title: 'List data sources',
    description: 'The registered data sources that points come from, with their last run and failures.',
    inputSchema: {type: 'object', additionalProperties: false, properties: {}},
    access: 'read',
    async run(ctx, input) {
      args(this, input)
      const sources = await listDataSources(ctx.catalog, {showCommands: ctx.admin})
      return {data: {data_sources: sources}, summary: sources.length === 0 ? 'No data source is registered.' : `${plural(sources.length, 'data source')}: ${sources.map((s) => s.id).join(', ')}`}
    },
  },
]
