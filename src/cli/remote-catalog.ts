import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import path from 'node:path'

import type {ChangeKind, MetricVersion} from '../catalog/repository.js'
import type {SearchHit} from '../catalog/search.js'
import type {StoredMetric} from '../catalog/types.js'
import {displayPath, exportMetricFiles, folderIndex, listMetricFiles} from '../catalog/yaml.js'
import type {DimensionValues, ImportOptions, ImportPlan, WriteOptions, YamlDocument} from '../core/catalog.js'
import type {CatalogApi, ExportedFile, ShownMetric} from '../core/catalog-api.js'
import type {ColumnUse, TableMapEntry} from '../core/columns.js'
import type {CreatedToken, Role, TokenApi, TokenInfo} from '../core/tokens.js'
import {noSuchPath} from '../errors.js'
import type {CompiledQuery, MetricQuery, QueryResult} from '../query/types.js'
import {ServerClient, type ServerRequest} from './server-client.js'

/**
 * The catalog of a running `metricat serve`, over HTTP. Each method is one request to the route
 * that makes the same core call; an error envelope becomes the same CatalogError the core threw,
 * so commands print the same lines and exit codes as on the file. File work (reading YAML for
 * import/diff, writing files for export) happens here, on the CLI's side. Requests, the token,
 * If-Match and error mapping are the one ServerClient's (src/cli/server-client.ts), which the
 * points commands share (`http`).
 */
export class RemoteCatalog implements CatalogApi, TokenApi {
  readonly http: ServerClient

  constructor(url: string, token: string | undefined) {
    this.http = new ServerClient(url, token)
  }

  get url(): string {
    return this.http.url
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
    return this.request('DELETE', `/api/admin/metrics/${encodeURIComponent(id)}`, {query: {source: options.source}, ifMatch: options.expectedVersion})
  }

  async putMetric(record: Record<string, unknown>, options: WriteOptions & {category?: string} = {}): Promise<{metric: StoredMetric; change: ChangeKind | null}> {
    return this.request('POST', '/api/admin/metrics', {body: record, query: {category: options.category}, ifMatch: options.expectedVersion})
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

  private request<T>(method: string, route: string, options: ServerRequest = {}): Promise<T> {
    return this.http.request<T>(method, route, options)
  }
}

/** Ids travel as one encoded path segment, so any id (even one without a slash) reaches the same core lookup. */
function metricPath(id: string): string {
  return `/api/metrics/${encodeURIComponent(id)}`
}

/** The YAML files under `target` as documents, named and categorised as `metricat import` would. */
async function readDocuments(target: string): Promise<YamlDocument[]> {
  if (!existsSync(target)) throw noSuchPath(target, {path: target}, 'file or folder')
  const files = await listMetricFiles(target)
  const isIndex = folderIndex(target, files)
  return Promise.all(
    files.map(async (file) => ({file: displayPath(file), text: await readFile(file, 'utf8'), category: path.basename(path.dirname(path.resolve(file))), index: isIndex(file)})),
  )
}
