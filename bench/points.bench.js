// Metric points: `metricat ingest` of 1 M NDJSON points (first ingest: all new; second: all
// conflicts, none changed) against a bare appender + upsert script on the same file and table;
// peak memory of the ingest process; HTTP ingest in 10 k-point batches when the route exists.
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {createWriteStream, existsSync} from 'node:fs'
import path from 'node:path'

import {BIN, ROOT, cli, freshDir, median, report} from './lib.js'

const POINTS = Number(process.env.POINTS_BENCH_POINTS ?? 1_000_000)
const ROUNDS = Number(process.env.POINTS_BENCH_ROUNDS ?? 2)
const BATCH = 10_000

// Writes the process's peak RSS to stderr at exit, without any help from metricat.
const MAXRSS_HOOK = `data:text/javascript,import {writeSync} from 'node:fs';process.on('exit', () => writeSync(2, '\\nmaxrss_kb=' + process.resourceUsage().maxRSS + '\\n'))`

/** the i-th generated point (also bench/clickhouse.bench.js) */
export function point(i) {
  const day = new Date(Date.UTC(2022, 0, 1) + (i % 1000) * 86_400_000).toISOString().slice(0, 10)
  return {
    metricKey: `game.players.m${i % 10}`,
    date: day,
    value: ((i * 7) % 1000) + 0.5,
    granularity: 'day',
    entityKind: 'game',
    entityId: `g${Math.floor(i / 1000)}`,
    dimensions: {platform: ['steam', 'epic', 'gog', 'xbox'][i % 4], region: i % 3 ? 'EU' : 'US'},
  }
}

async function generate(file, count) {
  const out = createWriteStream(file)
  let buf = ''
  for (let i = 0; i < count; i++) {
    buf += `${JSON.stringify(point(i))}\n`
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise((r) => out.once('drain', r))
      buf = ''
    }
  }
  await new Promise((r) => out.end(buf, r))
}

/** Runs a node script with the peak-RSS hook; returns wall time (ms), peak RSS (MB) and stdout. */
function timed(args) {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, ['--import', MAXRSS_HOOK, ...args], {cwd: ROOT, encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, maxBuffer: 64 * 1024 * 1024})
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  const kb = Number(/maxrss_kb=(\d+)/.exec(r.stderr)?.[1] ?? Number.NaN)
  return {ms, rssMb: kb / 1024, stdout: r.stdout}
}

function freshDb(dir, name) {
  const db = path.join(dir, name)
  for (const f of [db, `${db}.wal`]) if (existsSync(f)) execFileSync('rm', ['-f', f])
  cli(['init', '--db', db])
  return db
}

async function httpIngest(dir, file) {
  const db = freshDb(dir, 'http.duckdb')
  const token = JSON.parse(cli(['token', 'create', 'bench', '--role', 'service', '--db', db, '--json'])).token
  const port = 18_000 + Math.floor(Math.random() * 2000)
  const server = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--db', db], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}})
  const url = `http://127.0.0.1:${port}`
  try {
    let up = false
    for (let i = 0; i < 100 && !up; i++) {
      up = await fetch(`${url}/api/health`).then((r) => r.ok, () => false)
      if (!up) await new Promise((r) => setTimeout(r, 100))
    }
    if (!up) return {skipped: 'the server did not start'}
    const post = (points) =>
      fetch(`${url}/api/metrics/ingest`, {method: 'POST', headers: {'content-type': 'application/json', authorization: `Bearer ${token}`}, body: JSON.stringify({points})})
    const probe = await post([])
    if (probe.status === 404 || probe.status === 405) return {skipped: `POST /api/metrics/ingest answered ${probe.status}`}
    const count = Math.min(POINTS, 200_000)
    const batches = []
    for (let i = 0; i < count; i += BATCH) batches.push(Array.from({length: Math.min(BATCH, count - i)}, (_, j) => point(i + j)))
    const t0 = performance.now()
    for (const batch of batches) {
      const r = await post(batch)
      if (!r.ok) return {skipped: `POST /api/metrics/ingest answered ${r.status}: ${await r.text()}`}
    }
    return {pointsPerSecond: count / ((performance.now() - t0) / 1000), count}
  } finally {
    server.kill('SIGTERM')
    await new Promise((r) => server.once('exit', r))
  }
}

export async function run() {
  console.log(`\nPoints (${POINTS.toLocaleString('en-US')} NDJSON points, ${ROUNDS} round${ROUNDS === 1 ? '' : 's'})`)
  const dir = freshDir('points')
  const file = path.join(dir, 'points.ndjson')
  await generate(file, POINTS)

  const first = {cli: [], bare: []}
  const second = {cli: [], bare: []}
  const rss = {cli: [], bare: []}
  for (let round = 0; round < ROUNDS; round++) {
    const bareDb = freshDb(dir, 'bare.duckdb')
    const cliDb = freshDb(dir, 'cli.duckdb')
    for (const [phase, store] of [
      ['first', first],
      ['second', second],
    ]) {
      const bare = timed(['bench/bare-points.js', bareDb, file])
      const ours = timed([BIN, 'ingest', file, '--db', cliDb, '--json'])
      const result = JSON.parse(ours.stdout)
      const expected = phase === 'first' ? {inserted: POINTS, unchanged: 0} : {inserted: 0, unchanged: POINTS}
      if (result.inserted !== expected.inserted || result.unchanged !== expected.unchanged) throw new Error(`unexpected ${phase} ingest result ${ours.stdout}`)
      store.bare.push(POINTS / (bare.ms / 1000))
      store.cli.push(POINTS / (ours.ms / 1000))
      rss.bare.push(bare.rssMb)
      rss.cli.push(ours.rssMb)
    }
  }
  const note = 'baseline = bench/bare-points.js: JSON.parse + row appender + one INSERT ... ON CONFLICT, no checks'
  report(`\`metricat ingest\` ${POINTS.toLocaleString('en-US')} new points (points/s) / bare appender+upsert`, {value: median(first.cli), baseline: median(first.bare), unit: 'points/s', target: 0.5, direction: '>=', note})
  report('`metricat ingest` same file again, all conflicts (points/s) / bare', {value: median(second.cli), baseline: median(second.bare), unit: 'points/s', target: 0.5, direction: '>=', note})
  report(`peak RSS of \`metricat ingest\` ${POINTS.toLocaleString('en-US')} points (MB) / bare script`, {value: Math.max(...rss.cli), baseline: Math.max(...rss.bare), unit: 'MB', note: 'maxRSS, read by a --import hook at exit'})

  const http = await httpIngest(dir, file)
  if (http.skipped) console.log(`  HTTP ingest in ${BATCH.toLocaleString('en-US')}-point batches: skipped (${http.skipped})`)
  else report(`HTTP ingest, ${BATCH.toLocaleString('en-US')}-point batches (points/s) / CLI first ingest`, {value: http.pointsPerSecond, baseline: median(first.cli), unit: 'points/s', note: `${http.count.toLocaleString('en-US')} points through POST /api/metrics/ingest`})
}
