/** @jsxImportSource hono/jsx */
import type {Context, Hono} from 'hono'
import {deleteCookie, getCookie, setCookie} from 'hono/cookie'

import {chartFor} from '../catalog/chart.js'
import {diffDefinitions} from '../catalog/diff.js'
import {resultCsv} from '../cli/print-result.js'
import type {Catalog} from '../core/catalog.js'
import {queryPoints, type PointsQuery} from '../core/points.js'
import {parseQueryParams} from '../core/requests.js'
import type {Principal, TokenStore} from '../core/tokens.js'
import {CatalogError, HTTP_STATUS} from '../errors.js'
import {parseWhere} from '../query/parse-where.js'
import {type Access, type AuthEnv, authorize, createAuthenticator} from '../server/auth.js'
import {webAssets} from './assets.js'
import {CatalogPage, ErrorPage, ExploreSection, MetricPage, PointsPage, SignInPage, type ExploreState, type ListedMetric, type PageContext, type PointsState, type ResultView} from './pages.js'

/** The sign-in cookie: the token itself, for this browser session only (no expiry), never readable by scripts. */
export const TOKEN_COOKIE = 'metricat_token'

export interface WebOptions {
  tokens: TokenStore
  publicRead?: boolean
  localToken?: string
  maxRows?: number
}

// Pages load only what they serve themselves; no inline script or style (the chart data is a JSON
// block, which is never executed).
const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

/** After this, the catalog page recomputes a data_through it shows (see `withDataThrough`). */
export const DATA_THROUGH_TTL_MS = 30_000

const METRIC = ':id{[a-z][a-z0-9_]*/[a-z][a-z0-9_]*}'
/** Form fields of the explore controls that are not query parameters: a filter being added, one being removed. */
const FORM_FIELDS = new Set(['f_dim', 'f_op', 'f_val', 'drop'])
const SYMBOLIC_OPS = new Set(['=', '!=', '>', '>=', '<', '<='])

/**
 * The web pages on the API's app (README "Web pages"): server-rendered with Hono's JSX from the
 * same core calls as the JSON routes. The same tokens and roles apply; a browser sends its token
 * as the session cookie set by /sign-in (or an Authorization header). Pages only read: the cookie
 * is honoured on these GET routes and never on /api.
 */
export function addWebRoutes(app: Hono<AuthEnv>, catalog: Catalog, options: WebOptions): void {
  const authenticate = createAuthenticator(options)
  const throughMemo = new Map<string, {at: number; hash: string; value: string | null; refreshing?: boolean}>()
  const computeThrough = async (m: ListedMetric): Promise<string | null> => {
    const value = await catalog.dataThrough(m.id).catch(() => null)
    throughMemo.set(m.id, {at: Date.now(), hash: m.content_hash, value})
    return value
  }
  /**
   * Each metric with how far its data goes (null where unknown or not computable). `fresh`: computed
   * now (a metric page). Otherwise (the catalog page, which would run a query per metric on every
   * view) a value known for the same definition is shown at once, and one older than
   * DATA_THROUGH_TTL_MS is recomputed in the background for the next view.
   */
  const withDataThrough = async (metrics: ListedMetric[], fresh: boolean): Promise<ListedMetric[]> => {
    const now = Date.now()
    return Promise.all(
      metrics.map(async (m) => {
        const memo = throughMemo.get(m.id)
        if (fresh || !memo || memo.hash !== m.content_hash) return {...m, data_through: await computeThrough(m)}
        if (now - memo.at > DATA_THROUGH_TTL_MS && !memo.refreshing) {
          memo.refreshing = true
          void computeThrough(m)
        }
        return {...m, data_through: memo.value}
      }),
    )
  }

  const principalOf = async (c: Context<AuthEnv>): Promise<{principal: Principal | undefined; signedIn: boolean}> => {
    const header = c.req.header('authorization')
    const cookie = getCookie(c, TOKEN_COOKIE)
    if (header !== undefined || !cookie) return {principal: await authenticate(header), signedIn: false}
    return {principal: await authenticate(`Bearer ${cookie}`), signedIn: true}
  }
  const allows = (principal: Principal | undefined, access: Access) => {
    try {
      authorize(principal, access, options.publicRead)
      return true
    } catch {
      return false
    }
  }

  /** A page handler: signs in, checks `access`, and turns errors into an HTML page (a 401 into the sign-in page). */
  const page =
    (access: Access, render: (c: Context<AuthEnv>, ctx: PageContext) => Promise<Response>, kind: 'page' | 'fragment' = 'page') =>
    async (c: Context<AuthEnv>) => {
      let ctx: PageContext = {signedIn: false, canQuery: false}
      try {
        const {principal, signedIn} = await principalOf(c)
        ctx = {signedIn, canQuery: allows(principal, 'query')}
        authorize(principal, access, options.publicRead)
        return await render(c, ctx)
      } catch (error) {
        if (!(error instanceof CatalogError)) throw error
        const status = HTTP_STATUS[error.code] as 400
        if (error.code === 'UNAUTHORIZED' && kind === 'page' && c.req.method === 'GET') {
          if (getCookie(c, TOKEN_COOKIE)) deleteCookie(c, TOKEN_COOKIE, {path: '/'})
          return c.redirect(`/sign-in?next=${encodeURIComponent(c.req.path + queryOf(c))}`, 303)
        }
        if (kind === 'fragment') return html(c, <p class="alert" role="alert">{error.message}</p>, status)
        return html(c, <ErrorPage ctx={ctx} status={status} message={error.message} />, status)
      }
    }

  app.get('/assets/:hash/:name', (c) => {
    const asset = webAssets().get(c.req.param('name'))
    if (!asset || !asset.url.endsWith(`/${c.req.param('hash')}/${asset.name}`)) throw new CatalogError('NOT_FOUND', `no asset ${c.req.path}`, {path: c.req.path})
    return c.body(asset.body, 200, {'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff'})
  })

  app.get('/sign-in', async (c) => {
    const {signedIn} = await principalOf(c).catch(() => ({signedIn: false}))
    return html(c, <SignInPage ctx={{signedIn, canQuery: false}} next={safeNext(c.req.query('next'))} />)
  })
  app.post('/sign-in', async (c) => {
    const form = await c.req.parseBody()
    const token = typeof form.token === 'string' ? form.token.trim() : ''
    const next = safeNext(typeof form.next === 'string' ? form.next : undefined)
    const fail = (message: string) => html(c, <SignInPage ctx={{signedIn: false, canQuery: false}} next={next} error={message} />, 401)
    if (!/^\S+$/.test(token)) return fail('Paste a token.')
    let principal: Principal | undefined
    try {
      principal = await authenticate(`Bearer ${token}`)
    } catch (error) {
      if (error instanceof CatalogError) return fail('That token is not known (or was revoked).')
      throw error
    }
    if (!allows(principal, 'read')) return fail(`Token ${principal!.name} has role ${principal!.role}, which may not read the catalog.`)
    setCookie(c, TOKEN_COOKIE, token, {path: '/', httpOnly: true, sameSite: 'Strict', secure: new URL(c.req.url).protocol === 'https:'})
    return c.redirect(next, 303)
  })
  app.post('/sign-out', (c) => {
    deleteCookie(c, TOKEN_COOKIE, {path: '/'})
    return c.redirect('/sign-in', 303)
  })

  app.get(
    '/',
    page('read', async (c, ctx) => {
      const category = c.req.query('category') || undefined
      const q = c.req.query('q')?.trim() || undefined
      const all = await catalog.list()
      let metrics = category ? all.filter((m) => m.category === category) : all
      if (q) {
        // the same ranking as GET /api/search (and `metricat search`)
        const byId = new Map(metrics.map((m) => [m.id, m]))
        metrics = (await catalog.search(q)).flatMap((hit) => byId.get(hit.id) ?? [])
      }
      const counts = new Map<string, number>()
      for (const m of all) counts.set(m.category, (counts.get(m.category) ?? 0) + 1)
      const listed = await withDataThrough(metrics, false)
      return html(c, <CatalogPage ctx={ctx} metrics={listed} categories={[...counts].map(([name, count]) => ({name, count}))} category={category} q={q} total={all.length} />)
    }),
  )

  const explore = async (c: Context<AuthEnv>, ctx: PageContext, metric: ListedMetric) => {
    const {state, params, query} = exploreRequest(c)
    if (!ctx.canQuery) return <ExploreSection metric={metric} state={state} query={query} canQuery={false} />
    try {
      const request = parseQueryParams(metric.id, params)
      const result = await catalog.queryMetric(request, {maxRows: options.maxRows})
      const view: ResultView = {...result, chart: chartFor(metric, result.grain), compare: request.compare}
      return <ExploreSection metric={metric} state={state} query={query} canQuery result={view} />
    } catch (error) {
      if (!(error instanceof CatalogError) || error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN') throw error
      return <ExploreSection metric={metric} state={state} query={query} canQuery error={error.message} />
    }
  }

  app.get(
    `/metrics/${METRIC}`,
    page('read', async (c, ctx) => {
      const metric = await catalog.get(c.req.param('id')!)
      if (metric.id !== c.req.param('id')!) return c.redirect(`/metrics/${metric.id}${queryOf(c)}`, 301)
      const [withThrough] = await withDataThrough([metric], true)
      const history = await catalog.history(metric.id)
      const versions = history.map((version, i) => ({version, changes: i > 0 && version.change === 'update' ? diffDefinitions(history[i - 1]!.definition, version.definition) : []}))
      const tables = (await catalog.tables()).filter((t) => t.metrics.includes(metric.id)).map((t) => t.table)
      return html(c, <MetricPage ctx={ctx} metric={withThrough!} versions={versions} tables={tables} explore={await explore(c, ctx, withThrough!)} />)
    }),
  )
  app.get(
    `/metrics/${METRIC}/explore`,
    page(
      'query',
      async (c, ctx) => {
        const metric = await catalog.get(c.req.param('id')!)
        return html(c, await explore(c, ctx, metric))
      },
      'fragment',
    ),
  )
  app.get(
    `/metrics/${METRIC}/data.csv`,
    page(
      'query',
      async (c) => {
        const metric = await catalog.get(c.req.param('id')!)
        const result = await catalog.queryMetric(parseQueryParams(metric.id, exploreRequest(c).params), {maxRows: options.maxRows})
        return c.body(resultCsv(result), 200, {
          ...PAGE_HEADERS,
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="${metric.name}.csv"`,
        })
      },
      'fragment',
    ),
  )

  const points = async (c: Context<AuthEnv>, ctx: PageContext) => {
    const q = c.req.query()
    const state: PointsState = {key: q.key || undefined, bucket: q.bucket || undefined, agg: q.agg || undefined, from: q.from || undefined, to: q.to || undefined, by: q.by || undefined, where: q.where ? [q.where] : []}
    const query = new URLSearchParams(Object.entries(state).flatMap(([k, v]) => (v === undefined ? [] : Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))).toString()
    if (!state.key) return <PointsPage ctx={ctx} state={state} query={query} />
    try {
      const request: PointsQuery = {key: state.key}
      for (const k of ['bucket', 'agg', 'from', 'to'] as const) if (state[k]) (request as unknown as Record<string, string>)[k] = state[k]
      if (state.by) request.by = state.by.split(',').map((s) => s.trim()).filter(Boolean)
      if (state.where.length > 0) request.filters = state.where.map(parseWhere)
      const result = await queryPoints(catalog, request)
      const view: ResultView = {...result, metric: result.key, chart: {type: 'line', stacked: false}}
      return <PointsPage ctx={ctx} state={state} query={query} result={view} />
    } catch (error) {
      if (!(error instanceof CatalogError)) throw error
      return <PointsPage ctx={ctx} state={state} query={query} error={error.message} />
    }
  }
  app.get('/points', page('query', async (c, ctx) => html(c, await points(c, ctx))))
  // the fragment of the points page the client script swaps in: the whole page, from which it takes #explore
  app.get('/points/explore', page('query', async (c, ctx) => html(c, await points(c, ctx)), 'fragment'))
}

/** The explore form's fields -> query parameters (a filter being added joins `where`; `drop=N` removes one) and what the form shows. */
function exploreRequest(c: Context): {state: ExploreState; params: Record<string, string[]>; query: string} {
  const raw = c.req.queries()
  const params: Record<string, string[]> = {}
  for (const [key, values] of Object.entries(raw)) {
    if (FORM_FIELDS.has(key)) continue
    const kept = values.map((v) => v.trim()).filter((v) => v !== '')
    if (kept.length > 0) params[key] = kept
  }
  const where = [...(params.where ?? [])]
  const drop = raw.drop?.at(-1)
  if (drop !== undefined && /^\d+$/.test(drop)) where.splice(Number(drop), 1)
  const [dim, op, val] = [raw.f_dim?.at(-1), raw.f_op?.at(-1), raw.f_val?.at(-1)?.trim()]
  if (drop === undefined && dim && op && val) where.push(SYMBOLIC_OPS.has(op) ? `${dim}${op}${val}` : `${dim} ${op} ${val}`)
  if (where.length > 0) params.where = where
  else delete params.where
  const one = (k: string) => params[k]?.at(-1)
  const state: ExploreState = {grain: one('grain'), by: one('by'), range: one('range'), from: one('from'), to: one('to'), compare: one('compare'), where}
  const query = new URLSearchParams(Object.entries(params).flatMap(([k, vs]) => vs.map((v) => [k, v]))).toString()
  return {state, params, query}
}

function queryOf(c: Context): string {
  const q = new URL(c.req.url).search
  return q === '?' ? '' : q
}

/** Only a path on this server (no `//host`, no scheme): the sign-in page must not send anyone elsewhere. */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])/.test(next) ? next : '/'
}

function html(c: Context, node: unknown, status = 200): Response {
  return c.html(`<!doctype html>${String(node)}`, status as 200, PAGE_HEADERS)
}
