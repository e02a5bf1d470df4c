// `node bench/clickhouse-compare-reads.js [--all]`: how many rows ClickHouse reads for the compare queries
// of the differential suite (test/clickhouse/differential-suite.ts: every starter metric of the demo
// warehouse, `--compare previous` by month from 2024-03-10 to 2025-06-01 with one dimension and two
// filters, and `--compare year` by quarter with a limit of 4; with --all every query of the suite),
// on a local 2-shard cluster (test/clickhouse/cluster.ts). Prints the rows and bytes the servers
// report in system.query_log, the sum of their durations, the servers' CPU time for them (profile
// events, both shards) and how many FROMs the SQL has. Needs clickhouse-server; runs no
// comparison with DuckDB (the differential suite does).
import {copyFileSync} from 'node:fs'
import path from 'node:path'

import {openCatalog} from '../dist/core/catalog.js'
import {initCatalog} from '../dist/core/init.js'
import {freshDir} from './lib.js'

// `--all`: every query of the suite (five per metric), not only the compare ones
const all = process.argv.includes('--all')
const {tsImport} = await import('tsx/esm/api')
const harness = await tsImport('../test/clickhouse/cluster.ts', import.meta.url)
const skip = harness.clickhouseAvailable()
if (skip) {
  console.log(skip)
  process.exit(0)
}
const dir = freshDir('compare-reads')
const demo = path.join(dir, 'demo.duckdb')
const built = await openCatalog({db: demo, create: true})
await initCatalog(built, {demo: true})
built.close()
const db = path.join(dir, 'catalog.duckdb')
copyFileSync(demo, db)
const cluster = await harness.startCluster({duckdb: demo, profile: {log_queries: 1}})
try {
  const catalog = await openCatalog({db, warehouse: cluster.url})
  // the suite's requests (test/clickhouse/differential-queries.ts); without --all its compare ones
  const suite = await tsImport('../test/clickhouse/differential-queries.ts', import.meta.url)
  const queries = (await suite.differentialQueries(catalog)).filter((q) => all || q.compare !== undefined)
  const mark = `compare-reads-${Date.now()}`
  let froms = 0
  let most = 0
  for (const [i, q] of queries.entries()) {
    const {sql} = await catalog.compileQuery(q)
    const n = (sql.match(/\bFROM\b/g) ?? []).length
    froms += n
    most = Math.max(most, n)
    await cluster.query(`/* ${mark}-${i} */ ${sql}`)
  }
  catalog.close()
  await cluster.exec('SYSTEM FLUSH LOGS')
  // the initial query's read_rows includes what the shards read for it
  await cluster.exec('SYSTEM FLUSH LOGS', 1)
  const [log] = await cluster.query(
    `SELECT toString(count()) AS queries, toString(sum(read_rows)) AS read_rows, toString(sum(read_bytes)) AS read_bytes, toString(sum(query_duration_ms)) AS ms, groupArray(query_id) AS ids
     FROM system.query_log WHERE type = 2 AND is_initial_query = 1 AND query LIKE '/* ${mark}-%'`,
  )
  // server CPU: the initial queries and what they ran on each shard, from their profile events
  let cpu = 0
  for (let shard = 0; shard < cluster.shards.length; shard++) {
    const ids = log.ids.map((id) => `'${id.replace(/[^0-9a-f-]/gi, '')}'`).join(', ')
    const [row] = await cluster.query(
      `SELECT toString(sum(arraySum(arrayMap((n, v) -> if(n IN ('UserTimeMicroseconds', 'SystemTimeMicroseconds'), v, 0), ProfileEvents.Names, ProfileEvents.Values)))) AS us
       FROM system.query_log WHERE type = 2 AND initial_query_id IN (${ids})`,
      shard,
    )
    cpu += Number(row.us)
  }
  console.log(`${queries.length} ${all ? '' : 'compare '}queries of the differential suite on a 2-shard cluster: ${Number(log.read_rows).toLocaleString('en-US')} rows read (${(Number(log.read_bytes) / 1e6).toFixed(1)} MB), ${log.ms} ms in all, server CPU ${(cpu / 1e6).toFixed(2)} s (system.query_log, ${log.queries} queries); ${froms} FROMs in their SQL, at most ${most} in one`)
} finally {
  await cluster.stop()
}
