// Web pages: server time (the app's handling, in-process, no network, the catalog opened as `serve` opens it) of the catalog page and of a
// chart on the demo warehouse, medians of ROUNDS requests, against the JSON query route for the
// same request measured in the same run. Targets (absolute, on the demo warehouse): catalog
// < 100 ms, chart < 300 ms.
import path from 'node:path'

import {cli, freshDir, median, report} from './lib.js'

const ROUNDS = 15

export async function run() {
  console.log('\nWeb pages (server time, in-process)')
  const dir = freshDir('web')
  const db = path.join(dir, 'web.duckdb')
  cli(['init', '--demo', '--db', db])
  const {openCatalog} = await import('../dist/core/catalog.js')
  const {createApp} = await import('../dist/server/app.js')
  const {SERVER_DEFAULTS} = await import('../dist/server/start.js')
  // as `metricat serve` opens it: a read pool of one connection per core
  const catalog = await openCatalog({db, readConnections: SERVER_DEFAULTS.readConnections})
  try {
    await catalog.list()
    const app = createApp(catalog, {publicRead: true, localToken: 'bench-token'})
    const auth = {authorization: 'Bearer bench-token'}
    const timed = async (makeApp, url, init = {}) => {
      const times = []
      for (let i = 0; i < ROUNDS + 2; i++) {
        const a = makeApp()
        const t0 = performance.now()
        const r = await a.request(url, {headers: auth, ...init})
        await r.arrayBuffer()
        if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status}`)
        times.push(performance.now() - t0)
      }
      return median(times.slice(2))
    }
    const same = () => app
    const chartQuery = {grain: 'day', by: ['region']}
    const json = await timed(same, '/api/metrics/revenue/total_revenue/query', {method: 'POST', headers: {...auth, 'content-type': 'application/json'}, body: JSON.stringify(chartQuery)})
    const monthly = await timed(same, '/api/metrics/revenue/total_revenue/query', {method: 'POST', headers: {...auth, 'content-type': 'application/json'}, body: '{}'})
    const catalogWarm = await timed(same, '/')
    // a fresh app each time: no data_through reused from an earlier view
    const catalogCold = await timed(() => createApp(catalog, {publicRead: true, localToken: 'bench-token'}), '/')
    const metricPage = await timed(same, '/metrics/revenue/total_revenue')
    const chartDaily = await timed(same, '/metrics/revenue/total_revenue/explore?grain=day&by=region')
    report('GET / catalog page, server time (target < 100 ms absolute; baseline = JSON query of total_revenue by month)', {value: catalogWarm, baseline: monthly, note: `absolute ${catalogWarm < 100 ? 'ok' : 'MISSED'}`})
    report('GET / catalog page with no data_through reused (every metric\'s computed)', {value: catalogCold, baseline: monthly, note: `absolute ${catalogCold < 100 ? 'ok' : 'MISSED'}`})
    report('GET /metrics/revenue/total_revenue (whole page with its monthly chart; target < 300 ms absolute)', {value: metricPage, baseline: monthly, note: `absolute ${metricPage < 300 ? 'ok' : 'MISSED'}`})
    report('chart fragment, total_revenue by day split by region (3 years x 4 series; target < 300 ms) / the same JSON query', {value: chartDaily, baseline: json, note: `absolute ${chartDaily < 300 ? 'ok' : 'MISSED'}`})
  } finally {
    catalog.close()
  }
}
