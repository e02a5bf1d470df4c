// Rollups on a generated 10 M-row orders table: a month-by-region query read from a rollup vs the
// same query on the raw table (goal: >= 20x faster), and refreshing one day of new orders
// incrementally vs rebuilding the rollups in full. Both sides of each ratio run in the same process.
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {openCatalog} from '../dist/core/catalog.js'
import {refreshRollups} from '../dist/core/rollups.js'
import {loadTable} from '../dist/core/warehouse.js'
import {freshDir, median, report} from './lib.js'

const ROWS = Number(process.env.BENCH_ORDERS ?? 10_000_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 11)

const METRIC = `name: orders_total
type: sum
table: orders
time_column: ordered_at
expression: amount
filters:
  - status = 'completed'
dimensions:
  - region
  - channel
rollups:
  - grain: day
    by: [region, channel]
  - grain: month
    by: [region]
`

async function timed(fn) {
  const t0 = performance.now()
  const result = await fn()
  return {ms: performance.now() - t0, result}
}

export async function run() {
  console.log(`\nRollups (${ROWS.toLocaleString('en-US')} orders)`)
  const dir = freshDir('rollups')
  const db = path.join(dir, 'orders.duckdb')
  const metrics = path.join(dir, 'metrics', 'bench')
  const day = path.join(dir, 'day.csv')
  const {mkdirSync} = await import('node:fs')
  mkdirSync(metrics, {recursive: true})
  writeFileSync(path.join(metrics, 'orders_total.yml'), METRIC)
  // one day of new orders (the average day's count), after the generated range
  const perDay = Math.max(1, Math.round(ROWS / (3 * 365)))
  const lines = ['order_id,ordered_at,region,channel,amount,status']
  for (let i = 0; i < perDay; i++) {
    const s = String(i % 86400)
    lines.push(`${ROWS + i},2026-01-01 ${String(Math.floor(Number(s) / 3600)).padStart(2, '0')}:${String(Math.floor((Number(s) % 3600) / 60)).padStart(2, '0')}:00,${['EU', 'NA', 'APAC', 'LATAM'][i % 4]},${['web', 'partner', 'sales', 'app'][i % 4]},${(5 + (i % 500)).toFixed(2)},completed`)
  }
  writeFileSync(day, `${lines.join('\n')}\n`)

  const catalog = await openCatalog({db, create: true, readFiles: [day]})
  try {
    await catalog.db.run(`CREATE TABLE orders AS
      SELECT i AS order_id,
        TIMESTAMP '2023-01-01' + to_seconds((hash(i, 't') % (3 * 365 * 86400))::BIGINT) AS ordered_at,
        ['EU', 'NA', 'APAC', 'LATAM'][1 + (hash(i, 'r') % 4)::INTEGER] AS region,
        ['web', 'partner', 'sales', 'app'][1 + (hash(i, 'ch') % 4)::INTEGER] AS channel,
        CAST(5 + (hash(i, 'a') % 50000) / 100.0 AS DOUBLE) AS amount,
        CASE WHEN hash(i, 's') % 20 = 0 THEN 'refunded' ELSE 'completed' END AS status
      FROM range(${ROWS}) AS t(i)`)
    await catalog.importPath(path.join(dir, 'metrics'))

    const first = await timed(() => refreshRollups(catalog, []))
    console.log(`  first refresh (both rollups, full): ${first.ms.toFixed(0)} ms; rows ${first.result.map((r) => `${r.id}=${r.rows}`).join(', ')}`)

    const query = {metric: 'bench/orders_total', grain: 'month', by: ['region']}
    const rolled = await catalog.queryMetric(query)
    if (rolled.rollup?.used !== 'bench/orders_total@month:region') throw new Error(`the rollup was not used: ${JSON.stringify(rolled.rollup)}`)
    // Both ways: on the catalog's one connection (the CLI, a script), and on the read pool with
    // its prepared statements (what `metricat serve` answers a dashboard with).
    const compare = async (label) => {
      const rollupTimes = []
      const rawTimes = []
      for (let i = 0; i <= ROUNDS; i++) {
        const a = await timed(() => catalog.queryMetric(query))
        const b = await timed(() => catalog.queryMetric({...query, no_rollup: true}))
        if (i === 0) continue // warm-up
        rollupTimes.push(a.ms)
        rawTimes.push(b.ms)
      }
      // the ratio is the speed-up: raw time over rollup-served time (goal >= 20)
      report(`month by region${label}: raw-table query / rollup-served query (speed-up)`, {value: median(rawTimes), baseline: median(rollupTimes), target: 20, direction: '>=', note: `(rollup-served ${median(rollupTimes).toFixed(1)} ms)`})
    }
    await compare('')
    await catalog.db.openReadPool(2)
    await compare(", on serve's read pool")

    await loadTable(catalog, 'orders', day)
    const incremental = await timed(() => refreshRollups(catalog, []))
    const modes = incremental.result.map((r) => r.mode).join(', ')
    if (incremental.result.some((r) => r.mode !== 'incremental')) throw new Error(`expected incremental refreshes, got ${modes}`)
    const full = await timed(() => refreshRollups(catalog, [], {full: true}))
    report(`refresh after one day of new orders (${perDay.toLocaleString('en-US')} rows): incremental / full rebuild`, {value: incremental.ms, baseline: full.ms, note: `(${(full.ms / incremental.ms).toFixed(1)}x faster)`})
  } finally {
    catalog.close()
  }
}
