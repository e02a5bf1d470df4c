import {type ChildProcess, spawn} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {BIN, FIXTURES, ROOT, emptyDatabase, runCommand, tempDir} from '../helpers.js'

// The points commands through a running `metricat serve` (which holds the database file).

let dir: string
let cleanup: () => void
let db: string
let service: string
let admin: string
let server: {child: ChildProcess; url: string}

const json = (s: string) => JSON.parse(s) as Record<string, any>
const fixture = (name: string) => path.join(FIXTURES, 'points', name)

function startServe(): Promise<typeof server> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--db', db, '--port', '0'], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', METRICAT_DB: '', METRICAT_SERVER: ''}})
    let out = ''
    let err = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
      if (url) resolve({child, url})
    })
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    child.on('exit', (code) => reject(new Error(`serve exited ${code} before listening: ${err}`)))
  })
}

beforeAll(async () => {
  ;({dir, cleanup} = tempDir('metricat-points-serve-'))
  db = path.join(dir, 'serve.duckdb')
  await emptyDatabase(dir, path.basename(db))
  service = json((await runCommand(['token', 'create', 'etl', '--role', 'service', '--db', db, '--json'])).stdout).token
  admin = json((await runCommand(['token', 'create', 'me', '--role', 'admin', '--db', db, '--json'])).stdout).token
  server = await startServe()
})
afterAll(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGTERM')
    await new Promise((r) => server.child.once('exit', r))
  }
  cleanup()
})

/** The command with --server (before any `--`, after which the words belong to the program). */
function viaServer(args: string[], token: string) {
  const cut = args.includes('--') ? args.indexOf('--') : args.length
  return runCommand([...args.slice(0, cut), '--server', server.url, ...args.slice(cut)], {env: {METRICAT_TOKEN: token}})
}

describe('points commands through a server', () => {
  it('ingest --server streams the file to POST /api/metrics/ingest', async () => {
    const file = path.join(dir, 'p.ndjson')
    writeFileSync(file, '{"metricKey":"srv","date":"2026-05-01","value":1}\n{"metricKey":"srv","date":"2026-05-02","value":2}\n')
    const r = await viaServer(['ingest', file, '--json'], service)
    expect(r.code).toBe(0)
    expect(json(r.stdout)).toMatchObject({source: 'body', points: 2, inserted: 2})
    const again = await viaServer(['ingest', file], service)
    expect(again.stdout).toBe('Ingested 2 points: 0 inserted, 0 updated, 2 unchanged\n')
  })

  it('ingest --server with defaults fills them in on the client', async () => {
    const file = path.join(dir, 'p.ndjson')
    const r = await viaServer(['ingest', file, '--entity-kind', 'game', '--json'], service)
    expect(r.code).toBe(0)
    expect(json(r.stdout)).toMatchObject({format: 'array', inserted: 2})
  })

  it('reports the server-side problems of an invalid file by line', async () => {
    const file = path.join(dir, 'bad.ndjson')
    writeFileSync(file, '{"metricKey":"srv","date":"2026-05-01","value":1}\n{"metricKey":"srv","date":"2026-05-01","value":"x"}\n')
    const r = await viaServer(['ingest', file], service)
    expect(r.code).toBe(1)
    // the core's error as it is, as on the file (the one server client maps errors, src/cli/server-client.ts)
    expect(r.stderr).toMatch(/^Error: body:2 \/value: value must be a number, got a string "x"; nothing was ingested\nHint: /)
  })

  it('run --server sends the points of a successful program and nothing of a failed one', async () => {
    const ok = await viaServer(['run', '--json', '--connector-key', 'node', '--', process.execPath, fixture('players.mjs'), '1'], service)
    expect(ok.code).toBe(0)
    expect(json(ok.stdout)).toMatchObject({exitCode: 0, ingest: {points: 2, inserted: 2}})
    expect(ok.stderr).toContain('fetching 1 days of player counts')
    const failed = await viaServer(['run', '--', 'sh', fixture('fails.sh')], service)
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain('exited with code 3; nothing was ingested')
  })

  it('points --server queries through POST /api/metrics/points/query', async () => {
    const r = await viaServer(['points', 'game.players', '--bucket', 'none', '--by', 'platform', '--json'], admin)
    expect(r.code).toBe(0)
    expect(json(r.stdout).rows).toEqual([
      {platform: 'epic', value: 101},
      {platform: 'steam', value: 100},
    ])
    const denied = await viaServer(['points', 'game.players'], service)
    expect(denied.code).toBe(1)
    expect(denied.stderr).toMatch(/may not run queries/)
  })

  it('sources add and list --server go through /api/data-sources', async () => {
    expect((await viaServer(['sources', 'add', 'gh', '--command', 'sh stars.sh'], admin)).stdout).toMatch(/^Added data source gh; next poll \S+Z\n$/)
    const list = await viaServer(['sources', 'list', '--json'], admin)
    expect(json(list.stdout).sources).toEqual([expect.objectContaining({id: 'gh', command: 'sh stars.sh'})])
  })

  it('ingest without --server goes through the server that holds the file', async () => {
    const file = path.join(dir, 'local.ndjson')
    writeFileSync(file, '{"metricKey":"local","date":"2026-05-01","value":7}\n')
    const r = await runCommand(['ingest', file, '--db', db, '--json'], {env: {METRICAT_SERVER: ''}})
    expect(r.code).toBe(0)
    expect(json(r.stdout)).toMatchObject({inserted: 1})
  })
})
