/** @jsxImportSource hono/jsx */
import {raw} from 'hono/html'
import type {Child} from 'hono/jsx'

import {chartFor} from '../catalog/chart.js'
import type {FieldChange} from '../catalog/diff.js'
import type {MetricVersion} from '../catalog/repository.js'
import {GRAINS, dimensionSpec, type ChartSpec, type StoredMetric} from '../catalog/types.js'
import {resultSeries, type ChartSeries} from '../core/series.js'
import type {ResultRow} from '../query/types.js'
import {assetUrl} from './assets.js'
import {highlightSql} from './highlight.js'

/** The values table shows this many rows at most; the CSV download has them all. */
export const PAGE_ROW_LIMIT = 1000
/** The chart draws this many series at most (the largest totals); the table has them all. */
export const CHART_SERIES_LIMIT = 12

export interface PageContext {
  /** signed in through the sign-in page (a cookie), so a sign-out button makes sense */
  signedIn: boolean
  /** may run queries (charts, values, points) */
  canQuery: boolean
}

function Layout(props: {title: string; ctx: PageContext; chart?: boolean; children?: Child}) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · metricat`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={assetUrl('style.css')} />
        {props.chart && <link rel="stylesheet" href={assetUrl('uPlot.min.css')} />}
        {props.chart && <script src={assetUrl('uPlot.iife.min.js')} defer></script>}
        <script type="module" src={assetUrl('client.js')}></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/">metricat</a>
          <nav aria-label="Site">
            <a href="/">Catalog</a>
            <a href="/points">Points</a>
          </nav>
          {props.ctx.signedIn ? (
            <form id="sign-out" method="post" action="/sign-out">
              <button type="submit">Sign out</button>
            </form>
          ) : (
            <a href="/sign-in">Sign in</a>
          )}
        </header>
        <main id="main">{props.children}</main>
      </body>
    </html>
  )
}

export function SignInPage(props: {ctx: PageContext; next: string; error?: string}) {
  return (
    <Layout title="Sign in" ctx={props.ctx}>
      <div class="signin">
        <h1>Sign in</h1>
        <p class="muted">
          Paste an API token (made with <code>metricat token create NAME --role analyst</code>). It is kept for this browser session only.
        </p>
        {props.error && (
          <p class="alert" role="alert">
            {props.error}
          </p>
        )}
        <form id="sign-in" method="post" action="/sign-in">
          <input type="hidden" name="next" value={props.next} />
          <label class="field" for="token">
            API token
            <input id="token" name="token" type="password" autocomplete="off" required />
          </label>
          <button class="primary" type="submit">
            Sign in
          </button>
        </form>
      </div>
    </Layout>
  )
}

export function ErrorPage(props: {ctx: PageContext; status: number; message: string}) {
  return (
    <Layout title={`Error ${props.status}`} ctx={props.ctx}>
      <h1>{props.status === 404 ? 'Not found' : props.status === 403 ? 'Not allowed' : 'Something went wrong'}</h1>
      <p class="alert" role="alert">
        {props.message}
      </p>
      <p>
        <a href="/">Back to the catalog</a>
      </p>
    </Layout>
  )
}

export type ListedMetric = StoredMetric & {data_through?: string | null}

export function CatalogPage(props: {ctx: PageContext; metrics: ListedMetric[]; categories: {name: string; count: number}[]; category?: string; q?: string; total: number}) {
  const href = (category?: string) => (category ? `/?category=${encodeURIComponent(category)}` : '/')
  return (
    <Layout title="Catalog" ctx={props.ctx}>
      <h1>Metric catalog</h1>
      <nav aria-label="Categories">
        <ul class="cats">
          <li>
            <a href={href()} aria-current={props.category ? undefined : 'page'}>
              All ({props.total})
            </a>
          </li>
          {props.categories.map((c) => (
            <li>
              <a href={href(c.name)} aria-current={props.category === c.name ? 'page' : undefined}>
                {c.name} ({c.count})
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <form class="search" role="search" method="get" action="/">
        {props.category && <input type="hidden" name="category" value={props.category} />}
        <label for="q">Search metrics by name, synonym or question</label>
        <div class="row">
          <input id="q" name="q" type="search" value={props.q ?? ''} autocomplete="off" aria-controls="metric-list" aria-describedby="search-status" />
          <button type="submit">Search</button>
        </div>
      </form>
      <p id="search-status" class="muted" role="status" aria-live="polite">
        {props.q ? `${props.metrics.length} metric${props.metrics.length === 1 ? '' : 's'} match “${props.q}”` : `${props.metrics.length} metric${props.metrics.length === 1 ? '' : 's'}`}
      </p>
      <ul class="metrics" id="metric-list">
        {props.metrics.map((m, i) => (
          <li data-id={m.id} data-order={String(i)}>
            <h3>
              <a href={metricHref(m.id)}>{m.display_name ?? m.name}</a>
            </h3>
            <div class="facts">
              <span>{m.id}</span>
              {m.type && <span>type: {m.type}</span>}
              {m.unit && <span>unit: {m.unit}</span>}
              {m.grain && <span>grain: {m.grain}</span>}
              <span>data through: {m.data_through ? m.data_through.slice(0, 10) : '—'}</span>
            </div>
            {m.description && <p>{m.description}</p>}
          </li>
        ))}
      </ul>
    </Layout>
  )
}

export function metricHref(id: string): string {
  return `/metrics/${id.split('/').map(encodeURIComponent).join('/')}`
}

export interface VersionView {
  version: MetricVersion
  changes: FieldChange[]
}

export function MetricPage(props: {ctx: PageContext; metric: ListedMetric; versions: VersionView[]; tables: string[]; explore: Child}) {
  const m = props.metric
  const notes = m.notes ? m.notes.split('\n').filter((n) => n.trim()) : []
  const chart = chartFor(m)
  return (
    <Layout title={m.display_name ?? m.id} ctx={props.ctx} chart>
      <p class="muted">
        <a href="/">Catalog</a> / <a href={`/?category=${encodeURIComponent(m.category)}`}>{m.category}</a>
      </p>
      <h1>{m.display_name ?? m.name}</h1>
      <dl class="facts">
        <dt>Id</dt>
        <dd>
          <code>{m.id}</code>
        </dd>
        {m.type && <dt>Type</dt>}
        {m.type && <dd>{m.type}</dd>}
        {m.unit && <dt>Unit</dt>}
        {m.unit && <dd>{m.unit}</dd>}
        <dt>Grain</dt>
        <dd>{m.grain ?? 'month (default)'}</dd>
        {m.time_aggregation && <dt>Over time</dt>}
        {m.time_aggregation && <dd>{m.time_aggregation}</dd>}
        <dt>Data through</dt>
        <dd>{m.data_through ?? '—'}</dd>
        <dt>Chart</dt>
        <dd>
          {chart.type}
          {chart.stacked ? ', stacked' : ''}
          {m.chart ? '' : ' (default)'}
        </dd>
        {m.owner && <dt>Owner</dt>}
        {m.owner && <dd>{m.owner}</dd>}
        <dt>Version</dt>
        <dd>
          {m.version}, updated {m.updated_at.slice(0, 10)}
        </dd>
      </dl>
      {m.description && <p>{m.description}</p>}
      {notes.length > 0 && (
        <section aria-labelledby="notes-h">
          <h2 id="notes-h">Notes</h2>
          <ul>
            {notes.map((n) => (
              <li>{n}</li>
            ))}
          </ul>
        </section>
      )}
      {(m.synonyms?.length ?? 0) + (m.aliases?.length ?? 0) > 0 && (
        <section aria-labelledby="names-h">
          <h2 id="names-h">Also known as</h2>
          <dl class="facts">
            {m.synonyms?.length ? <dt>Synonyms</dt> : ''}
            {m.synonyms?.length ? (
              <dd>
                <ul class="tags">
                  {m.synonyms.map((s) => (
                    <li>{s}</li>
                  ))}
                </ul>
              </dd>
            ) : (
              ''
            )}
            {m.aliases?.length ? <dt>Former ids</dt> : ''}
            {m.aliases?.length ? (
              <dd>
                <ul class="tags">
                  {m.aliases.map((s) => (
                    <li>{s}</li>
                  ))}
                </ul>
              </dd>
            ) : (
              ''
            )}
          </dl>
        </section>
      )}
      {props.explore}
      {(m.dimensions?.length ?? 0) > 0 && (
        <section aria-labelledby="dims-h">
          <h2 id="dims-h">Dimensions</h2>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Expression</th>
                  <th scope="col">Description</th>
                </tr>
              </thead>
              <tbody>
                {m.dimensions!.map(dimensionSpec).map((d) => (
                  <tr>
                    <td>{d.name}</td>
                    <td>
                      <code>{d.expr ?? d.name}</code>
                    </td>
                    <td>{d.description ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      <section aria-labelledby="how-h">
        <h2 id="how-h">How it is computed</h2>
        <dl class="facts">
          {m.table_name && <dt>Table</dt>}
          {m.table_name && (
            <dd>
              <code>{m.table_name}</code>
            </dd>
          )}
          {m.expression && <dt>Expression</dt>}
          {m.expression && (
            <dd>
              <code>{m.expression}</code>
            </dd>
          )}
          {m.time_column && <dt>Time column</dt>}
          {m.time_column && (
            <dd>
              <code>{m.time_column}</code>
            </dd>
          )}
          {m.numerator && <dt>Ratio</dt>}
          {m.numerator && (
            <dd>
              <a href={metricHref(m.numerator)}>{m.numerator}</a> / <a href={metricHref(m.denominator!)}>{m.denominator}</a>
            </dd>
          )}
          {m.formula && <dt>Formula</dt>}
          {m.formula && (
            <dd>
              <code>{m.formula}</code>
            </dd>
          )}
          {m.points_key && <dt>Points key</dt>}
          {m.points_key && (
            <dd>
              <a href={`/points?key=${encodeURIComponent(m.points_key)}`}>{m.points_key}</a>
            </dd>
          )}
          {m.filters?.length ? <dt>Always filtered</dt> : ''}
          {m.filters?.length ? (
            <dd>
              {m.filters.map((f) => (
                <div>
                  <code>{f}</code>
                </div>
              ))}
            </dd>
          ) : (
            ''
          )}
          <dt>Tables read</dt>
          <dd>
            {props.tables.length === 0 ? (
              '—'
            ) : (
              <ul class="tags">
                {props.tables.map((t) => (
                  <li>{t}</li>
                ))}
              </ul>
            )}
          </dd>
        </dl>
        {m.sql && <h3>Definition SQL</h3>}
        {m.sql && (
          <pre class="sql">
            <code>{highlightSql(m.sql)}</code>
          </pre>
        )}
        {Object.entries(m.sql_variants ?? {}).map(([name, sql]) => (
          <details>
            <summary>Variant {name}</summary>
            <pre class="sql">
              <code>{highlightSql(sql)}</code>
            </pre>
          </details>
        ))}
      </section>
      <section aria-labelledby="versions-h">
        <h2 id="versions-h">Versions</h2>
        {[...props.versions].reverse().map((v) => (
          <div class="version">
            <h3>
              Version {v.version.version}: {v.version.change}
            </h3>
            <p class="muted">
              {v.version.changed_at.slice(0, 19).replace('T', ' ')} UTC · {v.version.source}
              {v.version.actor ? ` · ${v.version.actor}` : ''}
            </p>
            {v.changes.length > 0 && (
              <div class="table-wrap">
                <table class="diff">
                  <caption class="skip">Fields changed in version {v.version.version}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Field</th>
                      <th scope="col">Before</th>
                      <th scope="col">After</th>
                    </tr>
                  </thead>
                  <tbody>
                    {v.changes.map((ch) => (
                      <tr>
                        <th scope="row">{ch.field}</th>
                        <td class="before">{shown(ch.before)}</td>
                        <td class="after">{shown(ch.after)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        ))}
      </section>
    </Layout>
  )
}

function shown(value: unknown): string {
  if (value === null || value === undefined) return '(none)'
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** What the explore form shows: the request as the page received it (after sign-in, filters added or dropped). */
export interface ExploreState {
  grain?: string
  by?: string
  range?: string
  from?: string
  to?: string
  compare?: string
  where: string[]
}

export interface ResultView {
  columns: string[]
  rows: ResultRow[]
  sql: string
  data_through?: string | null
  warnings?: string[]
  /** what the chart draws */
  metric: string
  chart: Required<ChartSpec>
  compare?: string
  /** the period length, for the note on a partial period */
  grain?: string | null
}

const RANGES = ['last 3 months', 'last 12 months', 'last 2 years', 'last 5 years', 'this year', 'last year']
const OPS = ['=', '!=', 'in', 'not_in', 'contains', '>', '>=', '<', '<=']

export function ExploreSection(props: {metric: StoredMetric; state: ExploreState; query: string; canQuery: boolean; result?: ResultView; error?: string}) {
  const m = props.metric
  const s = props.state
  const dims = (m.dimensions ?? []).map((d) => dimensionSpec(d).name)
  const base = metricHref(m.id)
  if (!props.canQuery) {
    return (
      <section id="explore" aria-labelledby="explore-h">
        <h2 id="explore-h">Chart</h2>
        <p class="note">
          Charts and values run queries: <a href={`/sign-in?next=${encodeURIComponent(base)}`}>sign in</a> with an analyst or admin token.
        </p>
      </section>
    )
  }
  return (
    <section id="explore" aria-labelledby="explore-h" data-query={props.query}>
      <h2 id="explore-h">Chart</h2>
      <form class="controls" id="explore-form" method="get" action={base} data-fragment={`${base}/explore`} data-metric={m.id}>
        <Select id="grain" label="Grain" empty={`default (${m.grain ?? 'month'})`} options={GRAINS} selected={s.grain} />
        <Select id="range" label="Range" empty="all data (or from/to)" options={RANGES} selected={s.range} />
        <DateRange from={s.from} to={s.to} />
        <Select id="by" label="Split by" empty="nothing" options={dims} selected={s.by} />
        <Select id="compare" label="Compare with" empty="nothing" options={[['previous', 'previous period'], ['year', 'a year earlier']]} selected={s.compare} />
        {dims.length > 0 && (
          <fieldset>
            <legend>Filters</legend>
            {s.where.length > 0 && (
              <ul class="chips" aria-label="Active filters">
                {s.where.map((w, i) => (
                  <li>
                    <input type="hidden" name="where" value={w} />
                    <button type="submit" name="drop" value={String(i)} aria-label={`Remove filter ${w}`}>
                      {w} ✕
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <Select id="f_dim" label="Dimension" options={dims} />
            <Select id="f_op" label="Operator" options={OPS} />
            <Field id="f_val" label="Value (a list: a,b)" list="f_val-values" />
            <datalist id="f_val-values"></datalist>
          </fieldset>
        )}
        <button class="primary" type="submit" id="apply">
          Apply
        </button>
      </form>
      <Results result={props.result} error={props.error} csv={`${base}/data.csv${props.query ? `?${props.query}` : ''}`} csvName={`${m.name}.csv`} />
    </section>
  )
}

export interface PointsState {
  key?: string
  bucket?: string
  agg?: string
  from?: string
  to?: string
  by?: string
  where: string[]
}

export function PointsPage(props: {ctx: PageContext; state: PointsState; query: string; result?: ResultView; error?: string}) {
  const s = props.state
  return (
    <Layout title={s.key ? `Points ${s.key}` : 'Points'} ctx={props.ctx} chart>
      <h1>Points{s.key ? `: ${s.key}` : ''}</h1>
      <p class="muted">A series of pushed points (see `metricat points`), bucketed and aggregated.</p>
      <section id="explore" aria-labelledby="explore-h" data-query={props.query}>
        <h2 id="explore-h" class="skip">
          Series
        </h2>
        <form class="controls" id="explore-form" method="get" action="/points" data-fragment="/points/explore">
          <Field id="key" label="Series key" value={s.key} required />
          <Select id="bucket" label="Bucket" empty="default (day)" options={['hour', 'day', 'week', 'month', 'quarter', 'year']} selected={s.bucket} />
          <Select id="agg" label="Aggregate" empty="default (sum)" options={['sum', 'avg', 'min', 'max', 'count', 'last']} selected={s.agg} />
          <DateRange from={s.from} to={s.to} />
          <Field id="by" label="Split by dimension key" value={s.by} />
          <Field id="where" label="Filter (platform=steam)" value={s.where[0]} />
          <button class="primary" type="submit" id="apply">
            Show
          </button>
        </form>
        {s.key ? <Results result={props.result} error={props.error} /> : <p class="note">Enter the key of a series, e.g. one a metric's points_key names.</p>}
      </section>
    </Layout>
  )
}

/** A labelled select; `empty` is the first choice, sending nothing. Options are values, or [value, text] pairs. */
function Select(props: {id: string; label: string; options: readonly (string | readonly [string, string])[]; selected?: string; empty?: string}) {
  return (
    <label for={props.id}>
      {props.label}
      <select id={props.id} name={props.id}>
        {props.empty !== undefined && <option value="">{props.empty}</option>}
        {props.options.map((o) => {
          const [value, text] = typeof o === 'string' ? [o, o] : o
          return (
            <option value={value} selected={props.selected === value}>
              {text}
            </option>
          )
        })}
      </select>
    </label>
  )
}

function Field(props: {id: string; label: string; value?: string; required?: boolean; list?: string}) {
  return (
    <label for={props.id}>
      {props.label}
      <input id={props.id} name={props.id} type="text" value={props.value ?? ''} autocomplete="off" required={props.required} list={props.list} />
    </label>
  )
}

function DateRange(props: {from?: string; to?: string}) {
  return (
    <>
      <label for="from">
        From
        <input id="from" name="from" type="date" value={props.from ?? ''} />
      </label>
      <label for="to">
        To (exclusive)
        <input id="to" name="to" type="date" value={props.to ?? ''} />
      </label>
    </>
  )
}

function Results(props: {result?: ResultView; error?: string; csv?: string; csvName?: string}) {
  if (props.error) {
    return (
      <p class="alert" role="alert" id="explore-error">
        {props.error}
      </p>
    )
  }
  const r = props.result
  if (!r) return ''
  const payload = chartPayload(r)
  const shownRows = r.rows.slice(0, PAGE_ROW_LIMIT)
  return (
    <div id="results">
      {(r.warnings ?? []).map((w) => (
        <p class="note">Note: {w}</p>
      ))}
      {payload.series.length > 0 ? (
        <div>
          <div
            class="chart"
            id="chart"
            role="img"
            aria-label={`${payload.type} chart of ${payload.series.length} series over ${payload.periods.length} periods; the values are in the table below`}
            data-chart="chart-data"
          ></div>
          <script type="application/json" id="chart-data" dangerouslySetInnerHTML={{__html: JSON.stringify(payload).replaceAll('<', '\\u003c')}}></script>
        </div>
      ) : (
        <p class="note">No values to draw.</p>
      )}
      {payload.partial !== undefined && (
        <p class="note" id="partial-note">
          The last period, {payload.partial}, is partial: the data ends on {r.data_through ?? 'an earlier day'}, so its values cover part of the {r.grain ?? 'period'}.
        </p>
      )}
      {payload.omitted > 0 && <p class="note">The chart draws the {CHART_SERIES_LIMIT} series with the largest totals; the table has all {payload.omitted + CHART_SERIES_LIMIT}.</p>}
      <p class="row">
        {props.csv && (
          <a href={props.csv} download={props.csvName} id="csv">
            Download CSV
          </a>
        )}
        <span class="muted" id="row-count">
          {r.rows.length} row{r.rows.length === 1 ? '' : 's'}
          {r.data_through ? ` · data through ${r.data_through}` : ''}
        </span>
      </p>
      <div class="table-wrap" tabindex={0} role="region" aria-label="Values">
        <table id="values">
          <thead>
            <tr>
              {r.columns.map((c) => (
                <th scope="col" class={NUMERIC.has(c) ? 'num' : undefined}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>{raw(tableRows(r.columns, shownRows))}</tbody>
        </table>
      </div>
      {r.rows.length > shownRows.length && (
        <p class="note">
          Showing the first {PAGE_ROW_LIMIT} of {r.rows.length} rows; the CSV has them all.
        </p>
      )}
      <details>
        <summary>SQL this ran</summary>
        <pre class="sql">
          <code>{highlightSql(r.sql)}</code>
        </pre>
      </details>
    </div>
  )
}

// one formatter: toLocaleString builds a new one per call
const NUMBER = new Intl.NumberFormat('en-US', {maximumFractionDigits: 4})
const NUMERIC = new Set(['value', 'previous_value', 'growth_pct'])

// Up to PAGE_ROW_LIMIT rows: built as one string (escaped here), a few times faster than a JSX node per cell.
function tableRows(columns: string[], rows: ResultRow[]): string {
  const open = columns.map((c) => (NUMERIC.has(c) ? '<td class="num">' : '<td>'))
  let out = ''
  for (const row of rows) {
    const partial = row.partial === true
    out += partial ? '<tr class="partial">' : '<tr>'
    for (let i = 0; i < columns.length; i++) out += `${open[i]}${escapeHtml(cell(row[columns[i]!], columns[i]!))}${partial && columns[i] === 'period' ? ' (partial)' : ''}</td>`
    out += '</tr>'
  }
  return out
}

const ESCAPES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!)
}

function cell(value: ResultRow[string] | undefined, column: string): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') {
    if (column === 'growth_pct') return `${value.toFixed(1)}%`
    return NUMBER.format(value)
  }
  return String(value)
}

/** What the client script hands to uPlot: one series per split value, periods as ISO text. */
export interface ChartPayload {
  type: 'line' | 'bar' | 'area'
  stacked: boolean
  periods: string[]
  series: ChartSeries[]
  /** the compared values (previous period or year), drawn dashed; only without a split */
  previous?: ChartSeries
  /** series left out of the chart */
  omitted: number
  /** the period the data ends inside (its rows are `partial: true`): drawn shaded, as holding part of its data */
  partial?: string
}

export function chartPayload(r: ResultView): ChartPayload {
  const {periods, series} = resultSeries(r)
  const total = (s: ChartSeries) => s.values.reduce<number>((a, v) => a + Math.abs(v ?? 0), 0)
  const kept = series.length > CHART_SERIES_LIMIT ? [...series].sort((a, b) => total(b) - total(a)).slice(0, CHART_SERIES_LIMIT) : series
  const payload: ChartPayload = {type: r.chart.type, stacked: r.chart.stacked && kept.length > 1, periods, series: kept, omitted: series.length - kept.length}
  const partial = r.rows.find((row) => row.partial === true)
  if (partial) payload.partial = String(partial.period)
  if (r.compare && series.length === 1 && r.columns.includes('previous_value')) {
    payload.previous = {name: r.compare === 'year' ? 'a year earlier' : 'previous period', values: resultSeries(r, 'previous_value').series[0]!.values}
  }
  return payload
}
