import path from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {listDataSources, listJobs, runPoints, runPointsRemote, type IngestResult, type RunReport, type RunReportResult} from '../../src/core/points.js'
import {CatalogError} from '../../src/errors.js'
import {commandLine} from '../../src/points/runner.js'
import {FIXTURES, newCatalog, tempDir} from '../helpers.js'

const fixture = (name: string) => path.join(FIXTURES, 'points', name)
const NODE = process.execPath

let cleanup: () => void
let catalog: Catalog

// one catalog for the file: each test starts with no points, jobs, sources or leases, as in a new
// catalog (opening a new one and closing it after a write cost ~0.1 s of CPU per test)
beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  catalog = await newCatalog(t.dir)
})
afterEach(async () => {
  for (const table of ['metric_points', 'jobs', 'data_sources', 'source_leases']) await catalog.db.run(`DELETE FROM mc.metricat.${table}`)
})
afterAll(() => {
  catalog.close()
  cleanup()
})

async function count(where = 'true'): Promise<number> {
  const [row] = await catalog.db.all<{n: number}>(`SELECT count(*)::INTEGER AS n FROM metricat.metric_points WHERE ${where}`)
  return row!.n
}

async function failure(promise: Promise<unknown>): Promise<CatalogError> {
  const error = await promise.catch((e: unknown) => e)
  expect(error).toBeInstanceOf(CatalogError)
  return error as CatalogError
}

describe('runPoints with real programs', () => {
  it('ingests the NDJSON a node script prints', async () => {
    const result = await runPoints(catalog, {argv: [NODE, fixture('players.mjs'), '3']})
    expect(result).toMatchObject({exitCode: 0, registered: false, ingest: {format: 'ndjson', points: 6, inserted: 6}})
    expect(result.command).toBe(commandLine([NODE, fixture('players.mjs'), '3']))
    expect(await count("metric_key = 'game.players' AND granularity = 'day'")).toBe(6)
  })

  it('ingests the {"points": [...]} document a python script prints, filling entity fields from the flags', async () => {
    const result = await runPoints(catalog, {argv: ['python3', fixture('players.py')], defaults: {entityKind: 'game', entityId: '730', connectorKey: 'reviews-py', sourceKind: 'api'}})
    expect(result.ingest).toMatchObject({format: 'json', points: 3, inserted: 3})
    const rows = await catalog.db.all<{entity_kind: string; entity_id: string; connector_key: string; source_kind: string; date: string}>(
      `SELECT entity_kind, entity_id, connector_key, source_kind, "date"::VARCHAR AS "date" FROM metricat.metric_points ORDER BY "date", dimensions`,
    )
    expect(rows.map((r) => [r.date, r.entity_kind, r.entity_id, r.connector_key, r.source_kind])).toEqual([
      ['2026-05-01 10:00:00', 'game', '730', 'reviews-py', 'api'],
      ['2026-05-01 10:00:00', 'game', '730', 'reviews-py', 'api'],
      ['2026-05-02 00:00:00', 'game', '570', 'reviews-py', 'api'],
    ])
  })

  it('ingests what a shell script prints, and running it again changes nothing', async () => {
    expect((await runPoints(catalog, {argv: ['sh', fixture('stars.sh')]})).ingest).toMatchObject({inserted: 2})
    expect((await runPoints(catalog, {argv: ['sh', fixture('stars.sh')]})).ingest).toMatchObject({inserted: 0, updated: 0, unchanged: 2})
  })

  it('ingests nothing when the program exits non-zero, and says so', async () => {
    const error = await failure(runPoints(catalog, {argv: ['sh', fixture('fails.sh')]}))
    expect(error.code).toBe('RUN_FAILED')
    expect(error.message).toBe(`sh ${fixture('fails.sh')} exited with code 3; nothing was ingested`)
    expect(await count()).toBe(0)
  })

  it('ingests nothing when the program prints an invalid point, listing the bad lines', async () => {
    const error = await failure(runPoints(catalog, {argv: [NODE, fixture('invalid.mjs')]}))
    expect(error.code).toBe('VALIDATION')
    expect(error.problems.map((p) => [p.line, p.message])).toEqual([
      [2, expect.stringMatching(/^invalid JSON/)],
      [3, 'value must be a number, got a string "n/a"'],
    ])
    expect(await count()).toBe(0)
  })

  it('reports the exit status rather than the output when the program fails and prints junk', async () => {
    const error = await failure(runPoints(catalog, {argv: ['sh', '-c', 'echo oops; exit 1']}))
    expect(error.code).toBe('RUN_FAILED')
    expect(error.message).toMatch(/exited with code 1/)
  })

  it('fails plainly for a program that does not exist', async () => {
    const error = await failure(runPoints(catalog, {argv: ['metricat-no-such-program']}))
    expect(error.message).toBe('metricat-no-such-program could not be started: command not found; nothing was ingested')
  })

  it('stops a program that overruns --timeout', async () => {
    const error = await failure(runPoints(catalog, {argv: ['sh', fixture('slow.sh')], timeoutMs: 300}))
    expect(error.message).toMatch(/timed out after 0 s and was stopped; nothing was ingested/)
    expect(await count()).toBe(0)
  })

  it('records every run in jobs with its exit code', async () => {
    await runPoints(catalog, {argv: ['sh', fixture('stars.sh')]})
    await runPoints(catalog, {argv: ['sh', fixture('fails.sh')]}).catch(() => undefined)
    const jobs = await listJobs(catalog)
    expect(jobs.map((j) => [j.kind, j.status, j.exit_code, j.rows_inserted])).toEqual(
      expect.arrayContaining([
        ['run', 'completed', 0, 2],
        ['run', 'failed', 3, 0],
      ]),
    )
    expect(jobs.find((j) => j.status === 'failed')!.error).toMatch(/exited with code 3/)
  })
})

describe('runPoints with a data source', () => {
  it('registers an unknown data source on first use and tags the points with it', async () => {
    const result = await runPoints(catalog, {argv: ['sh', fixture('stars.sh')], defaults: {dataSourceId: 'gh', connectorKey: 'stars-sh'}})
    expect(result).toMatchObject({registered: true, dataSourceId: 'gh'})
    const [source] = await listDataSources(catalog)
    expect(source).toMatchObject({id: 'gh', name: 'gh', connector_key: 'stars-sh', command: `sh ${fixture('stars.sh')}`, last_status: 'succeeded', last_error: null, failure_count: 0})
    expect(source!.last_run_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
    expect(await count("data_source_id = 'gh'")).toBe(2)
    expect((await listJobs(catalog))[0]).toMatchObject({kind: 'run', data_source_id: 'gh'})
  })

  it('counts consecutive failures with the last error, and resets them on success', async () => {
    const gh = {dataSourceId: 'gh'}
    await runPoints(catalog, {argv: ['sh', fixture('fails.sh')], defaults: gh}).catch(() => undefined)
    await runPoints(catalog, {argv: [NODE, fixture('invalid.mjs')], defaults: gh}).catch(() => undefined)
    let [source] = await listDataSources(catalog)
    expect(source).toMatchObject({id: 'gh', last_status: 'failed', failure_count: 2})
    expect(source!.last_error).toMatch(/^stdin|invalid JSON|line 2|:2/)
    const failedAt = source!.last_run_at!
    await runPoints(catalog, {argv: ['sh', fixture('stars.sh')], defaults: gh})
    ;[source] = await listDataSources(catalog)
    expect(source).toMatchObject({last_status: 'succeeded', last_error: null, failure_count: 0})
    expect(source!.last_run_at! >= failedAt).toBe(true)
  })

  it('records the exit status as the last error of a failed program', async () => {
    await runPoints(catalog, {argv: ['sh', fixture('fails.sh')], defaults: {dataSourceId: 'gh'}}).catch(() => undefined)
    expect((await listDataSources(catalog))[0]).toMatchObject({last_error: 'exited with code 3', failure_count: 1})
    expect(await count()).toBe(0)
  })

  it("runs the data source's stored command and fills its entity fields when no command is given", async () => {
    await runPoints(catalog, {argv: [NODE, fixture('players.mjs'), '1'], defaults: {dataSourceId: 'steam', entityKind: 'game', entityId: '730'}})
    const result = await runPoints(catalog, {defaults: {dataSourceId: 'steam'}})
    expect(result.ingest).toMatchObject({points: 2, unchanged: 2})
    expect(await count("entity_kind = 'game' AND entity_id = '730' AND data_source_id = 'steam'")).toBe(2)
  })

  it('refuses to run without a command when the data source has none', async () => {
    const error = await failure(runPoints(catalog, {defaults: {dataSourceId: 'unknown'}}))
    expect(error.message).toMatch(/nothing to run: give a command after --/)
  })
})

describe('runPointsRemote', () => {
  it('reports the checked points, with flags filled in, after the program succeeded; failures are reported without points', async () => {
    const sent: RunReport[] = []
    const send = async (report: RunReport): Promise<RunReportResult> => {
      sent.push(report)
      return {jobId: 'j', status: report.status, command: report.command, registered: false, ingest: {points: report.points?.length ?? 0} as IngestResult}
    }
    await runPointsRemote(send, {argv: ['sh', fixture('stars.sh')], defaults: {sourceKind: 'api'}})
    expect(sent).toEqual([
      expect.objectContaining({status: 'succeeded', sourceKind: 'api', points: [expect.objectContaining({metricKey: 'repo.stars', value: 10, sourceKind: 'api'}), expect.objectContaining({value: 12})]}),
    ])
    await expect(runPointsRemote(send, {argv: ['sh', fixture('fails.sh')]})).rejects.toThrow(/exited with code/)
    await expect(runPointsRemote(send, {argv: [NODE, fixture('invalid.mjs')]})).rejects.toThrow(/nothing was ingested/)
    expect(sent.slice(1).map((r) => [r.status, r.points])).toEqual([
      ['failed', undefined],
      ['failed', undefined],
    ])
    expect(sent[1]!.error).toMatch(/^exited with code/)
  })
})
