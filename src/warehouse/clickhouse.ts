import {createRequire} from 'node:module'

import type {Row, SqlValue} from '../db/connection.js'
import {CatalogError} from '../errors.js'
import type {PhysicalColumn, Warehouse} from './types.js'

type ClickHouseClient = import('@clickhouse/client').ClickHouseClient

/** The parts of `clickhouse://[user[:password]@]host:port/database`. */
export interface ClickHouseUrl {
  host: string
  port: number
  database: string
  username: string
  password: string
}

export function isClickHouseUrl(text: string | undefined): text is string {
  return typeof text === 'string' && /^clickhouse:\/\//i.test(text.trim())
}

/**
 * Parses a `clickhouse://` URL (the HTTP port: 8123 by default on a server) given as `--warehouse`
 * or `--points` (`flag`, for the message). A bad one is a BAD_REQUEST naming what was expected;
 * the password never appears in a message.
 */
export function parseClickHouseUrl(text: string, flag: 'warehouse' | 'points' = 'warehouse'): ClickHouseUrl {
  const expected = 'expected clickhouse://[user[:password]@]host:port/database'
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    throw new CatalogError('BAD_REQUEST', `bad --${flag} URL; ${expected}`, {[flag]: redact(text)})
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''))
  const port = Number(url.port || 8123)
  if (url.protocol !== 'clickhouse:' || url.hostname === '' || !/^[A-Za-z0-9_]+$/.test(database) || !Number.isInteger(port) || url.search !== '' || url.hash !== '') {
    throw new CatalogError('BAD_REQUEST', `bad --${flag} URL ${redact(text)}; ${expected} (the database a name of letters, digits and _)`, {[flag]: redact(text)})
  }
  return {host: url.hostname, port, database, username: decodeURIComponent(url.username) || 'default', password: decodeURIComponent(url.password)}
}

/** The URL without its password, for messages. */
export function redact(text: string): string {
  return text.replace(/^(clickhouse:\/\/[^:@/]*):[^@/]*@/i, '$1:***@')
}

/**
 * ClickHouse's error text as one short line: 18.16 sends `Code: 62, e.displayText() =
 * DB::Exception: Syntax error: ..., e.what() = DB::Exception`, current releases `Code: 62.
 * DB::Exception: ... (SYNTAX_ERROR) (version ...)`, sometimes followed by the whole query.
 */
export function clickhouseMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error)
  const code = /Code:\s*(\d+)/.exec(raw)?.[1]
  let text = raw
    .replace(/^[\s\S]*?DB::Exception:\s*/, '')
    .replace(/,\s*e\.what\(\)\s*=\s*DB::Exception\s*$/, '')
    .replace(/\s*\(version [^)]*\)\s*$/, '')
    .split('\n')[0]!
  text = text.split(/\s(?:In scope|While processing|: While executing)\s/)[0]!.trim()
  // 18.16's syntax errors list every token it expected
  text = text.replace(/\.\s*Expected one of:.*$/, '').replace(/Expected one of:.*$/, '')
  if (text.length > 240) text = `${text.slice(0, 240)}...`
  return `ClickHouse${code ? ` error ${code}` : ''}: ${text}`
}

interface JsonResult {
  meta: {name: string; type: string}[]
  data: Row[]
}

/**
 * A ClickHouse server as the warehouse, over HTTP (`@clickhouse/client`; works with 18.16 and
 * current releases). It only runs SELECTs the compiler wrote (values inlined: ClickHouse 18.16 has
 * no bound parameters) and reads `system.columns`; it writes nothing.
 */
export class ClickHouseWarehouse implements Warehouse {
  readonly dialect = 'clickhouse' as const
  readonly label: string
  private readonly client: ClickHouseClient
  private timeoutMs: number | undefined

  constructor(readonly url: ClickHouseUrl) {
    this.label = `ClickHouse at ${url.host}:${url.port}/${url.database}`
    const {createClient, ClickHouseLogLevel} = createRequire(import.meta.url)('@clickhouse/client') as typeof import('@clickhouse/client')
    this.client = createClient({
      url: `http://${url.host}:${url.port}`,
      username: url.username,
      password: url.password,
      database: url.database,
      // 64-bit integers as JSON numbers, as the DuckDB side returns them
      clickhouse_settings: {output_format_json_quote_64bit_integers: 0},
      // errors reach the caller as one line; the client's own logging would print them again
      log: {level: ClickHouseLogLevel.OFF},
      // the client's default (30 s) would cut long analytical queries; a limit is the server's
      // max_execution_time (setQueryTimeout)
      request_timeout: 3_600_000,
    })
  }

  static fromUrl(text: string): ClickHouseWarehouse {
    return new ClickHouseWarehouse(parseClickHouseUrl(text))
  }

  async query(sql: string, params: SqlValue[] = []): Promise<{columns: string[]; rows: Row[]}> {
    const result = await this.run(sql, params)
    return {columns: result.meta.map((m) => m.name), rows: result.data}
  }

  async stream(sql: string, params: SqlValue[], onRows: (rows: Row[]) => void | Promise<void>, onStart?: (columns: string[]) => void | Promise<void>): Promise<string[]> {
    const result = await this.run(sql, params)
    const columns = result.meta.map((m) => m.name)
    await onStart?.(columns)
    for (let i = 0; i < result.data.length; i += 2048) await onRows(result.data.slice(i, i + 2048))
    return columns
  }

  async describe(sql: string, params: SqlValue[] = []): Promise<{name: string; type: string}[]> {
    return (await this.run(`SELECT * FROM (\n${sql.trim().replace(/;\s*$/, '')}\n) AS q LIMIT 0`, params)).meta
  }

  async columns(): Promise<PhysicalColumn[]> {
    const rows = (await this.run('SELECT table, name, type FROM system.columns WHERE database = currentDatabase()', [])).data as {table: string; name: string; type: string}[]
    const columns = rows.map((r) => ({database_name: this.url.database, schema_name: 'main', table_name: r.table, column_name: r.name, data_type: r.type}))
    // stable: columns keep the order system.columns gives within a table
    return columns.sort((a, b) => (a.table_name < b.table_name ? -1 : a.table_name > b.table_name ? 1 : 0))
  }

  /** Queries running longer than `ms` are stopped by the server (max_execution_time) with QUERY_TIMEOUT. */
  setQueryTimeout(ms: number | undefined): void {
    this.timeoutMs = ms
  }

  close(): void {
    void this.client.close().catch(() => undefined)
  }

  private async run(sql: string, params: SqlValue[]): Promise<JsonResult> {
    if (params.length > 0) throw new Error('ClickHouse queries take no bound parameters; the compiler inlines values')
    try {
      const seconds = this.timeoutMs ? Math.max(1, Math.ceil(this.timeoutMs / 1000)) : undefined
      const result = await this.client.query({query: sql, format: 'JSON', ...(seconds ? {clickhouse_settings: {max_execution_time: seconds}} : {})})
      return (await result.json()) as unknown as JsonResult
    } catch (error) {
      // 159 TIMEOUT_EXCEEDED: max_execution_time
      if (this.timeoutMs && /Code:\s*159\b/.test(String((error as Error).message))) {
        const seconds = +(this.timeoutMs / 1000).toFixed(3)
        throw new CatalogError('QUERY_TIMEOUT', `the query ran longer than ${seconds} s and was stopped; narrow it (a shorter range, a coarser grain, fewer dimensions)`, {timeout_seconds: seconds}, {cause: error})
      }
      const code = (error as {code?: string}).code
      if (typeof code === 'string' && /^(ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|EAI_AGAIN)$/.test(code)) {
        throw new CatalogError('UNAVAILABLE', `cannot reach ${this.label} (${code}); is the server running, and is ${this.url.port} its HTTP port?`, {warehouse: this.label}, {cause: error})
      }
      if (error instanceof Error && /timeout/i.test(error.message) && !/Code:/.test(error.message)) {
        throw new CatalogError('UNAVAILABLE', `${this.label} did not answer in time`, {warehouse: this.label}, {cause: error})
      }
      throw new Error(clickhouseMessage(error), {cause: error})
    }
  }
}
