// The pages' client script (served as /assets/<hash>/client.js, a module): search as you type,
// the explore controls without a page reload, and the charts. The pages work without it: every
// control is a plain form.
import type UPlot from 'uplot'

declare const uPlot: typeof UPlot

interface Series {
  name: string
  values: (number | null)[]
}
interface ChartPayload {
  type: 'line' | 'bar' | 'area'
  stacked: boolean
  periods: string[]
  series: Series[]
  previous?: Series
  /** the period the data ends inside */
  partial?: string
}

const TOKEN_KEY = 'metricat.token'
const COLORS = ['#0969da', '#1a7f37', '#cf222e', '#9a6700', '#8250df', '#bf3989', '#0a7ea4', '#6e7781', '#fb8c00', '#2da44e', '#a40e26', '#54aeff']

/** The token signed in with, for the JSON API (pages themselves use the session cookie). */
function authHeaders(): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN_KEY)
  return token ? {authorization: `Bearer ${token}`} : {}
}

function setUpSignIn(): void {
  document.getElementById('sign-in')?.addEventListener('submit', (event) => {
    const input = (event.currentTarget as HTMLFormElement).elements.namedItem('token') as HTMLInputElement
    sessionStorage.setItem(TOKEN_KEY, input.value.trim())
  })
  document.getElementById('sign-out')?.addEventListener('submit', () => sessionStorage.removeItem(TOKEN_KEY))
}

/** The catalog's search box: ranks and filters the listed metrics with GET /api/search as you type. */
function setUpSearch(): void {
  const input = document.getElementById('q') as HTMLInputElement | null
  const list = document.getElementById('metric-list')
  const status = document.getElementById('search-status')
  if (!input || !list || !status) return
  const items = [...list.querySelectorAll<HTMLLIElement>('li[data-id]')]
  let timer: number | undefined
  let pending: AbortController | undefined
  const plural = (n: number) => `${n} metric${n === 1 ? '' : 's'}`
  const show = (ids: string[] | undefined, text: string) => {
    const rank = new Map((ids ?? []).map((id, i) => [id, i]))
    const ordered = ids ? [...items].sort((a, b) => (rank.get(a.dataset.id!) ?? 1e9) - (rank.get(b.dataset.id!) ?? 1e9)) : [...items].sort((a, b) => Number(a.dataset.order) - Number(b.dataset.order))
    for (const li of ordered) {
      li.hidden = ids !== undefined && !rank.has(li.dataset.id!)
      list.append(li)
    }
    const visible = ordered.filter((li) => !li.hidden).length
    status.textContent = text ? `${plural(visible)} match “${text}”` : plural(visible)
    list.dataset.state = 'ready'
  }
  const run = async () => {
    const text = input.value.trim()
    const url = new URL(location.href)
    if (text) url.searchParams.set('q', text)
    else url.searchParams.delete('q')
    history.replaceState(null, '', url)
    pending?.abort()
    if (!text) return show(undefined, '')
    pending = new AbortController()
    list.dataset.state = 'loading'
    try {
      show(await searchIds(text, pending.signal), text)
    } catch (error) {
      if ((error as Error).name === 'AbortError') return
      status.textContent = `Search failed: ${(error as Error).message}`
    }
  }
  input.addEventListener('input', () => {
    clearTimeout(timer)
    timer = window.setTimeout(run, 120)
  })
  // the list as the server ranked it (?q=) is already shown; the script takes over from here
  if (input.value.trim()) void run()
  else list.dataset.state = 'ready'
}

/**
 * Metric ids matching `text`, best first, from GET /api/search. A tab without the token in its
 * sessionStorage (opened after signing in elsewhere) is still signed in by the pages' cookie,
 * which the API does not take: then the catalog page ranks them (the same search, server-side).
 */
async function searchIds(text: string, signal: AbortSignal): Promise<string[]> {
  const viaPage = async () => {
    const page = await fetch(`/?q=${encodeURIComponent(text)}`, {signal})
    if (!page.ok) throw new Error(page.statusText)
    const doc = new DOMParser().parseFromString(await page.text(), 'text/html')
    return [...doc.querySelectorAll<HTMLLIElement>('#metric-list li[data-id]')].map((li) => li.dataset.id!)
  }
  if (!sessionStorage.getItem(TOKEN_KEY) && document.getElementById('sign-out')) return viaPage()
  const response = await fetch(`/api/search?q=${encodeURIComponent(text)}`, {headers: authHeaders(), signal})
  if (response.status === 401) return viaPage()
  const body = (await response.json()) as {results?: {id: string}[]; error?: {message: string}}
  if (!response.ok) throw new Error(body.error?.message ?? response.statusText)
  return body.results!.map((r) => r.id)
}

/**
 * The explore form (metric chart, points): a change or Apply fetches the section again from the
 * server (the same rendering as the page) and swaps it in, keeping focus on the same control.
 */
function setUpExplore(): void {
  let busy: AbortController | undefined
  const update = async (form: HTMLFormElement, submitter?: HTMLElement | null) => {
    const params = new URLSearchParams()
    for (const [k, v] of new FormData(form, submitter ?? undefined)) if (typeof v === 'string' && v.trim() !== '') params.append(k, v)
    const section = document.getElementById('explore')!
    const focused = document.activeElement?.id
    busy?.abort()
    busy = new AbortController()
    section.setAttribute('aria-busy', 'true')
    try {
      const response = await fetch(`${form.dataset.fragment}?${params}`, {headers: {accept: 'text/html'}, signal: busy.signal})
      const text = await response.text()
      const doc = new DOMParser().parseFromString(text, 'text/html')
      const fresh = doc.getElementById('explore')
      if (fresh) section.replaceWith(fresh)
      else section.querySelector('#results, #explore-error')?.replaceWith(...doc.body.childNodes)
      const now = document.getElementById('explore')!
      now.removeAttribute('aria-busy')
      if (fresh) history.replaceState(null, '', `${location.pathname}${fresh.dataset.query ? `?${fresh.dataset.query}` : ''}`)
      // the control used keeps focus; after removing a filter, the filter row
      const target = (focused && document.getElementById(focused)) || document.getElementById('f_dim') || document.getElementById('apply')
      target?.focus()
      drawCharts()
    } catch (error) {
      if ((error as Error).name === 'AbortError') return
      section.removeAttribute('aria-busy')
      const note = document.createElement('p')
      note.className = 'alert'
      note.setAttribute('role', 'alert')
      note.textContent = `Could not update: ${(error as Error).message}`
      section.append(note)
    }
  }
  document.addEventListener('submit', (event) => {
    const form = event.target as HTMLFormElement
    if (!form.dataset.fragment) return
    event.preventDefault()
    void update(form, event.submitter)
  })
  document.addEventListener('change', (event) => {
    const target = event.target as HTMLElement
    const form = target.closest('form')
    // typing a filter value or a key waits for Apply (or Enter)
    if (!form?.dataset.fragment || target.id === 'f_val' || target.id === 'f_dim' || target.id === 'f_op' || target.id === 'key' || target.id === 'by' && target.tagName === 'INPUT' || target.id === 'where') return
    void update(form)
  })
}

/**
 * The filter value box suggests the chosen dimension's values (GET /api/metrics/{id}/dimensions/
 * {d}/values, most rows first) when it gets focus. Without an API token in this tab (signed in by
 * the cookie only) there are no suggestions; typing still works.
 */
function setUpValueSuggestions(): void {
  const loaded = new Map<string, string[]>()
  document.addEventListener('focusin', async (event) => {
    const input = event.target as HTMLInputElement
    if (input.id !== 'f_val') return
    const form = input.form
    const dimension = (form?.elements.namedItem('f_dim') as HTMLSelectElement | null)?.value
    const list = document.getElementById('f_val-values')
    if (!form?.dataset.metric || !dimension || !list) return
    if (!sessionStorage.getItem(TOKEN_KEY) && document.getElementById('sign-out')) return
    const key = `${form.dataset.metric}\u0000${dimension}`
    if (!loaded.has(key)) {
      const response = await fetch(`/api/metrics/${form.dataset.metric}/dimensions/${encodeURIComponent(dimension)}/values?limit=100`, {headers: authHeaders()})
      if (!response.ok) return
      const body = (await response.json()) as {values: {value: unknown}[]}
      loaded.set(key, body.values.map((v) => String(v.value ?? '')).filter(Boolean))
    }
    list.replaceChildren(...loaded.get(key)!.map((value) => Object.assign(document.createElement('option'), {value})))
  })
}

function epochSeconds(period: string): number {
  return Date.parse(period.length === 10 ? `${period}T00:00:00Z` : period.endsWith('Z') || /[+-]\d\d:?\d\d$/.test(period) ? period : `${period}Z`) / 1000
}

const charts: UPlot[] = []

/** Draws every `.chart[data-chart]` from its JSON block with uPlot; marks it with what it drew. */
function drawCharts(): void {
  for (const chart of charts.splice(0)) chart.destroy()
  for (const el of document.querySelectorAll<HTMLElement>('.chart[data-chart]')) {
    const payload = JSON.parse(document.getElementById(el.dataset.chart!)!.textContent!) as ChartPayload
    el.textContent = ''
    const xs = payload.periods.map(epochSeconds)
    let ys = payload.series.map((s) => s.values)
    // stacked: each series drawn at the running total, filled down to the one below it
    if (payload.stacked) {
      const sums = xs.map(() => 0)
      ys = ys.map((values) => values.map((v, i) => (sums[i]! += v ?? 0)))
    }
    const bars = payload.type === 'bar'
    const partialAt = payload.partial === undefined ? -1 : payload.periods.indexOf(payload.partial)
    const barPaths = bars ? uPlot.paths.bars!({size: [0.7, 60], align: 0}) : undefined
    const series: UPlot.Series[] = [{label: 'period'}]
    payload.series.forEach((s, i) => {
      const color = COLORS[i % COLORS.length]!
      series.push({
        label: s.name,
        stroke: color,
        width: bars ? 1 : 2,
        fill: bars || payload.type === 'area' || payload.stacked ? `${color}${bars ? 'cc' : '40'}` : undefined,
        paths: barPaths,
        points: {show: xs.length <= 60 && !bars},
        value: (_u, v) => (v === null || v === undefined ? '—' : v.toLocaleString('en-US', {maximumFractionDigits: 2})),
      })
    })
    const data: (number | null)[][] = [xs, ...ys]
    if (payload.previous) {
      series.push({label: payload.previous.name, stroke: '#6e7781', dash: [6, 4], width: 1.5})
      data.push(payload.previous.values)
    }
    // stacked bands: fill between each series and the one below it, drawn top first
    const bands: UPlot.Band[] = payload.stacked ? payload.series.slice(1).map((_, i) => ({series: [i + 2, i + 1] as [number, number]})) : []
    const opts: UPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: el.clientWidth < 500 ? 260 : 340,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      series,
      bands,
      // bars at the edges would be cut in half: widen the x range by half a period on each side
      scales: {x: bars && xs.length > 1 ? {time: true, range: (_u, min, max) => [min - (xs[1]! - xs[0]!) / 2, max + (xs[1]! - xs[0]!) / 2]} : {time: true}},
      axes: [{}, {size: 70, values: (_u, ticks) => ticks.map((t) => compact(t))}],
      cursor: {drag: {x: false, y: false}},
      hooks: partialAt >= 0 ? {draw: [(u) => shadePartial(u, xs, partialAt)]} : {},
    }
    const plot = new uPlot(opts, data as UPlot.AlignedData, el)
    charts.push(plot)
    el.dataset.points = String(xs.length)
    el.dataset.series = String(payload.series.length)
    if (partialAt >= 0) el.dataset.partial = payload.partial!
    el.dataset.drawn = 'true'
  }
}

/**
 * Shades the partial period (the data ends inside it) from halfway after the previous period to
 * the right edge, and labels it, so its lower value does not read as a drop.
 */
function shadePartial(u: UPlot, xs: number[], at: number): void {
  const {ctx, bbox} = u
  const x = xs[at]!
  const from = at > 0 ? u.valToPos((xs[at - 1]! + x) / 2, 'x', true) : bbox.left
  const left = Math.max(bbox.left, Math.min(from, bbox.left + bbox.width))
  ctx.save()
  ctx.fillStyle = 'rgba(110, 119, 129, 0.14)'
  ctx.fillRect(left, bbox.top, bbox.left + bbox.width - left, bbox.height)
  ctx.setLineDash([4, 4])
  ctx.strokeStyle = '#6e7781'
  ctx.beginPath()
  ctx.moveTo(left, bbox.top)
  ctx.lineTo(left, bbox.top + bbox.height)
  ctx.stroke()
  ctx.fillStyle = '#57606a'
  ctx.font = `${Math.round(11 * devicePixelRatio)}px sans-serif`
  ctx.textAlign = 'right'
  ctx.fillText('partial', bbox.left + bbox.width - 4 * devicePixelRatio, bbox.top + 14 * devicePixelRatio)
  ctx.restore()
}

function compact(n: number): string {
  return Math.abs(n) >= 1e6 ? `${(n / 1e6).toLocaleString('en-US', {maximumFractionDigits: 1})}M` : Math.abs(n) >= 1e3 ? `${(n / 1e3).toLocaleString('en-US', {maximumFractionDigits: 1})}k` : n.toLocaleString('en-US', {maximumFractionDigits: 2})
}

let resizeTimer: number | undefined
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer)
  resizeTimer = window.setTimeout(() => {
    for (const chart of charts) chart.setSize({width: Math.max(280, (chart.root.parentElement as HTMLElement).clientWidth), height: chart.height})
  }, 150)
})

setUpSignIn()
setUpSearch()
setUpExplore()
setUpValueSuggestions()
drawCharts()
