import {Readable} from 'node:stream'

import type {Catalog} from '../core/catalog.js'
import type {CatalogApi} from '../core/catalog-api.js'
import type {
  DataSource,
  DataSourceInput,
  IngestPointsOptions,
  IngestResult,
  JobRow,
  PointInput,
  PointsQuery,
  PointsResult,
  RunReport,
  RunReportResult,
  RunRequest,
  RunResult,
} from '../core/points.js'
import {CatalogError} from '../errors.js'
import {type RemoteCatalog, toCatalogError} from './remote-catalog.js'

/**
 * The points operations the commands call: on the database file through the core functions, or
 * through a running `metricat serve` (POST /api/metrics/ingest, POST /api/metrics/points/query,
 * POST /api/metrics/runs, GET|POST|DELETE /api/data-sources), whichever `BaseCommand.catalog()` chose.
 */
export interface PointsClient {
  ingest(input: PointInput, options: IngestPointsOptions): Promise<IngestResult>
  query(request: PointsQuery): Promise<PointsResult>
  run(request: RunRequest): Promise<RunResult>
  listSources(): Promise<DataSource[]>
  addSource(source: DataSourceInput, options: {update?: boolean; mustExist?: boolean}): Promise<{source: DataSource; created: boolean}>
  enableSource(id: string): Promise<DataSource>
  listJobs(filter: JobQuery): Promise<JobRow[]>
  removeSource(id: string, options: {deletePoints?: boolean}): Promise<{id: string; removed: true; pointsDeleted: number}>
}

/** `metricat jobs` flags / GET /api/jobs parameters, as given. */
export interface JobQuery {
  source?: string
  status?: string
  kind?: string
  since?: string
  limit?: number
}

export async function pointsClient(api: CatalogApi): Promise<PointsClient> {
  const core = await import('../core/points.js')
  if ('db' in api) {
    const catalog = api as Catalog
    return {
      ingest: (input, options) => core.ingestPoints(catalog, input, options),
      query: (request) => core.queryPoints(catalog, request),
      run: (request) => core.runPoints(catalog, request),
      listSources: () => core.listDataSources(catalog),
      addSource: (source, options) => core.addDataSource(catalog, source, options),
      removeSource: (id, options) => core.removeDataSource(catalog, id, options),
      enableSource: (id) => core.enableDataSource(catalog, id),
      listJobs: async (filter) => core.listJobs(catalog, core.parseJobFilter(filter)),
    }
  }
  const remote = api as RemoteCatalog
  const http = new PointsHttp(remote.url, remote.token)
  const send = (points: Record<string, unknown>[]) => http.request<IngestResult>('POST', '/api/metrics/ingest', {points})
  return {
    ingest: async (input, options) => {
      // Without defaults to fill in, the text goes to the server as it is, streamed: memory stays
      // flat and the server reports problems by line. With defaults, the points are filled here.
      const plain = !Object.values(options.defaults ?? {}).some((v) => v !== undefined)
      if (plain && input instanceof Readable) return http.request<IngestResult>('POST', '/api/metrics/ingest', input)
      return send(await core.collectPoints(input, {defaults: options.defaults, source: options.source}))
    },
    query: (request) => http.request<PointsResult>('POST', '/api/metrics/points/query', request),
    run: (request) => core.runPointsRemote((report) => http.request<RunReportResult>('POST', '/api/metrics/runs', report as RunReport), request),
    listSources: async () => (await http.request<{data_sources: DataSource[]}>('GET', '/api/data-sources')).data_sources,
    addSource: (source, options) =>
      http.request<{source: DataSource; created: boolean}>('POST', `/api/data-sources${options.mustExist ? '?update=only' : options.update ? '?update=true' : ''}`, source),
    enableSource: async (id) => (await http.request<{source: DataSource}>('POST', `/api/data-sources/${encodeURIComponent(id)}/enable`)).source,
    listJobs: async (filter) => {
      const params = new URLSearchParams()
      for (const [k, v] of Object.entries(filter)) if (v !== undefined) params.set(k, String(v))
      return (await http.request<{jobs: JobRow[]}>('GET', `/api/jobs?${params}`)).jobs
    },
    removeSource: (id, options) =>
      http.request<{id: string; removed: true; pointsDeleted: number}>('DELETE', `/api/data-sources/${encodeURIComponent(id)}${options.deletePoints ? '?delete_points=true' : ''}`),
  }
}


class PointsHttp {
  private readonly base: string

  constructor(
    url: string,
    private readonly token: string | undefined,
  ) {
    this.base = url.replace(/\/+$/, '')
  }

  /**
   * One request with a JSON body, or a stream sent as NDJSON text; an error envelope becomes the
   * CatalogError the server's core threw.
   */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response
    const stream = body instanceof Readable
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : {'content-type': stream ? 'application/x-ndjson' : 'application/json'}),
          ...(this.token ? {authorization: `Bearer ${this.token}`} : {}),
        },
        body: body === undefined ? undefined : stream ? (Readable.toWeb(body) as ReadableStream) : JSON.stringify(body),
        ...(stream ? {duplex: 'half'} : {}),
      } as RequestInit)
    } catch (error) {
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)
      throw new CatalogError('BAD_REQUEST', `cannot reach metricat server at ${this.base}: ${cause}`, {server: this.base}, {cause: error})
    }
    const text = await response.text()
    let json: unknown
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      json = undefined
    }
    if (response.ok) return json as T
    const error = toCatalogError(response.status, json, this.base)
    throw new CatalogError(error.code === 'INTERNAL' ? 'BAD_REQUEST' : error.code, `server ${this.base}: ${error.message}`, {...error.details, status: response.status})
  }
}
