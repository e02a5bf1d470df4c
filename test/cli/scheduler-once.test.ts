import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {addDataSource, listDataSources} from '../../src/core/points.js'
import {newCatalog, runCommand, tempDir} from '../helpers.js'

// Issue 13, end to end: `metricat scheduler --once` over sources whose programs (child processes)
// succeed, fail and hang; then `metricat jobs` shows what happened. The commands run in-process.

let dir: string
let cleanup: () => void
let db: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir('metricat-scheduler-'))
  db = path.join(dir, 'sched.duckdb')
  const catalog = await newCatalog(dir, 'sched.duckdb')
  try {
    await addDataSource(catalog, {id: 'good', command: `printf '%s\\n' '{"metricKey": "k", "date": "2026-01-01", "value": 2}'`, poll_frequency: 'hourly'})
    await addDataSource(catalog, {id: 'bad', command: 'echo "upstream said no" >&2; exit 4', poll_frequency: 'hourly'})
    await addDataSource(catalog, {id: 'hangs', command: 'sleep 60', poll_frequency: 'hourly', timeout_seconds: 1})
    await addDataSource(catalog, {id: 'later', command: 'exit 9', poll_frequency: 'daily'})
    // the first three are due now; `later` is not
    await catalog.db.run(`UPDATE mc.metricat.data_sources SET next_poll_at = TIMESTAMP '2000-01-01' WHERE id <> 'later'`)
  } finally {
    catalog.close()
  }
})
afterAll(() => cleanup())

describe('metricat scheduler --once', () => {
  it('runs every due source, survives a failing and a hanging program, exits 1, and records each job', async () => {
    const r = await runCommand(['scheduler', '--once', '--db', db, '--json'])
    expect(r.code).toBe(1)
    const runs = (JSON.parse(r.stdout) as {runs: {id: string; status: string}[]}).runs.map((x) => [x.id, x.status]).sort()
    expect(runs).toEqual([
      ['bad', 'failed'],
      ['good', 'completed'],
      ['hangs', 'failed'],
    ])
    expect(r.stderr).toContain('upstream said no')

    const jobs = await runCommand(['jobs', '--db', db, '--status', 'failed', '--since', '1h', '--json'])
    expect(jobs.code).toBe(0)
    const failed = (JSON.parse(jobs.stdout) as {jobs: {data_source_id: string; error: string; stderr_tail: string | null}[]}).jobs
    expect(failed.map((j) => j.data_source_id).sort()).toEqual(['bad', 'hangs'])
    expect(failed.find((j) => j.data_source_id === 'bad')!.stderr_tail).toBe('upstream said no\n')
    expect(failed.find((j) => j.data_source_id === 'hangs')!.error).toMatch(/timed out after 1 s/)

    const catalog = await newCatalog(dir, 'sched.duckdb')
    try {
      const byId = Object.fromEntries((await listDataSources(catalog)).map((s) => [s.id, s]))
      expect(byId.good).toMatchObject({status: 'active', failure_count: 0})
      expect(byId.bad).toMatchObject({status: 'failing', failure_count: 1, last_error: 'exited with code 4'})
      expect(byId.later).toMatchObject({status: 'active', last_run_at: null})
      const [{n}] = await catalog.db.all<{n: number}>("SELECT count(*)::INTEGER AS n FROM mc.metricat.metric_points WHERE data_source_id = 'good'")
      expect(n).toBe(1)
    } finally {
      catalog.close()
    }
  })
})
