import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import path from 'node:path'

import type {ChangeKind, MetricVersion} from '../catalog/repository.js'
import type {SearchHit} from '../catalog/search.js'
import type {StoredMetric} from '../catalog/types.js'
import {displayPath, exportMetricFiles, listMetricFiles} from '../catalog/yaml.js'
import type {DimensionValues, ImportOptions, ImportPlan, WriteOptions, YamlDocument} from '../core/catalog.js'
import type {CatalogApi, ExportedFile, ShownMetric} from '../core/catalog-api.js'
import type {ColumnUse, TableMapEntry} from '../core/columns.js'
import type {CreatedToken, Role, TokenApi, TokenInfo} from '../core/tokens.js'
import {CatalogError, HTTP_STATUS, type ErrorCode, noSuchPath} from '../errors.js'
import type {CompiledQuery, MetricQuery, QueryResult} from '../query/types.js'

const CODES = new Set(Object.keys(HTTP_STATUS))
const BY_STATUS: Record<number, ErrorCode> = {400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 422: 'VALIDATION'}

/**
 * The catalog of a running `metricat serve`, over HTTP. Each method is one request to the route
 * that makes the same core call; an error envelope becomes the same CatalogError the core threw,
 * so commands print the same lines and exit codes as on the file. File work (reading YAML for
 * import/diff, writing files for export) happens here, on the CLI's side.
 */
export class RemoteCatalog implements CatalogApi, TokenApi {
  readonly url: string

  constructor(
    url: string,
    /** the bearer token sent with every request (points commands reuse it) */
    readonly token: string | undefined,
  ) {
    this.url = url.replace(/\/+$/, '')
  }

  async list(options: {category?: string} = {}): Promise<StoredMetric[]> {
    return (await this.request<{metrics: StoredMetric[]}>('GET', '/api/metrics', {query: {category: options.category}})).metrics
  }

  async get(id: string): Promise<StoredMetric> {
    return this.request<StoredMetric>('GET', metricPath(id))
  }

  async show(id: string, version?: number): Promise<ShownMetric> {
    return this.request<ShownMetric>('GET', metricPath(id), {query: {version: version === undefined ? undefined : String(version)}})
  }

  async history(id: string): Promise<MetricVersion[]> {
    return (await this.request<{versions: MetricVersion[]}>('GET', `${metricPath(id)}/history`)).versions
  }

  async delete(id: string, options: WriteOptions = {}): Promise<{id: string; deleted: true}> {
    return this.request('DELETE', `/api/admin/metrics/${encodeURIComponent(id)}`, {query: {source: options.source}})
  }

  async putMetric(record: Record<string, unknown>, options: WriteOptions & {category?: string} = {}): Promise<{metric: StoredMetric; change: ChangeKind | null}> {
    return this.request('POST', '/api/admin/metrics', {body: record, query: {category: options.category}})
  }

  async importPath(target: string, options: ImportOptions = {}): Promise<ImportPlan> {
    return this.importDocuments(await readDocuments(target), {source: 'yaml', ...options})
  }

  async importDocuments(documents: YamlDocument[], options: ImportOptions = {}): Promise<ImportPlan> {
    return this.request('POST', '/api/admin/import', {
      body: {documents, prune: options.prune, dry_run: options.dryRun, source: options.source},
    })
  }

  async diff(target: string): Promise<ImportPlan> {
    return this.importDocuments(await readDocuments(target), {prune: true, dryRun: true, source: 'yaml'})
  }

  async exportMetrics(options: {dir?: string; ids?: string[]} = {}): Promise<ExportedFile[]> {
    const metrics = options.ids && options.ids.length > 0 ? await Promise.all(options.ids.map((id) => this.get(id))) : await this.list()
    return exportMetricFiles(metrics, options.dir)
  }

  async search(text: string): Promise<SearchHit[]> {
    return (await this.request<{results: SearchHit[]}>('GET', '/api/search', {query: {q: text}})).results
  }

  async lookupSynonym(synonym: string): Promise<StoredMetric[]> {
    return (await this.request<{metrics: StoredMetric[]}>('GET', '/api/lookup', {query: {synonym}})).metrics
  }

  async lookupTable(table: string): Promise<StoredMetric[]> {
    return (await this.request<{metrics: StoredMetric[]}>('GET', '/api/lookup', {query: {table}})).metrics
  }

  async tables(): Promise<{table: string; metrics: string[]}[]> {
    return (await this.request<{tables: {table: string; metrics: string[]}[]}>('GET', '/api/tables')).tables
  }

  async tableMap(): Promise<TableMapEntry[]> {
    return (await this.request<{tables: TableMapEntry[]}>('GET', '/api/tables', {query: {columns: '1'}})).tables
  }

  async lookupColumn(column: string, table?: string): Promise<ColumnUse[]> {
    return (await this.request<{uses: ColumnUse[]}>('GET', '/api/lookup', {query: {column, table}})).uses
  }

  async dimensionValues(id: string, dimension: string, options: {search?: string; limit?: number} = {}): Promise<DimensionValues> {
    const query = {search: options.search, limit: options.limit === undefined ? undefined : String(options.limit)}
    return this.request('GET', `${metricPath(id)}/dimensions/${encodeURIComponent(dimension)}/values`, {query})
  }

  async compileQuery(query: MetricQuery): Promise<CompiledQuery> {
    const {metric, ...body} = query
    return this.request('POST', `${metricPath(metric)}/sql`, {body})
  }

  async queryMetric(query: MetricQuery): Promise<QueryResult> {
    const {metric, ...body} = query
    return this.request('POST', `${metricPath(metric)}/query`, {body})
  }

  async createToken(name: string, role: Role): Promise<CreatedToken> {
    return this.request('POST', '/api/admin/tokens', {body: {name, role}})
  }

  async listTokens(): Promise<TokenInfo[]> {
    return (await this.request<{tokens: TokenInfo[]}>('GET', '/api/admin/tokens')).tokens
  }

  async revokeToken(name: string): Promise<{name: string; revoked: true}> {
    return this.request('DELETE', `/api/admin/tokens/${encodeURIComponent(name)}`)
  }

  close(): void {}

  private async request<T>(method: string, route: string, options: {query?: Record<string, string | undefined>; body?: unknown} = {}): Promise<T> {
    const url = new URL(`${this.url}${route}`)
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v)
    const headers: Record<string, string> = {accept: 'application/json'}
    if (this.token) headers.authorization = `Bearer ${this.token}`
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    try {
      response = await fetch(url, {method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body)})
    } catch (error) {
      const cause = (error as {cause?: {code?: string; message?: string}}).cause
      throw new CatalogError('BAD_REQUEST', `cannot reach the metricat server at ${this.url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, {server: this.url}, {cause: error})
    }
    const text = await response.text()
    let payload: unknown
    try {
      payload = text ? JSON.parse(text) : undefined
    } catch {
      payload = undefined
    }
    if (response.ok) {
      if (payload === undefined) throw new CatalogError('INTERNAL', `the server at ${this.url} answered ${method} ${route} with no JSON`, {server: this.url})
      return payload as T
    }
    throw toCatalogError(response.status, payload, this.url)
  }
}

/** Rebuilds the CatalogError behind an error envelope `{"error": {code, message, details}}`. */
export function toCatalogError(status: number, payload: unknown, server: string): CatalogError {
  const e = (payload as {error?: {code?: unknown; message?: unknown; details?: unknown}} | undefined)?.error
  if (e && typeof e.code === 'string' && typeof e.message === 'string') {
    const code = CODES.has(e.code) ? (e.code as ErrorCode) : 'INTERNAL'
    const details = e.details && typeof e.details === 'object' && Object.keys(e.details).length > 0 ? (e.details as Record<string, unknown>) : undefined
    return new CatalogError(code, e.message, details)
  }
  return new CatalogError(BY_STATUS[status] ?? 'INTERNAL', `the server at ${server} answered HTTP ${status}`, {server, status})
}

/** Ids travel as one encoded path segment, so any id (even one without a slash) reaches the same core lookup. */
function metricPath(id: string): string {
  return `/api/metrics/${encodeURIComponent(id)}`
}

/** The YAML files under `target` as documents, named and categorised as `metricat import` would. */
async function readDocuments(target: string): Promise<YamlDocument[]> {
  if (!existsSync(target)) throw noSuchPath(target, {path: target}, 'file or folder')
  const files = await listMetricFiles(target)
  return Promise.all(
    files.map(async (file) => ({file: displayPath(file), text: await readFile(file, 'utf8'), category: path.basename(path.dirname(path.resolve(file)))})),
  )
}
