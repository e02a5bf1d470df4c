import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'

import type {Browser, Page} from 'playwright-core'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {ingestPoints} from '../../src/core/points.js'
import {TokenStore} from '../../src/core/tokens.js'
import {startServer, type RunningServer} from '../../src/server/start.js'
import {ROOT, demoDatabase, runCommand, tempDir} from '../helpers.js'
import {expectSameRows} from '../same-rows.js'
import {csvRows} from './csv-rows.js'

/**
 * Chromium from $CHROMIUM_PATH, else where Debian, Ubuntu and Chrome put it: the headless shell
 * first (Debian's chromium-headless-shell, the same Blink without the browser around it: these
 * tests take less than half the CPU in Chromium's processes with it), else the full browser.
 */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium-headless-shell', '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome', '/snap/bin/chromium']
  return candidates.find((p): p is string => Boolean(p) && existsSync(p!))
}

const chromium = findChromium()
if (!chromium) console.log('web e2e: skipped: no Chromium found (set CHROMIUM_PATH, or `apt-get install -y chromium-headless-shell`)')

const METRIC = 'revenue/total_revenue'
const SCREENSHOT = path.join(ROOT, 'docs', 'metric-page.png')

describe.skipIf(!chromium)('web pages in Chromium', () => {
  let dir: string
  let cleanup: () => void
  let cliDb: string
  let catalog: Catalog
  let server: RunningServer
  let browser: Browser
  let page: Page
  let token: string
  const problems: string[] = []

  beforeAll(async () => {
    ;({dir, cleanup} = tempDir('metricat-web-'))
    // the server holds its file; the CLI reads an identical copy
    const db = await demoDatabase(dir, 'web.duckdb')
    cliDb = await demoDatabase(dir, 'cli.duckdb')
    catalog = await openCatalog({db})
    token = (await new TokenStore(catalog.db).createToken('browser', 'analyst')).token
    await ingestPoints(catalog, {points: Array.from({length: 60}, (_, i) => ({metricKey: 'web.signups', date: `2026-09-${String((i % 30) + 1).padStart(2, '0')}`, value: i, dimensions: {platform: i < 30 ? 'ios' : 'web'}}))})
    server = await startServer(catalog, {host: '127.0.0.1', port: 0})
    const {chromium: launcher} = await import('playwright-core')
    browser = await launcher.launch({executablePath: chromium, args: ['--no-sandbox', '--disable-dev-shm-usage']})
    const context = await browser.newContext({acceptDownloads: true, viewport: {width: 1280, height: 900}})
    page = await context.newPage()
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`)
    })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('requestfailed', (r) => {
      // a download's request is handed to the download manager, and typing on aborts the search
      // for what was typed before (src/web/client.ts); anything else failing is a bug
      const superseded = r.failure()?.errorText === 'net::ERR_ABORTED' && /\/api\/search\?|\/\?q=/.test(r.url())
      if (!r.url().includes('/data.csv') && !superseded) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`)
    })
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`)
    })
  }, 120_000)

  afterEach(() => {
    expect(problems.splice(0)).toEqual([])
  })

  afterAll(async () => {
    await browser?.close()
    if (server) await server.stop()
    cleanup?.()
  })

  const url = (p: string) => `${server.url}${p}`
  const drawn = async () => {
    await page.waitForSelector('#chart[data-drawn="true"]')
    return page.$eval('#chart', (el) => ({points: Number((el as HTMLElement).dataset.points), series: Number((el as HTMLElement).dataset.series)}))
  }
  const expected = async (query: Parameters<Catalog['queryMetric']>[0]) => {
    const result = await catalog.queryMetric(query)
    const dims = result.columns.filter((c) => !['period', 'value', 'previous_value', 'growth_pct'].includes(c))
    return {
      points: new Set(result.rows.map((r) => r.period)).size,
      series: new Set(result.rows.map((r) => dims.map((d) => r[d]).join('/'))).size,
    }
  }

  it('asks for a token first and comes back to the page asked for', async () => {
    await page.goto(url(`/metrics/${METRIC}`))
    expect(new URL(page.url()).pathname).toBe('/sign-in')
    await page.fill('#token', token)
    await page.press('#token', 'Enter')
    await page.waitForURL(url(`/metrics/${METRIC}`))
    await drawn()
  })

  it('lists every metric with its unit, type and how far its data goes', async () => {
    await page.goto(url('/'))
    const items = await page.$$eval('#metric-list li', (lis) => lis.map((li) => ({id: (li as HTMLElement).dataset.id, text: li.textContent})))
    expect(items.map((i) => i.id)).toEqual((await catalog.list()).map((m) => m.id))
    const mrr = items.find((i) => i.id === 'revenue/mrr')!.text!
    expect(mrr).toContain('unit: USD')
    expect(mrr).toContain('type: sum')
    expect(mrr).toMatch(/data through: 2026-\d\d-\d\d/)
  })

  it('searches as you type, in the order the search API ranks', async () => {
    await page.goto(url('/'))
    await page.locator('#q').pressSequentially('churn', {delay: 20})
    await page.waitForFunction(() => document.getElementById('search-status')!.textContent!.includes('churn') && document.getElementById('metric-list')!.dataset.state === 'ready')
    const visible = await page.$$eval('#metric-list li:not([hidden])', (lis) => lis.map((li) => (li as HTMLElement).dataset.id))
    expect(visible).toEqual((await catalog.search('churn')).map((h) => h.id))
    expect(page.url()).toContain('q=churn')
  })

  it('searches in a tab opened after signing in (the cookie, no token in that tab) without an error', async () => {
    const tab = await page.context().newPage()
    const errors: string[] = []
    tab.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text())
    })
    try {
      await tab.goto(url('/'))
      await tab.locator('#q').pressSequentially('mrr', {delay: 20})
      await tab.waitForFunction(() => document.getElementById('search-status')!.textContent!.includes('mrr') && document.getElementById('metric-list')!.dataset.state === 'ready')
      const visible = await tab.$$eval('#metric-list li:not([hidden])', (lis) => lis.map((li) => (li as HTMLElement).dataset.id))
      expect(visible).toEqual((await catalog.search('mrr')).map((h) => h.id))
      expect(errors).toEqual([])
    } finally {
      await tab.close()
    }
  })

  it('opens a metric from the list, with its definition, highlighted SQL, tables and versions', async () => {
    await page.goto(url('/'))
    await page.click(`#metric-list li[data-id="${METRIC}"] h3 a`)
    await page.waitForURL(url(`/metrics/${METRIC}`))
    expect(await page.textContent('h1')).toBe('Total Revenue')
    expect(await page.locator('pre.sql .kw').count()).toBeGreaterThan(3)
    expect(await page.textContent('#how-h + dl')).toContain('orders')
    expect(await page.textContent('#versions-h ~ .version h3')).toBe('Version 1: create')
    expect(await page.textContent('#dims-h + .table-wrap')).toContain('order_size')
  })

  it('draws one point per period of the metric', async () => {
    await page.goto(url(`/metrics/${METRIC}`))
    expect(await drawn()).toEqual(await expected({metric: METRIC}))
  })

  it('redraws when the grain and the split change, keeping focus on the control', async () => {
    await page.goto(url(`/metrics/${METRIC}`))
    await page.selectOption('#grain', 'quarter')
    await page.waitForURL(/grain=quarter/)
    expect(await drawn()).toEqual(await expected({metric: METRIC, grain: 'quarter'}))
    // with the keyboard: the first choice after "nothing" is region
    await page.focus('#by')
    await page.keyboard.press('ArrowDown')
    await page.waitForURL(/by=region/)
    const want = await expected({metric: METRIC, grain: 'quarter', by: ['region']})
    expect(want.series).toBe(4)
    expect(await drawn()).toEqual(want)
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('by')
    expect(await page.locator('#values tbody tr').count()).toBe(want.points * want.series)
  })

  it('downloads the CSV that `query --format csv` prints', async () => {
    await page.goto(url(`/metrics/${METRIC}?grain=quarter&by=region`))
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv')])
    expect(download.suggestedFilename()).toBe('total_revenue.csv')
    const csv = readFileSync((await download.path())!, 'utf8')
    const cli = await runCommand(['query', METRIC, '--grain', 'quarter', '--by', 'region', '--format', 'csv', '--db', cliDb])
    expect(cli.code).toBe(0)
    expect(csv.split('\n')[0]).toBe(cli.stdout.split('\n')[0])
    // the same text but for the last bits of parallel float sums
    expectSameRows(csvRows(csv), csvRows(cli.stdout), {keyOrder: true})
  })

  it('filters with the keyboard alone, and removes the filter again', async () => {
    await page.goto(url(`/metrics/${METRIC}?by=region`))
    await drawn()
    await page.selectOption('#f_dim', 'region')
    await page.selectOption('#f_op', 'in')
    // the value box suggests the dimension's values
    await page.focus('#f_val')
    await page.waitForFunction(() => document.querySelectorAll('#f_val-values option').length > 0)
    expect((await page.$$eval('#f_val-values option', (os) => os.map((o) => (o as HTMLOptionElement).value))).sort()).toEqual(['APAC', 'EU', 'LATAM', 'NA'])
    await page.fill('#f_val', 'EU,NA')
    await page.press('#f_val', 'Enter')
    await page.waitForURL(/where=region\+in\+EU%2CNA/)
    expect((await drawn()).series).toBe(2)
    await page.focus('#explore .chips button')
    await page.keyboard.press('Enter')
    await page.waitForURL((u) => !u.search.includes('where'))
    expect((await drawn()).series).toBe(4)
  })

  it('compares with the previous period in the chart and the table', async () => {
    await page.goto(url(`/metrics/${METRIC}`))
    await page.selectOption('#compare', 'previous')
    await page.waitForURL(/compare=previous/)
    await drawn()
    expect(await page.$$eval('#values thead th', (th) => th.map((t) => t.textContent))).toEqual(['period', 'value', 'previous_value', 'growth_pct'])
  })

  it('shows a points series', async () => {
    await page.goto(url('/points?key=web.signups&bucket=day'))
    expect(await drawn()).toEqual({points: 30, series: 1})
    await page.fill('#by', 'platform')
    await page.press('#by', 'Enter')
    await page.waitForURL(/by=platform/)
    expect(await drawn()).toEqual({points: 30, series: 2})
  })

  it('is usable at 375 px: nothing scrolls sideways and every control has a label and is reached with Tab in order', async () => {
    await page.setViewportSize({width: 375, height: 812})
    await page.goto(url(`/metrics/${METRIC}`))
    await drawn()
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
    expect(await page.$eval('#chart', (el) => el.getBoundingClientRect().width)).toBeLessThanOrEqual(375)
    const unlabelled = await page.$$eval('input:not([type=hidden]), select, button', (els) =>
      els.filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute('aria-label') && !e.textContent?.trim()).map((e) => e.outerHTML),
    )
    expect(unlabelled).toEqual([])
    const order: string[] = []
    await page.focus('body')
    for (let i = 0; i < 40 && !order.includes('csv'); i++) {
      await page.keyboard.press('Tab')
      order.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || ''))
    }
    const controls = ['grain', 'range', 'from', 'to', 'by', 'compare', 'f_dim', 'f_op', 'f_val', 'apply', 'csv']
    // a date input takes three Tabs (its day, month and year)
    expect(order.filter((id, i) => controls.includes(id) && order[i - 1] !== id)).toEqual(controls)
    await page.setViewportSize({width: 1280, height: 900})
  })

  it('takes the README screenshot of the metric page', async () => {
    await page.goto(url(`/metrics/${METRIC}?grain=quarter&by=region&from=2024-01-01`))
    await drawn()
    // written only on request, so a test run leaves the work tree as it was
    const target = process.env.UPDATE_SCREENSHOTS ? SCREENSHOT : path.join(dir, 'metric-page.png')
    // the page from its title down to the chart's legend
    const bottom = await page.$eval('#row-count', (el) => el.getBoundingClientRect().bottom + window.scrollY)
    await page.screenshot({path: target, clip: {x: 0, y: 0, width: 1280, height: Math.ceil(bottom) + 12}, fullPage: true})
    expect(readFileSync(target).subarray(1, 4).toString()).toBe('PNG')
  })
})
