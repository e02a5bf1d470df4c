import path from 'node:path'

import type {Client} from '@modelcontextprotocol/sdk/client/index.js'
import {expect} from 'vitest'

import {openCatalog} from '../../src/core/catalog.js'
import {addDataSource, ingestPoints} from '../../src/core/points.js'
import {TokenStore, type Role} from '../../src/core/tokens.js'
import {demoDatabase, tempDir} from '../helpers.js'

/** Every tool an MCP client must find, over either transport. */
export const TOOL_NAMES = [
  'search_metrics',
  'list_metrics',
  'get_metric',
  'get_dimensions',
  'get_dimension_values',
  'query_metrics',
  'get_metrics_compiled_sql',
  'lookup_table',
  'get_table_map',
  'query_points',
  'list_data_sources',
]

/** A query with a dimension split and a structured filter: what query_metrics and `query --json` both answer. */
export const QUERY_ARGS = {id: 'revenue/total_revenue', grain: 'quarter', by: ['region'], filters: [{dimension: 'channel', op: 'in', value: ['web', 'partner']}], from: '2025-01-01', to: '2026-01-01'}
export const QUERY_CLI = ['query', 'revenue/total_revenue', '--grain', 'quarter', '--by', 'region', '--where', 'channel in web,partner', '--from', '2025-01-01', '--to', '2026-01-01', '--json']

export interface McpDemo {
  dir: string
  db: string
  token: Record<Role, string>
  cleanup: () => void
}

/**
 * A closed database file with the starter pack, the demo warehouse, a few points of key
 * `signups`, one data source and one token per role (a copy of the run's shared demo database).
 */
export async function buildMcpDemo(): Promise<McpDemo> {
  const {dir, cleanup} = tempDir('metricat-mcp-')
  const catalog = await openCatalog({db: await demoDatabase(dir, 'mcp.duckdb')})
  try {
    await addDataSource(catalog, {id: 'web-form', name: 'Web sign-up form', command: 'echo web-form'}, {canSetCommand: true})
    await ingestPoints(catalog, {
      points: [
        {metricKey: 'signups', date: '2026-01-05', value: 3, dataSourceId: 'web-form', dimensions: {country: 'CZ'}},
        {metricKey: 'signups', date: '2026-01-06', value: 4, dataSourceId: 'web-form', dimensions: {country: 'DE'}},
        {metricKey: 'signups', date: '2026-01-12', value: 5, dataSourceId: 'web-form', dimensions: {country: 'CZ'}},
      ],
    } as never)
    const tokens = new TokenStore(catalog.db)
    const token = {
      admin: (await tokens.createToken('admin-1', 'admin')).token,
      analyst: (await tokens.createToken('analyst-1', 'analyst')).token,
      service: (await tokens.createToken('service-1', 'service')).token,
    }
    return {dir, db: path.join(dir, 'mcp.duckdb'), token, cleanup}
  } finally {
    catalog.close()
  }
}

export interface ToolCall {
  isError: boolean
  text: string
  data: any
}

/** Calls a tool and returns its text summary and structured content. */
export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolCall> {
  const result = (await client.callTool({name, arguments: args})) as {isError?: boolean; content: {type: string; text: string}[]; structuredContent?: unknown}
  expect(result.content[0]?.type).toBe('text')
  return {isError: Boolean(result.isError), text: result.content.map((c) => c.text).join('\n'), data: result.structuredContent}
}
