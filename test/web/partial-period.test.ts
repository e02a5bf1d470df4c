import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createApp} from '../../src/server/app.js'
import {chartPayload} from '../../src/web/pages.js'
import {setupDemo, type DemoSetup} from '../server/helpers.js'

// The period the data ends inside (a result row with `partial: true`) holds only part of its
// period's data: the chart and the table of a metric page must say so, or a half-filled last week
// reads as a drop. The demo's data ends on 2026-10-31 (a Saturday), inside the week of 2026-10-26.

let demo: DemoSetup
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  demo = await setupDemo()
  app = createApp(demo.catalog)
})
afterAll(() => demo.cleanup())

const page = async (query: string) => {
  const r = await app.request(`/metrics/revenue/total_revenue/explore?${query}`, {headers: {authorization: `Bearer ${demo.token.analyst}`}})
  expect(r.status).toBe(200)
  return r.text()
}
const chartData = (html: string) => JSON.parse(/<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(html)![1]!) as ReturnType<typeof chartPayload>

describe('a partial last period on the metric page', () => {
  it('is named in the chart data, in a note under the chart and in its table rows', async () => {
    const html = await page('grain=week&from=2026-09-28&by=region')
    const data = chartData(html)
    expect(data.periods.at(-1)).toBe('2026-10-26')
    expect(data.partial).toBe('2026-10-26')
    expect(html).toMatch(/<p class="note" id="partial-note">The last period, 2026-10-26, is partial: the data ends on 2026-10-31T[\d:]+Z, so its values cover part of the week\.<\/p>/)
    const partialRows = [...html.matchAll(/<tr class="partial"><td>2026-10-26 \(partial\)<\/td><td>([A-Z]+)<\/td>/g)].map((m) => m[1])
    expect(partialRows).toEqual(['APAC', 'EU', 'LATAM', 'NA'])
    expect(html).not.toMatch(/<td>2026-10-19 \(partial\)/)
  })

  it('is not marked where every period is whole', async () => {
    const html = await page('grain=month&from=2026-06-01&to=2026-10-01')
    expect(chartData(html).partial).toBeUndefined()
    expect(html).not.toContain('id="partial-note"')
    expect(html).not.toContain('(partial)')
  })
})
