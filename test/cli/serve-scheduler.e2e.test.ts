import {type ChildProcess, spawn} from 'node:child_process'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {addDataSource} from '../../src/core/points.js'
import {TokenStore} from '../../src/core/tokens.js'
import {BIN, ROOT, newCatalog, tempDir} from '../helpers.js'

// Issue 13: `serve --scheduler` runs due sources inside the server, and stops with it.

let dir: string
let cleanup: () => void
let db: string
let token: string
let child: ChildProcess | undefined

beforeAll(async () => {
  ;({dir, cleanup} = tempDir('metricat-serve-scheduler-'))
  db = path.join(dir, 'serve.duckdb')
  const catalog = await newCatalog(dir, 'serve.duckdb')
  try {
    await addDataSource(catalog, {id: 'good', command: `printf '%s\\n' '{"metricKey": "k", "date": "2026-01-01", "value": 2}'`, poll_frequency: 'hourly'})
    await catalog.db.run(`UPDATE mc.metricat.data_sources SET next_poll_at = TIMESTAMP '2000-01-01' WHERE id = 'good'`)
    token = (await new TokenStore(catalog.db).createToken('reader', 'analyst')).token
  } finally {
    catalog.close()
  }
})
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  cleanup()
})

describe('metricat serve --scheduler', () => {
  it('runs a due source while serving, records its job, and stops on SIGTERM with exit 0', async () => {
    child = spawn(process.execPath, [BIN, 'serve', '--scheduler', '--db', db, '--port', '0'], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', METRICAT_DB: '', METRICAT_SERVER: ''}})
    const exit = new Promise<number | null>((done) => child!.on('exit', (code) => done(code)))
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString()
        const found = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
        if (found) resolve(found)
      })
      void exit.then((code) => reject(new Error(`serve exited ${code}: ${stderr}`)))
    })
    // wait for the job to show up in the server's own job log (bounded: 30 s)
    let jobs: {data_source_id: string | null; status: string; kind: string}[] = []
    for (let i = 0; i < 300 && !jobs.some((j) => j.status === 'completed'); i++) {
      const res = await fetch(`${url}/api/jobs?source=good`, {headers: {authorization: `Bearer ${token}`}})
      expect(res.status).toBe(200)
      jobs = ((await res.json()) as {jobs: typeof jobs}).jobs
      if (!jobs.some((j) => j.status === 'completed')) await new Promise((r) => setTimeout(r, 100))
    }
    expect(jobs, JSON.stringify(jobs)).toContainEqual(expect.objectContaining({data_source_id: 'good', status: 'completed', kind: 'run'}))
    const points = await fetch(`${url}/api/metrics/points/query`, {method: 'POST', headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'}, body: JSON.stringify({key: 'k', bucket: 'none', agg: 'sum'})})
    expect(points.status).toBe(200)
    expect(JSON.stringify(await points.json())).toContain('2')
    child.kill('SIGTERM')
    expect(await exit).toBe(0)
  }, 60_000)
})
