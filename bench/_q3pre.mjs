// Q3 hand-written: timing spread with and without an untimed run of the same statement just before
import {DuckDBInstance} from '@duckdb/node-api'
const inst = await DuckDBInstance.create('/tmp/q3db/orders.duckdb', {access_mode: 'READ_ONLY'}); const con = await inst.connect()
const hand = `SELECT CAST(date_trunc('week', ordered_at) AS DATE) AS period, count(DISTINCT customer_id) AS value FROM orders WHERE region = 'EU' GROUP BY 1 ORDER BY 1`
const p = await con.prepare(hand)
const run = async () => { const r0 = process.resourceUsage(); const t0 = performance.now(); await p.runAndReadAll(); const r1 = process.resourceUsage(); return [performance.now() - t0, r1.minorPageFault - r0.minorPageFault] }
await run()
const mode = process.argv[2]
const res = []
for (let i = 0; i < 20; i++) { if (mode === 'pre') await run(); res.push(await run()); if (mode === 'other') await con.run(`SELECT count(*) FROM orders WHERE amount > 100`) }
const t = res.map((r) => r[0]).sort((a, b) => a - b)
console.log(mode, 'median', t[10].toFixed(0), 'q10', t[2].toFixed(0), 'q90', t[17].toFixed(0), 'faults', res.map((r) => r[1]).join(','))
