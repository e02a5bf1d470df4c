import {Hono} from 'hono'

import type {Catalog} from '../core/catalog.js'
import {addDataSource, enableDataSource, withoutCommand, ingestPoints, listDataSources, listJobs, parseJobFilter, queryPoints, recordRunReport, removeDataSource, type DataSourceInput, type PointsQuery} from '../core/points.js'
import {
  parseIfMatch,
  parseImportRequest,
  parseIngestBody,
  parseMetricBody,
  parseQueryParams,
  parseQueryRequest,
  parseTokenRequest,
  recordForId,
} from '../core/requests.js'
import {cachedResult, type ResultCache} from '../core/result-cache.js'
import {type Principal, TokenStore} from '../core/tokens.js'
import {pointsScope} from '../db/data-versions.js'
import {CatalogError} from '../errors.js'
import {authorize, createGuard, provenanceOf, type AuthEnv} from './auth.js'
import {hostGuard} from './host.js'
import {DEFAULT_BODY_LIMIT, QUERY_BODY_LIMIT, limitBody, memoJson, queryParams, readJson} from './body.js'
import {notFound, onError} from './errors.js'
import {openApiDocument} from './openapi.js'
import {addWebRoutes} from '../web/routes.js'

export interface AppOptions {
  /** token lookups; default: the catalog's api_tokens table */
  tokens?: TokenStore
  /** GET catalog reads without a token */
  publicRead?: boolean
  /** a per-run admin token for the local CLI */
  localToken?: string
  /** largest request body in bytes (default 10 MB) */
  bodyLimit?: number
  /** Host names requests may carry (see `allowedHostNames`); any when omitted (in-process use) */
  allowedHosts?: Set<string>
  /** largest metric or points query body in bytes (default 1 MB) */
  queryBodyLimit?: number
  /** most rows one metric query response may hold (default: no limit) */
  maxRows?: number
  /** metric and points query results (README "Result cache"); none: every query runs */
  cache?: ResultCache
}

/**
 * A metric id in a path: `<category>/<name>` as two segments, or one segment with the slash
 * encoded (`revenue%2Fmrr`, what RemoteCatalog sends). `ID/history`, `ID/sql` and `ID/query` are
 * the suffix routes; the plain pattern excludes those words as a second segment (and the HIT alias
 * paths `definitions` and `data-sources` as a whole id), so the patterns never overlap and no route
 * depends on registration order. (A metric named e.g. `x/history` is reachable as `x%2Fhistory`.)
 */
const ID = ':id{[^/]+(?:/[^/]+)?}'
/** As ID, but never the path `points/query`, so `POST /api/metrics/points/query` is only the points query. */
const QUERY_ID = ':id{(?!points/query$)[^/]+(?:/[^/]+)?}'
const PLAIN_ID = ':id{(?!(?:definitions|data-sources)$)[^/]+(?:/(?!(?:history|sql|query)$)[^/]+)?}'

/**
 * The HTTP API over one catalog (README "HTTP server"). Routes parse, authorise, make the same core call
 * as the CLI command and return its result; errors go through `onError` into one envelope.
 */
export function createApp(catalog: Catalog, options: AppOptions = {}): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>()
  const tokens = options.tokens ?? new TokenStore(catalog.db)
  const guard = createGuard({tokens, publicRead: options.publicRead, localToken: options.localToken})
  const body = limitBody(options.bodyLimit ?? DEFAULT_BODY_LIMIT)
  const queryBody = limitBody(Math.min(options.queryBodyLimit ?? QUERY_BODY_LIMIT, options.bodyLimit ?? DEFAULT_BODY_LIMIT))
  const read = guard('read')
  const admin = guard('admin')

  app.onError(onError)
  app.notFound(notFound)
  if (options.allowedHosts) app.use('*', hostGuard(options.allowedHosts))

  // Definitions are served from the catalog's in-memory copy; a write drops it, so reload it
  // right away rather than on the next read.
  app.use('/api/admin/*', async (_c, next) => {
    await next()
    await catalog.list()
  })

  app.get('/api/health', guard('public'), (c) => c.json({status: 'ok'}))
  app.get('/api/openapi.json', guard('public'), (c) => c.json(openApiDocument()))

  app.on('GET', ['/api/metrics', '/api/metrics/definitions'], read, async (c) => {
    const {category, q} = c.req.query()
    const metrics = await catalog.list({category: category || undefined})
    if (!q) return c.json({metrics})
    // ?q= keeps the list's shape and orders by search rank
    const byId = new Map(metrics.map((m) => [m.id, m]))
    return c.json({metrics: (await catalog.search(q)).flatMap((hit) => byId.get(hit.id) ?? [])})
  })
  app.get('/api/search', read, async (c) => {
    const q = c.req.query('q')
    if (!q?.trim()) throw new CatalogError('BAD_REQUEST', 'missing ?q=TEXT (words to search for)', {parameter: 'q'})
    return c.json({query: q, results: await catalog.search(q)})
  })
  app.get('/api/lookup', read, async (c) => {
    const {synonym, table, column} = c.req.query()
    if (column !== undefined) {
      if (synonym !== undefined) throw new CatalogError('BAD_REQUEST', 'pass ?column= (optionally with ?table=) or ?synonym=, not both', {parameters: ['synonym', 'column']})
      return c.json({column, table: table ?? null, uses: await catalog.lookupColumn(column, table)})
    }
    if ((synonym === undefined) === (table === undefined)) {
      throw new CatalogError('BAD_REQUEST', 'pass exactly one of ?synonym=, ?table= and ?column=', {parameters: ['synonym', 'table', 'column']})
    }
    return c.json({metrics: synonym === undefined ? await catalog.lookupTable(table!) : await catalog.lookupSynonym(synonym)})
  })
  // MCP over Streamable HTTP (the tools of `metricat mcp`), stateless: every request carries its
  // token; the endpoint needs read access and each tool checks its own (query tools: query).
  app.post('/mcp', read, body, async (c) => {
    const {handleMcpRequest} = await import('../mcp/http.js')
    const principal = c.var.principal
    return handleMcpRequest(catalog, c.req.raw, {authorize: (access) => authorize(principal, access, options.publicRead), admin: isAdmin(principal), bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT})
  })
  app.on(['GET', 'DELETE'], '/mcp', read, (c) =>
    c.json({jsonrpc: '2.0', error: {code: -32000, message: 'this MCP endpoint is stateless: POST JSON-RPC messages; no SSE stream or session to open or close'}, id: null}, 405, {allow: 'POST'}),
  )
  app.get('/api/tables', read, async (c) => {
    const columns = c.req.query('columns')
    if (columns !== undefined && !['0', '1', 'true', 'false'].includes(columns)) {
      throw new CatalogError('BAD_REQUEST', `bad ?columns=${JSON.stringify(columns)}; expected 1 or 0`, {parameter: 'columns'})
    }
    return c.json({tables: columns === '1' || columns === 'true' ? await catalog.tableMap() : await catalog.tables()})
  })

  app.get(`/api/metrics/${ID}/history`, read, async (c) => {
    const versions = await catalog.history(c.req.param('id'))
    return c.json({id: versions[0]?.id ?? c.req.param('id'), versions})
  })
  app.get(`/api/metrics/${ID}/dimensions/:dimension/values`, read, async (c) => {
    const {search, limit} = c.req.query()
    if (limit !== undefined && !/^[1-9]\d{0,4}$/.test(limit)) {
      throw new CatalogError('BAD_REQUEST', `bad ?limit=${JSON.stringify(limit)}; expected a whole number from 1 to 99999`, {parameter: 'limit'})
    }
    return c.json(await catalog.dimensionValues(c.req.param('id'), c.req.param('dimension'), {search: search || undefined, limit: limit === undefined ? undefined : Number(limit)}))
  })
  app.get(`/api/metrics/${ID}/sql`, read, async (c) => c.json(await catalog.compileQuery(parseQueryParams(c.req.param('id'), queryParams(c)))))
  app.post(`/api/metrics/${ID}/sql`, read, queryBody, async (c) => c.json(await catalog.compileQuery(parseQueryRequest(c.req.param('id'), await readJson(c)))))
  app.post(`/api/metrics/${QUERY_ID}/query`, guard('query'), queryBody, async (c) => {
    const query = parseQueryRequest(c.req.param('id'), await readJson(c))
    const {id, version} = await catalog.get(query.metric)
    return c.json(
      // a relative range ("last 6 months") means other dates tomorrow: the day is part of the key
      await cachedResult(catalog, options.cache, {kind: 'metric', id, version, query: {...query, metric: id}, ...(query.range ? {today: new Date().toISOString().slice(0, 10)} : {})}, () => catalog.dataScopes(id, {variant: query.variant !== undefined}), () =>
        catalog.queryMetric(query, {maxRows: options.maxRows}),
      ),
    )
  })
  app.get(`/api/metrics/${PLAIN_ID}`, read, async (c) => {
    const version = c.req.query('version')
    if (version !== undefined && !/^[1-9]\d{0,8}$/.test(version)) {
      throw new CatalogError('BAD_REQUEST', `bad ?version=${JSON.stringify(version)}; expected a version number (see /history)`, {parameter: 'version'})
    }
    if (version !== undefined) return c.json(await catalog.show(c.req.param('id'), Number(version)))
    const metric = await catalog.get(c.req.param('id'))
    c.header('ETag', `"${metric.version}"`)
    return memoJson(c, metric)
  })

  // Points (README "Metric points"): a JSON body is {"points": [...]} (problems by index); any other
  // content type is read as NDJSON text, streamed (problems by line).
  app.post('/api/metrics/ingest', guard('ingest'), body, async (c) => {
    const json = /\bjson\b/i.test(c.req.header('content-type') ?? '') && !/ndjson|jsonl|json-seq/i.test(c.req.header('content-type') ?? '')
    const input = json ? parseIngestBody(await readJson(c)) : (c.req.raw.body ?? emptyBody())
    return c.json(await ingestPoints(catalog, input as Parameters<typeof ingestPoints>[1], {source: 'body'}))
  })
  // HIT metrics-core's paths answer too: /api/metrics/query, /api/metrics/data-sources, /api/metrics/definitions.
  app.on('POST', ['/api/metrics/points/query', '/api/metrics/query'], guard('query'), queryBody, async (c) => {
    const request = (await readJson(c)) as PointsQuery
    const scope = typeof request?.key === 'string' ? [pointsScope(request.key)] : []
    return c.json(await cachedResult(catalog, options.cache, {kind: 'points', request}, async () => scope, () => queryPoints(catalog, request)))
  })
  app.get('/api/cache/stats', read, (c) => c.json(options.cache?.stats() ?? {hits: 0, misses: 0, entries: 0, bytes: 0, max_bytes: 0, ttl_seconds: 0, evictions: 0}))
  app.post('/api/admin/cache/clear', admin, (c) => c.json(options.cache?.clear() ?? {cleared: 0}))
  // A run that happened elsewhere (`metricat run --server`): recorded, and its points ingested when it succeeded.
  app.post('/api/metrics/runs', guard('ingest'), body, async (c) => c.json(await recordRunReport(catalog, await readJson(c), {canSetCommand: isAdmin(c.var.principal)})))
  // Commands are run by whoever runs the source: only admins set or see them (and the local file's user).
  app.on('GET', ['/api/data-sources', '/api/metrics/data-sources'], read, async (c) =>
    c.json({data_sources: await listDataSources(catalog, {showCommands: isAdmin(c.var.principal)})}),
  )
  app.on('POST', ['/api/data-sources', '/api/metrics/data-sources'], guard('ingest'), body, async (c) => {
    const update = c.req.query('update')
    const result = await addDataSource(catalog, (await readJson(c)) as DataSourceInput, {update: update === 'true' || update === 'only', mustExist: update === 'only', canSetCommand: isAdmin(c.var.principal)})
    return c.json(result, result.created ? 201 : 200)
  })
  app.post('/api/data-sources/:id/enable', guard('ingest'), async (c) => {
    const source = await enableDataSource(catalog, c.req.param('id'))
    return c.json({source: isAdmin(c.var.principal) ? source : withoutCommand(source)})
  })
  app.get('/api/jobs', read, async (c) => c.json({jobs: await listJobs(catalog, parseJobFilter(c.req.query()))}))
  app.on('DELETE', ['/api/data-sources/:id', '/api/metrics/data-sources/:id'], admin, async (c) =>
    c.json(await removeDataSource(catalog, c.req.param('id'), {deletePoints: c.req.query('delete_points') === 'true'})),
  )

  app.post('/api/admin/metrics', admin, body, async (c) => {
    const record = parseMetricBody(await readJson(c))
    const expectedVersion = parseIfMatch(c.req.header('if-match'))
    const result = await catalog.putMetric(record, {...provenanceOf(c.var.principal), category: c.req.query('category'), expectedVersion})
    return c.json(result, result.change === 'create' ? 201 : 200)
  })
  app.put(`/api/admin/metrics/${ID}`, admin, body, async (c) => {
    const current = await catalog.get(c.req.param('id'))
    const record = recordForId(current.id, parseMetricBody(await readJson(c)))
    const expectedVersion = parseIfMatch(c.req.header('if-match'))
    return c.json(await catalog.putMetric(record, {...provenanceOf(c.var.principal), expectedVersion}))
  })
  app.patch(`/api/admin/metrics/${ID}`, admin, body, async (c) => {
    const expectedVersion = parseIfMatch(c.req.header('if-match'))
    return c.json(await catalog.patchMetric(c.req.param('id'), parseMetricBody(await readJson(c)), {...provenanceOf(c.var.principal), expectedVersion}))
  })
  app.delete(`/api/admin/metrics/${ID}`, admin, async (c) => {
    const current = await catalog.get(c.req.param('id'))
    const expectedVersion = parseIfMatch(c.req.header('if-match'))
    return c.json(await catalog.delete(current.id, {...provenanceOf(c.var.principal, c.req.query('source')), expectedVersion}))
  })
  app.post('/api/admin/import', admin, body, async (c) => {
    const yaml = /\b(ya?ml)\b/i.test(c.req.header('content-type') ?? '')
    const request = yaml
      ? {
          documents: [{file: c.req.query('file') ?? 'body', text: await c.req.text(), category: c.req.query('category')}],
          options: {prune: c.req.query('prune') === 'true', dryRun: c.req.query('dry_run') === 'true', source: c.req.query('source')},
        }
      : parseImportRequest(await readJson(c))
    const {source, ...options} = request.options
    return c.json(await catalog.importDocuments(request.documents, {...options, ...provenanceOf(c.var.principal, source)}))
  })

  app.get('/api/admin/tokens', admin, async (c) => c.json({tokens: await tokens.listTokens()}))
  app.post('/api/admin/tokens', admin, body, async (c) => {
    const {name, role} = parseTokenRequest(await readJson(c))
    return c.json(await tokens.createToken(name, role), 201)
  })
  app.delete('/api/admin/tokens/:name', admin, async (c) => c.json(await tokens.revokeToken(c.req.param('name'))))

  // the web pages (README "Web pages"): the same core calls, rendered as HTML
  addWebRoutes(app, catalog, {tokens, publicRead: options.publicRead, localToken: options.localToken, maxRows: options.maxRows})

  return app
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}

function isAdmin(principal: Principal | undefined): boolean {
  return principal?.role === 'admin'
}
