// HTTP server: GET /api/metrics/{id} against a trivial Hono JSON route measured in the same run,
// POST /api/metrics/{id}/query on the demo warehouse, and the same query against a bare node:http
// server with a DuckDB pool of the same size at 1, 10 and 50 connections. Each server runs in its own child
// process, so autocannon does not share an event loop with it.
import {spawn} from 'node:child_process'
import {copyFileSync, writeFileSync} from 'node:fs'
import {availableParallelism} from 'node:os'
import path from 'node:path'

import autocannon from 'autocannon'

import {BIN, ROOT, cli, freshDir, report} from './lib.js'

const CONNECTIONS = 50
const SECONDS = 10
const POOL_CONNECTIONS = [1, 10, 50]
const POOL_SECONDS = Number(process.env.POOL_BENCH_SECONDS ?? 10)

// The baseline: the smallest Hono app on @hono/node-server, one JSON route.
const TRIVIAL = `
import {Hono} from 'hono'
import {serve} from '@hono/node-server'
const app = new Hono()
app.get('/json', (c) => c.json({status: 'ok'}))
serve({fetch: app.fetch, hostname: '127.0.0.1', port: 0}, (info) => console.log('http://127.0.0.1:' + info.port))
process.on('SIGTERM', () => process.exit(0))
`

/** Starts a child process and resolves with it and the first URL it prints on stdout. */
function startChild(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {cwd: ROOT, env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => {
      out += d
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
      if (url) resolve({child, url})
    })
    child.stderr.on('data', (d) => (err += d))
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)))
  })
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode)
    child.once('exit', (code) => resolve(code))
    child.kill('SIGTERM')
  })
}

async function load(title, options, seconds = SECONDS, connections = CONNECTIONS) {
  const result = await autocannon({connections, duration: seconds, ...options})
  const bad = result.non2xx + result.errors + result.timeouts
  if (seconds > 2 && bad > 0) throw new Error(`${title}: ${bad} failed requests (${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts)`)
  return {rps: result.requests.average, p99: result.latency.p99, total: result.requests.total}
}

export async function run() {
  console.log('\nHTTP server')
  const dir = freshDir('server')
  const db = path.join(dir, 'server.duckdb')
  cli(['init', '--demo', '--db', db])
  const token = JSON.parse(cli(['token', 'create', 'bench', '--role', 'analyst', '--db', db, '--json'])).token
  const auth = {authorization: `Bearer ${token}`}

  // POOL_BENCH_ONLY=1: only the read-pool comparison (the figures issue 11 asks for)
  if (process.env.POOL_BENCH_ONLY) return poolComparison(dir, db, auth)
  const trivial = await startChild(['--input-type=module', '-e', TRIVIAL])
  const server = await startChild([BIN, 'serve', '--db', db, '--port', '0'])
  try {
    const getOptions = {url: `${server.url}/api/metrics/revenue/mrr`, headers: auth}
    const queryOptions = {
      url: `${server.url}/api/metrics/revenue/mrr/query`,
      method: 'POST',
      headers: {...auth, 'content-type': 'application/json'},
      body: JSON.stringify({grain: 'month', from: '2025-01-01', to: '2026-01-01'}),
    }
    // warm-up: JIT, connection pools, DuckDB caches
    await load('warm-up', {url: `${trivial.url}/json`}, 2)
    await load('warm-up', getOptions, 2)
    await load('warm-up', queryOptions, 2)

    const base = await load('trivial Hono JSON route', {url: `${trivial.url}/json`})
    const get = await load('GET /api/metrics/{id}', getOptions)
    const query = await load('POST /api/metrics/{id}/query', queryOptions)

    report(`GET /api/metrics/{id} req/s / trivial Hono JSON route req/s (${CONNECTIONS} connections, ${SECONDS} s each)`, {
      value: get.rps,
      baseline: base.rps,
      unit: 'req/s',
      target: 0.25,
      direction: '>=',
    })
    report('GET /api/metrics/{id} p99 latency (target <= 20 ms absolute; baseline = trivial route p99)', {
      value: get.p99,
      baseline: base.p99,
      note: `absolute ${get.p99 <= 20 ? 'ok' : 'MISSED'}`,
    })
    report('POST /api/metrics/revenue/mrr/query req/s on the demo warehouse (baseline = trivial route)', {value: query.rps, baseline: base.rps, unit: 'req/s'})
    report('POST /api/metrics/revenue/mrr/query p99 latency (baseline = trivial route p99)', {value: query.p99, baseline: base.p99})
  } finally {
    const [serverExit] = await Promise.all([stopChild(server.child), stopChild(trivial.child)])
    if (serverExit !== 0) console.log(`  warning: metricat serve exited ${serverExit} on SIGTERM`)
  }
  await poolComparison(dir, db, auth)
}

/**
 * Metric queries through `metricat serve` (its read pool: one connection per core) against a bare
 * node:http server running the same SQL on a pool of the same size, at 1, 10 and 50 connections.
 * Both servers run at once (the bare one on a copy of the file) and take turns, twice per
 * connection count, so a change in the machine's load shows in both figures alike.
 */
async function poolComparison(dir, db, auth) {
  const body = {grain: 'month', from: '2025-01-01', to: '2026-01-01'}
  const compiledFile = path.join(dir, 'mrr.json')
  // the SQL and parameters a query runs (its result's `sql`, with data_through bound as metricat binds it)
  const ran = JSON.parse(cli(['query', 'revenue/mrr', '--grain', 'month', '--from', body.from, '--to', body.to, '--json', '--db', db]))
  writeFileSync(compiledFile, JSON.stringify({sql: ran.sql, params: ran.params}))
  const bareDb = path.join(dir, 'bare.duckdb')
  copyFileSync(db, bareDb)
  const size = availableParallelism()
  const servers = []
  try {
    // --cache-ttl 0: every request runs its query, as the bare server's does (with the result cache a
    // repeated request is answered from memory, which compares the cache, not the pool)
    const server = await startChild([BIN, 'serve', '--db', db, '--port', '0', '--read-connections', String(size), '--cache-ttl', '0'])
    servers.push(server)
    const bare = await startChild(['bench/bare-server.js', bareDb, compiledFile, String(size)])
    servers.push(bare)
    const query = {url: `${server.url}/api/metrics/revenue/mrr/query`, method: 'POST', headers: {...auth, 'content-type': 'application/json'}, body: JSON.stringify(body)}
    const bareQuery = {url: `${bare.url}/query`, method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)}
    await load('warm-up', query, 2)
    await load('warm-up', bareQuery, 2)
    const half = POOL_SECONDS / 2
    const mean = (runs) => ({rps: runs.reduce((s, r) => s + r.total, 0) / (half * runs.length), p99: runs.reduce((s, r) => s + r.p99, 0) / runs.length})
    for (const connections of POOL_CONNECTIONS) {
      const runs = {metricat: [], bare: []}
      for (const turn of [0, 1]) {
        for (const who of turn === 0 ? ['metricat', 'bare'] : ['bare', 'metricat']) {
          runs[who].push(await load(`${who} ${connections}`, who === 'metricat' ? query : bareQuery, half, connections))
        }
      }
      const m = mean(runs.metricat)
      const b = mean(runs.bare)
      report(`POST /api/metrics/revenue/mrr/query req/s / bare node:http + DuckDB pool of ${size} (${connections} connections)`, {
        value: m.rps,
        baseline: b.rps,
        unit: 'req/s',
        target: 0.8,
        direction: '>=',
      })
      report(`... p99 latency / the bare server's p99 (${connections} connections)`, {value: m.p99, baseline: b.p99, target: 1.5})
    }
  } finally {
    for (const s of servers) await stopChild(s.child)
  }
}
