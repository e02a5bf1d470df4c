import {existsSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {addDataSource, enableDataSource, listDataSources, listJobs, parseJobFilter, runPoints} from '../../src/core/points.js'
import {Scheduler} from '../../src/core/scheduler.js'
import {CatalogError} from '../../src/errors.js'
import {type Clock, nextPollAt, parseSince} from '../../src/points/schedule.js'
import {newCatalog, tempDir} from '../helpers.js'

// Issue 13: schedules, retries, failure counting, auto-disable, enable, snapshot sources, the
// lease, SIGTERM during a run. The clock is injected: schedules are tested without waiting.

class FakeClock implements Clock {
  sleeps: number[] = []
  constructor(public t: number) {}
  now(): Date {
    return new Date(this.t)
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms)
    this.t += ms
  }
  advance(ms: number): void {
    this.t += ms
  }
}

/** A stored timestamp as the API shows it. */
const stamp = (ms: number) => new Date(ms).toISOString()
const HOUR = 3_600_000
const DAY = 24 * HOUR
const T0 = Date.parse('2026-03-02T10:00:00Z')

let dir: string
let cleanup: () => void
let catalog: Catalog
let closeCatalog: () => void
let clock: FakeClock

// one catalog for the file: each test starts with no sources, leases, jobs or points, as in a new
// catalog (opening a new one and closing it after a write cost ~0.1 s of CPU per test)
beforeAll(async () => {
  const t = tempDir()
  catalog = await newCatalog(t.dir)
  closeCatalog = () => {
    catalog.close()
    t.cleanup()
  }
})
afterAll(() => closeCatalog())
beforeEach(() => {
  ;({dir, cleanup} = tempDir())
  clock = new FakeClock(T0)
})
afterEach(async () => {
  cleanup()
  for (const table of ['data_sources', 'source_leases', 'jobs', 'metric_points']) await catalog.db.run(`DELETE FROM mc.metricat.${table}`)
})

const point = (value: number, key = 'k', date = '2026-01-01') => JSON.stringify({metricKey: key, date, value})
const printing = (...lines: string[]) => `printf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')}`

/** Registers a source scheduled from the fake clock's now. */
async function add(id: string, fields: Record<string, unknown>): Promise<void> {
  await addDataSource(catalog, {id, ...fields})
  await catalog.db.run('UPDATE mc.metricat.data_sources SET next_poll_at = CAST($2 AS TIMESTAMP) WHERE id = $1', [id, new Date(nextPollAt(fields as never, clock.now())?.getTime() ?? 0).toISOString().replace('T', ' ').replace('Z', '')])
}

async function source(id: string) {
  return (await listDataSources(catalog)).find((s) => s.id === id)!
}

describe('due times', () => {
  const from = new Date('2026-03-02T10:07:00Z')
  it.each([
    ['frequent', '2026-03-02T10:22:00.000Z'],
    ['hourly', '2026-03-02T11:07:00.000Z'],
    ['daily', '2026-03-03T10:07:00.000Z'],
    ['weekly', '2026-03-09T10:07:00.000Z'],
  ])('%s: %s', (poll, expected) => {
    expect(nextPollAt({poll_frequency: poll}, from)!.toISOString()).toBe(expected)
  })

  it('manual never runs by itself; no schedule means daily', () => {
    expect(nextPollAt({poll_frequency: 'manual'}, from)).toBeNull()
    expect(nextPollAt({}, from)!.toISOString()).toBe('2026-03-03T10:07:00.000Z')
  })

  it('cron is evaluated in UTC', () => {
    expect(nextPollAt({cron: '0 6 * * *'}, from)!.toISOString()).toBe('2026-03-03T06:00:00.000Z')
    expect(nextPollAt({cron: '*/20 * * * *'}, from)!.toISOString()).toBe('2026-03-02T10:20:00.000Z')
    expect(nextPollAt({cron: '0 9 * * 1'}, from)!.toISOString()).toBe('2026-03-09T09:00:00.000Z')
  })

  it('a bad cron expression is refused when the source is saved', async () => {
    await expect(addDataSource(catalog, {id: 'x', command: 'true', cron: 'every day'})).rejects.toThrow(/--cron "every day" is not a cron expression/)
    await expect(addDataSource(catalog, {id: 'x', command: 'true', poll_frequency: 'sometimes'})).rejects.toThrow(/poll_frequency must be one of frequent, hourly, daily, weekly, manual/)
  })

  it('relative times: 30m, 7d, 12w, and dates', () => {
    const now = new Date('2026-03-02T10:00:00Z')
    expect(parseSince('30m', now).toISOString()).toBe('2026-03-02T09:30:00.000Z')
    expect(parseSince('7d', now).toISOString()).toBe('2026-02-23T10:00:00.000Z')
    expect(parseSince('12w', now).toISOString()).toBe('2025-12-08T10:00:00.000Z')
    expect(parseSince('2026-03-01', now).toISOString()).toBe('2026-03-01T00:00:00.000Z')
    expect(() => parseSince('yesterday', now)).toThrow(CatalogError)
  })

  it('the scheduler runs a source only once it is due, then schedules the next poll from that run', async () => {
    await add('s', {command: printing(point(1)), poll_frequency: 'hourly'})
    const scheduler = new Scheduler(catalog, {clock})
    expect(await scheduler.runDue()).toEqual([])
    clock.advance(HOUR)
    expect(await scheduler.runDue()).toEqual([{id: 's', status: 'completed', attempts: 1, points: 1}])
    const s = await source('s')
    expect(s).toMatchObject({status: 'active', last_status: 'succeeded', failure_count: 0, next_poll_at: stamp(clock.t + HOUR)})
    expect(s.last_success_at).not.toBeNull()
    expect(await scheduler.runDue()).toEqual([])
  })
})

describe('failures', () => {
  it('counts consecutive failures, disables the source at max_failures and says why; enable resets it', async () => {
    await add('bad', {command: 'echo "rate limited" >&2; exit 3', poll_frequency: 'frequent', max_failures: 2})
    const scheduler = new Scheduler(catalog, {clock})
    clock.advance(15 * 60_000)
    expect((await scheduler.runDue())[0]).toMatchObject({id: 'bad', status: 'failed'})
    expect(await source('bad')).toMatchObject({status: 'failing', failure_count: 1, last_error: 'exited with code 3'})
    clock.advance(15 * 60_000)
    await scheduler.runDue()
    const disabled = await source('bad')
    expect(disabled).toMatchObject({status: 'disabled', failure_count: 2, next_poll_at: null})
    expect(disabled.disabled_reason).toMatch(/^disabled after 2 consecutive failed runs \(max_failures 2\); last error: exited with code 3/)
    clock.advance(DAY)
    expect(await scheduler.runDue()).toEqual([])
    const [job] = await listJobs(catalog, {dataSourceId: 'bad', limit: 1})
    expect(job).toMatchObject({status: 'failed', exit_code: 3, stderr_tail: 'rate limited\n'})

    const enabled = await enableDataSource(catalog, 'bad', clock.now())
    expect(enabled).toMatchObject({status: 'active', failure_count: 0, disabled_reason: null, next_poll_at: stamp(clock.t + 15 * 60_000)})
  })

  it('a manual run of the stored command counts the same way', async () => {
    await add('m', {command: 'exit 1', max_failures: 1})
    await expect(runPoints(catalog, {defaults: {dataSourceId: 'm'}})).rejects.toThrow(/exited with code 1/)
    expect(await source('m')).toMatchObject({status: 'disabled', failure_count: 1})
  })

  it('retries a failed run with backoff before counting it; every attempt is in the job log', async () => {
    const flag = path.join(dir, 'flag')
    await add('flaky', {command: `if [ -f '${flag}' ]; then ${printing(point(5))}; else touch '${flag}'; exit 1; fi`, retries: 2, poll_frequency: 'hourly'})
    clock.advance(HOUR)
    const [outcome] = await new Scheduler(catalog, {clock}).runDue()
    expect(outcome).toMatchObject({id: 'flaky', status: 'completed', attempts: 2})
    expect(clock.sleeps).toEqual([5000])
    expect(await source('flaky')).toMatchObject({status: 'active', failure_count: 0})
    const jobs = await listJobs(catalog, {dataSourceId: 'flaky'})
    expect(jobs.map((j) => [j.attempts, j.status]).sort()).toEqual([
      [1, 'failed'],
      [2, 'completed'],
    ])
    expect((await listJobs(catalog, parseJobFilter({source: 'flaky', status: 'failed', since: '1h'}))).length).toBe(1)
  })

  it('a hanging program is stopped by its timeout and is one failed run; the scheduler goes on', async () => {
    await add('hang', {command: 'sleep 30', timeout_seconds: 1, poll_frequency: 'hourly'})
    await add('ok', {command: printing(point(1)), poll_frequency: 'hourly'})
    clock.advance(HOUR)
    const outcomes = await new Scheduler(catalog, {clock}).runDue()
    expect(outcomes.map((o) => [o.id, o.status]).sort()).toEqual([
      ['hang', 'failed'],
      ['ok', 'completed'],
    ])
    expect(await source('hang')).toMatchObject({status: 'failing', last_error: 'timed out after 1 s and was stopped'})
  })
})

describe('snapshot sources', () => {
  it('each successful run replaces the source\'s points per metric key it emits; a failed run changes nothing', async () => {
    const file = path.join(dir, 'snap.ndjson')
    await add('snap', {command: `cat '${file}'`, mode: 'snapshot', poll_frequency: 'manual'})
    const points = async () =>
      catalog.db.all<{k: string; d: string; v: number}>(`SELECT metric_key AS k, strftime("date", '%Y-%m-%d') AS d, value AS v FROM mc.metricat.metric_points ORDER BY 1, 2`)
    writeFileSync(file, [point(1, 'a', '2026-01-01'), point(2, 'a', '2026-01-02'), point(9, 'b', '2026-01-01')].join('\n'))
    await runPoints(catalog, {defaults: {dataSourceId: 'snap'}})
    // another source's points of key a are not this source's to replace
    await catalog.db.run(`INSERT INTO mc.metricat.metric_points (metric_key, data_source_id, "date", value, created_at, updated_at) VALUES ('a', 'other', TIMESTAMP '2026-01-05', 7, now()::TIMESTAMP, now()::TIMESTAMP)`)
    writeFileSync(file, [point(3, 'a', '2026-01-02'), point(4, 'a', '2026-01-03')].join('\n'))
    const r = await runPoints(catalog, {defaults: {dataSourceId: 'snap'}})
    expect(r.ingest).toMatchObject({points: 2, inserted: 1, updated: 1, deleted: 1})
    expect(await points()).toEqual([
      {k: 'a', d: '2026-01-02', v: 3},
      {k: 'a', d: '2026-01-03', v: 4},
      {k: 'a', d: '2026-01-05', v: 7},
      {k: 'b', d: '2026-01-01', v: 9},
    ])
    writeFileSync(file, `${point(100, 'a', '2026-02-01')}\nnot json`)
    await expect(runPoints(catalog, {defaults: {dataSourceId: 'snap'}})).rejects.toThrow(/nothing was ingested/)
    expect((await points()).length).toBe(4)
    const [job] = await listJobs(catalog, {dataSourceId: 'snap', status: 'completed', limit: 1})
    expect(job!.rows_deleted).toBe(1)
  })
})

describe('two schedulers on one database', () => {
  it('never run the same source twice (the lease row)', async () => {
    const log = path.join(dir, 'runs.log')
    await add('once', {command: `echo run >> '${log}'; ${printing(point(1))}`, poll_frequency: 'hourly'})
    await add('twice', {command: `echo run2 >> '${log}'; ${printing(point(2, 'k2'))}`, poll_frequency: 'hourly'})
    clock.advance(HOUR)
    const a = new Scheduler(catalog, {clock, holder: 'a', concurrency: 1})
    const b = new Scheduler(catalog, {clock, holder: 'b', concurrency: 1})
    const [ra, rb] = await Promise.all([a.runDue(), b.runDue()])
    expect([...ra, ...rb].map((o) => o.id).sort()).toEqual(['once', 'twice'])
    const {readFileSync} = await import('node:fs')
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['run', 'run2'])
    expect((await listJobs(catalog, {kind: 'run'})).length).toBe(2)
    const [{n}] = await catalog.db.all<{n: number}>('SELECT count(*)::INTEGER AS n FROM mc.metricat.source_leases')
    expect(n).toBe(0)
  })
})

describe('stopping (SIGTERM) during a run', () => {
  it('stops the program after the grace period and records the job as interrupted, not as a failure', async () => {
    const started = path.join(dir, 'started')
    await add('slow', {command: `touch '${started}'; sleep 30`, poll_frequency: 'hourly', timeout_seconds: 120})
    clock.advance(HOUR)
    const scheduler = new Scheduler(catalog, {clock})
    const run = scheduler.runDue()
    // wait for the program to have started (a condition, not a duration)
    while (!existsSync(started)) await new Promise((r) => setTimeout(r, 20))
    await scheduler.stop(0)
    expect(await run).toEqual([expect.objectContaining({id: 'slow', status: 'interrupted'})])
    expect(await source('slow')).toMatchObject({status: 'active', failure_count: 0})
    const [job] = await listJobs(catalog, {dataSourceId: 'slow'})
    expect(job).toMatchObject({status: 'interrupted'})
    // still due: the next scheduler runs it
    expect((await source('slow')).next_poll_at).toBe(stamp(T0 + HOUR))
  })
})

describe('migration 7 (scheduled sources) on a database written before it', () => {
  it('keeps jobs (succeeded becomes completed) and gives sources a status from their failures', async () => {
    const {Database} = await import('../../src/db/connection.js')
    const {MIGRATIONS} = await import('../../src/db/migrations/index.js')
    const {migrate} = await import('../../src/db/migrator.js')
    const db = await Database.open(path.join(dir, 'old.duckdb'))
    try {
      await migrate(
        db,
        MIGRATIONS.filter((m) => m.version < 7),
      )
      await db.run(`INSERT INTO mc.metricat.jobs (id, kind, started_at, finished_at, status, points_read) VALUES ('j1', 'run', TIMESTAMP '2026-01-01', TIMESTAMP '2026-01-01 00:00:02', 'succeeded', 3), ('j2', 'ingest', TIMESTAMP '2026-01-02', NULL, 'failed', 0)`)
      await db.run(
        `INSERT INTO mc.metricat.data_sources (id, name, command, created_at, updated_at, last_run_at, last_status, failure_count) VALUES ('ok', 'ok', 'true', now()::TIMESTAMP, now()::TIMESTAMP, TIMESTAMP '2026-01-01', 'succeeded', 0), ('bad', 'bad', 'false', now()::TIMESTAMP, now()::TIMESTAMP, TIMESTAMP '2026-01-01', 'failed', 2)`,
      )
      await migrate(db)
      const jobs = await db.all<{id: string; status: string; points_read: number}>('SELECT id, status, points_read::INTEGER AS points_read FROM mc.metricat.jobs ORDER BY id')
      expect(jobs).toEqual([
        {id: 'j1', status: 'completed', points_read: 3},
        {id: 'j2', status: 'failed', points_read: 0},
      ])
      const sources = await db.all<{id: string; status: string; last_success_at: string | null; max_failures: number}>(
        `SELECT id, status, strftime(last_success_at, '%Y-%m-%d') AS last_success_at, max_failures FROM mc.metricat.data_sources ORDER BY id`,
      )
      expect(sources).toEqual([
        {id: 'bad', status: 'failing', last_success_at: null, max_failures: 5},
        {id: 'ok', status: 'active', last_success_at: '2026-01-01', max_failures: 5},
      ])
    } finally {
      db.close()
    }
  })
})
