import {DuckDBInstance} from '@duckdb/node-api'
const opts = {access_mode: 'READ_ONLY'}
for (const kv of process.argv.slice(3)) { const [k, v] = kv.split('='); opts[k] = v }
const inst = await DuckDBInstance.create('/tmp/q3db/orders.duckdb', opts); const con = await inst.connect()
const hand = `SELECT CAST(date_trunc('week', ordered_at) AS DATE) AS period, count(DISTINCT customer_id) AS value FROM orders WHERE region = 'EU' GROUP BY 1 ORDER BY 1`
const p = await con.prepare(hand)
const run = async () => { const r0 = process.resourceUsage(); const t0 = performance.now(); await p.runAndReadAll(); const r1 = process.resourceUsage(); return [performance.now() - t0, r1.minorPageFault - r0.minorPageFault, (r1.userCPUTime - r0.userCPUTime) / 1000, (r1.systemCPUTime - r0.systemCPUTime) / 1000] }
await run()
const res = []
for (let i = 0; i < Number(process.argv[2]); i++) res.push(await run())
const col = (j) => res.map((r) => r[j]).sort((a, b) => a - b)
const m = (a) => a[a.length >> 1]
console.log(process.argv.slice(3).join(' ') || 'default', 'wall', m(col(0)).toFixed(0), 'range', col(0)[1].toFixed(0), '-', col(0).at(-2).toFixed(0), 'faults med', m(col(1)), 'user', m(col(2)).toFixed(0), 'sys', m(col(3)).toFixed(0))
