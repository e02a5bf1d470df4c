// ClickHouse (issue 16 item 5): the three metric questions of query.bench.js on 10 M orders on a
// local 2-shard cluster (test/clickhouse/cluster.ts: two clickhouse-server processes, a Distributed
// table over MergeTree shards) against the same rows in DuckDB; and points ingest into ClickHouse
// (`--points clickhouse://...`) against the metricat file. Figures are ratios against the same
// run's DuckDB baseline; no targets yet. Skips with one line without clickhouse-server.
//
// The rows are generated with integer arithmetic only (no engine's hash function), so DuckDB and
// ClickHouse hold exactly the same rows; each question's answers are compared before timing.
import path from 'node:path'
import {mkdirSync, writeFileSync} from 'node:fs'

import {openCatalog} from '../dist/core/catalog.js'
import {ingestPoints} from '../dist/core/points.js'
import {compileMetricQuery} from '../dist/query/index.js'
import {freshDir, median, report} from './lib.js'
import {point} from './points.bench.js'
import {METRICS, QUERIES as QUERY_BENCH_QUERIES} from './query.bench.js'

const ROWS = Number(process.env.BENCH_ORDERS ?? 10_000_000)
const ROUNDS = Number(process.env.BENCH_CH_ROUNDS ?? 5)
const POINTS = Number(process.env.BENCH_CH_POINTS ?? 200_000)

// The questions as hand-written SQL for each engine (query.bench.js's hand SQL on DuckDB), then as
// metricat compiles them for each engine; rows compared before timing. (18.16 crashed on the
// compiled SQL while the compiler summed with sumKahan, whose partial state does not survive the
// network; a crash is reported and ends the cluster part.)
/** query.bench.js's questions with the same hand-written SQL for ClickHouse, by name */
const CLICKHOUSE_SQL = {
  'total by month': `SELECT toStartOfMonth(ordered_at) AS period, sum(amount) AS value
      FROM orders WHERE status = 'completed' GROUP BY period ORDER BY period`,
  'by month and region, channel in (web, partner), 12 months': `SELECT toStartOfMonth(ordered_at) AS period, region, sum(amount) AS value
      FROM orders WHERE status = 'completed' AND channel IN ('web', 'partner')
        AND ordered_at >= toDateTime('2025-01-01 00:00:00', 'UTC') AND ordered_at < toDateTime('2026-01-01 00:00:00', 'UTC')
      GROUP BY period, region ORDER BY period, region`,
  'distinct customers by week, one region': `SELECT toMonday(ordered_at) AS period, uniqExact(customer_id) AS value
      FROM orders WHERE region = 'EU' GROUP BY period ORDER BY period`,
}
const QUERIES = QUERY_BENCH_QUERIES.map((q) => ({name: q.name, query: q.query, duckdb: q.hand, clickhouse: CLICKHOUSE_SQL[q.name]}))

/** One formula per column in both engines' SQL: `i` is the row number, integer arithmetic only. */
function orderColumns(i, engine) {
  const pick = (list, n) => (engine === 'duckdb' ? `[${list.map((s) => `'${s}'`).join(', ')}][1 + (${n})::INTEGER]` : `[${list.map((s) => `'${s}'`).join(', ')}][1 + ${n}]`)
  const start = engine === 'duckdb' ? `TIMESTAMP '2023-01-01' + to_seconds(((${i} * 2654435761) % 94608000)::BIGINT)` : `toDateTime('2023-01-01 00:00:00', 'UTC') + ((${i} * 2654435761) % 94608000)`
  return [
    `${i} AS order_id`,
    `${start} AS ordered_at`,
    `(${i} * 40503) % 200000 AS customer_id`,
    `${pick(['EU', 'NA', 'APAC', 'LATAM'], `(${i} * 7919) % 4`)} AS region`,
    `${pick(['web', 'partner', 'sales', 'app'], `(${i} * 104729) % 4`)} AS channel`,
    `5 + ((${i} * 15485863) % 50000) / 100.0 AS amount`,
    `CASE WHEN (${i} * 2246822519) % 20 = 0 THEN 'refunded' ELSE 'completed' END AS status`,
  ].join(',\n        ')
}

function sameRows(a, b) {
  if (a.length !== b.length) return `${a.length} rows vs ${b.length}`
  for (let i = 0; i < a.length; i++) {
    for (const k of Object.keys(a[i])) {
      const x = a[i][k]
      const y = b[i][k]
      const nx = typeof x === 'number' ? x : Number(x)
      const same = typeof x === 'number' || typeof y === 'number' ? Math.abs(nx - Number(y)) <= 1e-9 * Math.max(1, Math.abs(nx)) : String(x) === String(y)
      if (!same) return `row ${i} ${k}: ${x} vs ${y}`
    }
  }
  return ''
}

export async function run() {
  console.log(`\nClickHouse: 2-shard cluster vs DuckDB (${ROWS.toLocaleString('en-US')} orders), points ingest`)
  const {tsImport} = await import('tsx/esm/api')
  const harness = await tsImport('../test/clickhouse/cluster.ts', import.meta.url)
  const skip = harness.clickhouseAvailable()
  if (skip) {
    console.log(`  ${skip}`)
    return
  }
  const dir = freshDir('clickhouse')
  const db = path.join(dir, 'orders.duckdb')
  mkdirSync(path.join(dir, 'metrics', 'bench'), {recursive: true})
  for (const [file, text] of Object.entries(METRICS)) writeFileSync(path.join(dir, 'metrics', 'bench', file), text)
  const catalog = await openCatalog({db, create: true})
  const cluster = await harness.startCluster({database: 'bench'})
  try {
    await catalog.db.run(`CREATE TABLE orders AS SELECT ${orderColumns('i', 'duckdb')} FROM range(${ROWS}) AS t(i)`)
    await catalog.importPath(path.join(dir, 'metrics'))
    const ddl = `order_id Int64, ordered_at DateTime('UTC'), customer_id Int64, region String, channel String, amount Float64, status String`
    const t0 = performance.now()
    for (let s = 0; s < cluster.shards.length; s++) {
      await cluster.exec(`CREATE TABLE ${cluster.shardDatabase}.orders (${ddl}) ENGINE = MergeTree() ORDER BY ordered_at`, s)
      await cluster.exec(`CREATE TABLE ${cluster.database}.orders AS ${cluster.shardDatabase}.orders ENGINE = Distributed(${cluster.cluster}, ${cluster.shardDatabase}, orders, rand())`, s)
    }
    await Promise.all(
      cluster.shards.map((_, s) =>
        cluster.exec(`INSERT INTO ${cluster.shardDatabase}.orders SELECT ${orderColumns('number', 'clickhouse')} FROM numbers(${ROWS}) WHERE number % ${cluster.shards.length} = ${s}`, s),
      ),
    )
    console.log(`  generated ${ROWS.toLocaleString('en-US')} rows on ${cluster.shards.length} shards in ${Math.round(performance.now() - t0)} ms`)

    const run = async (engine, sql) => {
      const t = performance.now()
      const rows = engine === 'duckdb' ? (await catalog.db.query(sql)).rows : await cluster.query(sql)
      return {ms: performance.now() - t, rows}
    }
    const day = (rows) => rows.map((r) => ({...r, period: String(r.period).slice(0, 10)}))
    for (const q of QUERIES) {
      const a = await run('duckdb', q.duckdb)
      const b = await run('clickhouse', q.clickhouse)
      const diff = sameRows(day(a.rows), day(b.rows))
      const times = {duck: [], ch: []}
      for (let i = 0; i < ROUNDS; i++) {
        times.duck.push((await run('duckdb', q.duckdb)).ms)
        times.ch.push((await run('clickhouse', q.clickhouse)).ms)
      }
      report(`2-shard ClickHouse 18.16 / DuckDB, hand-written SQL: ${q.name}`, {value: median(times.ch), baseline: median(times.duck), note: diff ? `ROWS DIFFER: ${diff}` : `same ${a.rows.length} rows`})
    }

    // metricat's compiled SQL for the same questions on both engines, rows compared, timed (last:
    // a server crash ends the cluster)
    const defs = new Map()
    for (const id of ['bench/orders_total', 'bench/customers']) defs.set(id, await catalog.get(id))
    const options = await catalog.compileOptions([...defs.values()])
    for (const q of QUERIES) {
      const duck = await catalog.compileQuery(q.query)
      const sql = compileMetricQuery(q.query, (id) => defs.get(id), {...options, dialect: 'clickhouse'}).sql
      const runDuck = async () => {
        const t = performance.now()
        const r = await catalog.db.query(duck.sql, duck.params)
        return {ms: performance.now() - t, rows: r.rows}
      }
      try {
        const a = await runDuck()
        const b = await run('clickhouse', sql)
        const diff = sameRows(day(a.rows).map((r) => ({period: r.period, value: r.value})), day(b.rows).map((r) => ({period: r.period, value: r.value})))
        const times = {duck: [], ch: []}
        for (let i = 0; i < ROUNDS; i++) {
          times.duck.push((await runDuck()).ms)
          times.ch.push((await run('clickhouse', sql)).ms)
        }
        report(`2-shard ClickHouse 18.16 / DuckDB, metricat's compiled SQL: ${q.name}`, {value: median(times.ch), baseline: median(times.duck), note: diff ? `ROWS DIFFER: ${diff}` : `same ${a.rows.length} rows`})
      } catch (error) {
        console.log(`  compiled ClickHouse SQL, ${q.name}: FAILED on the cluster: ${String(error.message ?? error).split('\n')[0].slice(0, 200)}`)
        break
      }
    }
  } finally {
    await cluster.stop()
    catalog.close()
  }

  // points ingest: the same points into the file and into ClickHouse (one server)
  const points = Array.from({length: POINTS}, (_, i) => point(i))
  const single = await harness.startCluster({shards: 1, database: 'points'})
  const fileDb = path.join(dir, 'points-file.duckdb')
  const chDb = path.join(dir, 'points-ch.duckdb')
  const onFile = await openCatalog({db: fileDb, create: true})
  ;(await openCatalog({db: chDb, create: true})).close()
  const onCh = await openCatalog({db: chDb, points: single.url})
  try {
    const ingest = async (c) => {
      const t = performance.now()
      const r = await ingestPoints(c, {points})
      return {ms: performance.now() - t, r}
    }
    const fileFirst = await ingest(onFile)
    const chFirst = await ingest(onCh)
    const fileAgain = await ingest(onFile)
    const chAgain = await ingest(onCh)
    const rate = (x) => (POINTS / x.ms) * 1000
    report(`points ingest into ClickHouse / into the file, ${POINTS.toLocaleString('en-US')} new points`, {
      value: rate(chFirst),
      baseline: rate(fileFirst),
      unit: 'points/s',
      note: `inserted ${chFirst.r.inserted} vs ${fileFirst.r.inserted}`,
    })
    report(`points ingest into ClickHouse / into the file, the same points again (all unchanged)`, {
      value: rate(chAgain),
      baseline: rate(fileAgain),
      unit: 'points/s',
      note: `unchanged ${chAgain.r.unchanged} vs ${fileAgain.r.unchanged}`,
    })
  } finally {
    onFile.close()
    onCh.close()
    await single.stop()
  }
}
