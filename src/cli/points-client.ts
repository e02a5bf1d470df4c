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
import type {RemoteCatalog} from './remote-catalog.js'

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
  // the catalog's own client: one token, one error mapping (src/cli/server-client.ts)
  const http = (api as RemoteCatalog).http
  const send = (points: Record<string, unknown>[]) => http.request<IngestResult>('POST', '/api/metrics/ingest', {body: {points}})
  return {
    ingest: async (input, options) => {
      // Without defaults to fill in, the text goes to the server as it is, streamed: memory stays
      // flat and the server reports problems by line. With defaults, the points are filled here.
      const plain = !Object.values(options.defaults ?? {}).some((v) => v !== undefined)
      if (plain && input instanceof Readable) return http.request<IngestResult>('POST', '/api/metrics/ingest', {body: input})
      return send(await core.collectPoints(input, {defaults: options.defaults, source: options.source}))
    },
    query: (request) => http.request<PointsResult>('POST', '/api/metrics/points/query', {body: request}),
    run: (request) => core.runPointsRemote((report) => http.request<RunReportResult>('POST', '/api/metrics/runs', {body: report as RunReport}), request),
    listSources: async () => (await http.request<{data_sources: DataSource[]}>('GET', '/api/data-sources')).data_sources,
    addSource: (source, options) =>
      http.request<{source: DataSource; created: boolean}>('POST', '/api/data-sources', {body: source, query: {update: options.mustExist ? 'only' : options.update ? 'true' : undefined}}),
    enableSource: async (id) => (await http.request<{source: DataSource}>('POST', `/api/data-sources/${encodeURIComponent(id)}/enable`)).source,
    listJobs: async (filter) => (await http.request<{jobs: JobRow[]}>('GET', '/api/jobs', {query: {...filter}})).jobs,
    removeSource: (id, options) =>
      http.request<{id: string; removed: true; pointsDeleted: number}>('DELETE', `/api/data-sources/${encodeURIComponent(id)}`, {query: {delete_points: options.deletePoints ? 'true' : undefined}}),
  }
}

