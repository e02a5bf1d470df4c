import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {request} from 'node:http'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {announcementPath} from '../../src/server/announcement.js'
import {BIN, ROOT, demoDatabase, runCommand, tempDir} from '../helpers.js'
import {expectSameRows} from './helpers.js'

// `metricat serve` as a child process on a free 127.0.0.1 port (the real listener, signals and the
// file lock), with CLI commands beside it run in-process: they reach the server the way a user's do,
// through the announcement file or --server.

let dir: string
let cleanup: () => void
let db: string
let analyst: string
let cliQuery: {rows: Record<string, unknown>[]; columns: string[]}
let cliCounts: {rows: Record<string, unknown>[]; columns: string[]}
let server: {child: ChildProcess; url: string; exit: Promise<number | null>; stderr: () => string}

const QUERY_ARGS = ['query', 'revenue/total_revenue', '--grain', 'quarter', '--by', 'region', '--where', 'channel in web,partner', '--from', '2025-01-01', '--to', '2026-01-01']
// a count: integer values, so the rows must be identical to the bit
const COUNT_ARGS = ['query', 'sales/new_customers', '--by', 'region', '--where', 'plan!=free', '--from', '2025-01-01', '--to', '2026-01-01']
const COUNT_BODY = {by: ['region'], filters: [{dimension: 'plan', op: '!=', value: 'free'}], from: '2025-01-01', to: '2026-01-01'}
const QUERY_BODY = {grain: 'quarter', by: ['region'], filters: [{dimension: 'channel', op: 'in', value: ['web', 'partner']}], from: '2025-01-01', to: '2026-01-01'}

function startServe(args: string[]): Promise<typeof server> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', ...args], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', METRICAT_DB: '', METRICAT_SERVER: ''}})
    let out = ''
    let err = ''
    const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
      if (url) resolve({child, url, exit, stderr: () => err})
    })
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    void exit.then((code) => reject(new Error(`serve exited ${code} before listening: ${err}`)))
  })
}

const json = (s: string) => JSON.parse(s) as any

beforeAll(async () => {
  ;({dir, cleanup} = tempDir('metricat-serve-'))
  db = await demoDatabase(dir, 'serve.duckdb')
  const q = await runCommand([...QUERY_ARGS, '--db', db, '--json'])
  expect(q.code).toBe(0)
  cliQuery = json(q.stdout)
  const c = await runCommand([...COUNT_ARGS, '--db', db, '--json'])
  expect(c.code).toBe(0)
  cliCounts = json(c.stdout)
  const t = await runCommand(['token', 'create', 'e2e', '--role', 'analyst', '--db', db, '--json'])
  expect(t.code).toBe(0)
  analyst = json(t.stdout).token
  // a shutdown timeout no test waits for: stopping must end when the requests in flight end
  server = await startServe(['--db', db, '--port', '0', '--shutdown-timeout', '3600'])
})
afterAll(() => {
  if (server && server.child.exitCode === null) server.child.kill('SIGKILL')
  cleanup()
})

describe('metricat serve (child process)', () => {
  it('prints its URL on stdout and answers /api/health', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await fetch(`${server.url}/api/health`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({status: 'ok'})
  })

  it('query over HTTP returns identical rows to `metricat query` on the file', async () => {
    const res = await fetch(`${server.url}/api/metrics/sales/new_customers/query`, {
      method: 'POST',
      headers: {authorization: `Bearer ${analyst}`, 'content-type': 'application/json'},
      body: JSON.stringify(COUNT_BODY),
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as typeof cliCounts
    expect(body.rows.length).toBeGreaterThan(4)
    expect(body).toEqual(cliCounts)
  })

  it('query over HTTP of a sum over a DOUBLE column matches `metricat query` on the file (to float rounding)', async () => {
    const res = await fetch(`${server.url}/api/metrics/revenue/total_revenue/query`, {
      method: 'POST',
      headers: {authorization: `Bearer ${analyst}`, 'content-type': 'application/json'},
      body: JSON.stringify(QUERY_BODY),
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as typeof cliQuery
    expect(body.rows.length).toBeGreaterThan(0)
    expect(body.columns).toEqual(cliQuery.columns)
    expectSameRows(body.rows, cliQuery.rows)
  })

  it('announces itself in <db>.server.json with mode 0600', async () => {
    const {statSync} = await import('node:fs')
    const file = announcementPath(db)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(json(readFileSync(file, 'utf8'))).toMatchObject({url: server.url, pid: server.child.pid, db})
  })

  it('CLI commands on the same --db go through the running server', async () => {
    const list = await runCommand(['list', '--db', db, '--json'])
    expect(list.code).toBe(0)
    const http = await fetch(`${server.url}/api/metrics`, {headers: {authorization: `Bearer ${analyst}`}})
    expect(json(list.stdout).metrics).toEqual(((await http.json()) as {metrics: unknown[]}).metrics)
    const q = await runCommand([...COUNT_ARGS, '--db', db, '--json'])
    expect(q.code).toBe(0)
    // the server may answer from its result cache (the HTTP test above asked the same)
    const through = json(q.stdout)
    expect(typeof through.cached).toBe('boolean')
    expect({...through, cached: false}).toEqual(cliCounts)
  })

  it('a CLI error through the server is the same one line and exit code as on the file', async () => {
    const r = await runCommand(['show', 'revenue/mrrr', '--db', db])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^Error: unknown metric revenue\/mrrr; did you mean revenue\/mrr/)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    const j = await runCommand(['show', 'revenue/mrrr', '--db', db, '--json'])
    expect(json(j.stdout)).toEqual({error: {code: 'NOT_FOUND', message: expect.stringContaining('unknown metric revenue/mrrr'), details: {id: 'revenue/mrrr', hint: expect.stringContaining('metricat list')}}})
  })

  it('token create through the announcement makes a token the server accepts at once', async () => {
    const t = await runCommand(['token', 'create', 'made-while-serving', '--role', 'analyst', '--db', db, '--json'])
    expect(t.code).toBe(0)
    const res = await fetch(`${server.url}/api/tables`, {headers: {authorization: `Bearer ${json(t.stdout).token}`}})
    expect(res.status).toBe(200)
  })

  it('--server URL with METRICAT_TOKEN works from anywhere, with that token\'s role', async () => {
    const env = {METRICAT_TOKEN: analyst}
    const list = await runCommand(['list', '--server', server.url, '--category', 'revenue', '--json'], {env})
    expect(list.code).toBe(0)
    expect(json(list.stdout).metrics.map((m: {id: string}) => m.id)).toContain('revenue/mrr')
    const del = await runCommand(['delete', 'revenue/mrr', '--server', server.url], {env})
    expect(del.code).toBe(1)
    expect(del.stderr).toMatch(/^Error: token e2e has role analyst, which may not change the catalog\nHint: /)
    const none = await runCommand(['list', '--server', server.url], {env: {METRICAT_TOKEN: ''}})
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/^Error: this route needs a token/)
  })

  it('a stale announcement (dead PID) is ignored: the locked file is reported plainly', async () => {
    const file = announcementPath(db)
    const real = readFileSync(file, 'utf8')
    writeFileSync(file, JSON.stringify({...json(real), pid: 2 ** 22 + 4321}))
    try {
      const r = await runCommand(['list', '--db', db, '--wait', '0'])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/^Error: .*serve\.duckdb is locked by process \d+ \(.*serve/)
      expect(r.stderr).not.toMatch(/--server/)
    } finally {
      writeFileSync(file, real)
    }
  })

  it('stops on SIGTERM with exit code 0 once the requests in flight are answered, and removes the announcement', async () => {
    // one request the server has certainly received before the signal: it answered 100 Continue
    // to the headers; its body is sent only after SIGTERM, so it is in flight throughout
    const body = JSON.stringify({grain: 'month', by: ['region']})
    const held = request(`${server.url}/api/metrics/revenue/total_revenue/query`, {
      method: 'POST',
      headers: {authorization: `Bearer ${analyst}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue', connection: 'close'},
    })
    const answered = new Promise<{status: number; text: string}>((resolve, reject) => {
      held.on('response', (res) => {
        let text = ''
        res.on('data', (d: Buffer) => (text += d.toString()))
        res.on('end', () => resolve({status: res.statusCode!, text}))
      })
      held.on('error', reject)
    })
    await new Promise<void>((resolve) => held.once('continue', resolve))
    // and more at once, read in full: answered, turned away while draining (503), or too late to connect
    const more = Array.from({length: 20}, () =>
      fetch(`${server.url}/api/metrics/revenue/total_revenue/query`, {
        method: 'POST',
        headers: {authorization: `Bearer ${analyst}`, 'content-type': 'application/json'},
        body: JSON.stringify({grain: 'day', by: ['region', 'channel']}),
      }).then(
        async (r) => ((await r.arrayBuffer()).byteLength > 0 ? r.status : 'empty'),
        () => 'closed',
      ),
    )
    await new Promise((resolve) => setImmediate(resolve))
    server.child.kill('SIGTERM')
    held.end(body)
    const reply = await answered
    expect(reply.status).toBe(200)
    expect(json(reply.text).rows.length).toBeGreaterThan(0)
    // with --shutdown-timeout 3600, an exit that waited for the timeout would fail this test by its own timeout
    expect(await server.exit).toBe(0)
    expect(existsSync(announcementPath(db))).toBe(false)
    // never 422 or 500, never a truncated body
    for (const status of await Promise.all(more)) expect([200, 503, 'closed']).toContain(status)
    // the file is free again: commands open it directly
    const r = await runCommand(['list', '--db', db, '--json'])
    expect(r.code).toBe(0)
  })
})

describe('metricat serve refusals (child process)', () => {
  it('refuses a non-loopback host while no token exists', async () => {
    const t = tempDir()
    try {
      const fresh = path.join(t.dir, 'fresh.duckdb')
      expect((await runCommand(['init', '--db', fresh])).code).toBe(0)
      const r = await runCommand(['serve', '--db', fresh, '--host', '0.0.0.0', '--port', '0'])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/^Error: refusing to listen on 0\.0\.0\.0: no API token exists/)
      expect(existsSync(announcementPath(fresh))).toBe(false)
    } finally {
      t.cleanup()
    }
  })
})
