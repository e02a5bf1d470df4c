// `node bench/fixed-cost.js [ROWS]`: what the compiled SQL of the query bench's three questions costs
// per query beyond the hand-written SQL, where the scan costs next to nothing: the same questions on
// a copy of the bench's orders with ROWS rows (default 48: 12 months x 4 regions), in memory. What is
// left is fixed per query (DuckDB planning the statement again on every run, as it does for every
// statement with bound values that reads a table, and the operators around the scan). Prepares each
// statement once, then binds and runs them in turn (300 rounds, order rotated) and prints the median
// of the per-round differences, with a 95 % bootstrap interval. The figure of README "Performance"
// is the 10 M-row ratio (`node bench/run.js query`); this one says where a change moves it, with far
// less noise (milliseconds measured on a run of 1-5 ms).
import {mkdtempSync, rmSync, writeFileSync, mkdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {DuckDBInstance} from '@duckdb/node-api'

import {openCatalog} from '../dist/core/catalog.js'
import {bootstrap, median} from './lib.js'
import {METRICS, QUERIES} from './query.bench.js'

const ROWS = Number(process.argv[2] ?? 48)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300)
const ORDERS = `CREATE TABLE orders AS
  SELECT i AS order_id, TIMESTAMP '2025-01-01' + to_seconds((i * 86400 * 365 // ${ROWS})::BIGINT) AS ordered_at,
    (i % 97)::BIGINT AS customer_id, ['EU', 'NA', 'APAC', 'LATAM'][1 + (i % 4)::INTEGER] AS region,
    ['web', 'partner', 'sales', 'app'][1 + ((i // 4) % 4)::INTEGER] AS channel, CAST(1.5 AS DOUBLE) AS amount, 'completed' AS status
  FROM range(${ROWS}) AS t(i)`

const dir = mkdtempSync(path.join(tmpdir(), 'metricat-fixed-cost-'))
try {
  // the compiled SQL as `query` runs it (data_through known and bound), from a catalog over the same table
  mkdirSync(path.join(dir, 'metrics', 'bench'), {recursive: true})
  for (const [file, text] of Object.entries(METRICS)) writeFileSync(path.join(dir, 'metrics', 'bench', file), text)
  const catalog = await openCatalog({db: path.join(dir, 'orders.duckdb'), create: true})
  const compiled = []
  try {
    await catalog.db.run(ORDERS)
    await catalog.importPath(path.join(dir, 'metrics'))
    for (const q of QUERIES) {
      await catalog.queryMetric(q.query)
      compiled.push(await catalog.compileQuery(q.query, {reuseDataThrough: true}))
    }
  } finally {
    catalog.close()
  }
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  await connection.run(ORDERS)
  console.log(`Fixed cost per query: compiled SQL - hand-written SQL, ${ROWS} orders in memory, median of ${ROUNDS} rounds`)
  for (const [i, q] of QUERIES.entries()) {
    const runs = {hand: [await connection.prepare(q.hand), []], compiled: [await connection.prepare(compiled[i].sql), compiled[i].params]}
    const times = {hand: [], compiled: []}
    for (let r = 0; r < ROUNDS; r++) {
      for (const kind of r % 2 ? ['hand', 'compiled'] : ['compiled', 'hand']) {
        const [prepared, params] = runs[kind]
        prepared.clearBindings()
        if (params.length > 0) prepared.bind(params)
        const t0 = performance.now()
        await prepared.runAndReadAll()
        times[kind].push(performance.now() - t0)
      }
    }
    const diff = times.compiled.map((c, r) => c - times.hand[r])
    const [lo, hi] = bootstrap(ROUNDS, (ix) => median(ix.map((r) => diff[r])))
    console.log(`  ${q.name}: hand-written ${median(times.hand).toFixed(2)} ms, compiled ${median(times.compiled).toFixed(2)} ms, +${median(diff).toFixed(2)} ms (95 % bootstrap ${lo.toFixed(2)}-${hi.toFixed(2)})`)
    for (const [prepared] of Object.values(runs)) prepared.destroySync()
  }
  connection.closeSync()
  instance.closeSync()
} finally {
  rmSync(dir, {recursive: true, force: true})
}
