import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {FIXTURES, emptyDatabase, runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string

const fixture = (name: string) => path.join(FIXTURES, 'points', name)
const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = path.join(dir, 'run.duckdb')
  await emptyDatabase(dir, path.basename(db))
})
afterAll(() => cleanup())

describe('metricat run (in-process)', () => {
  // The program's stderr is passed through to ours (process.stderr), which runCommand captures.
  it("ingests a node script's points and passes its stderr through", async () => {
    const r = await runCommand(['run', '--db', db, '--', process.execPath, fixture('players.mjs'), '2'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`Ran ${process.execPath} ${fixture('players.mjs')} 2: 4 points: 4 inserted, 0 updated, 0 unchanged\n`)
    // progress lines (`run: ...`) appear when the run takes long enough, which depends on the machine's load
    expect(r.stderr.replace(/^run: .*\n/gm, '')).toBe('fetching 2 days of player counts\n')
  })

  it("ingests a python script's document with the flags' entity fields, registering the data source", async () => {
    const r = await runCommand(['run', '--db', db, '--json', '--data-source-id', 'reviews', '--entity-kind', 'game', '--entity-id', '730', '--source-kind', 'api', '--', 'python3', fixture('players.py')])
    expect(r.code).toBe(0)
    expect(json(r.stdout)).toEqual({
      command: `python3 ${fixture('players.py')}`,
      exitCode: 0,
      dataSourceId: 'reviews',
      registered: true,
      ingest: expect.objectContaining({format: 'json', points: 3, inserted: 3, source: `python3 ${fixture('players.py')}`}),
    })
    expect(r.stderr).toContain('python connector: 3 points')
    const sources = json((await runCommand(['sources', 'list', '--db', db, '--json'])).stdout).sources
    expect(sources).toEqual([
      expect.objectContaining({id: 'reviews', entity_kind: 'game', entity_id: '730', source_kind: 'api', command: `python3 ${fixture('players.py')}`, last_status: 'succeeded', failure_count: 0}),
    ])
  })

  it('exits 1 and ingests nothing when the program fails, showing its stderr and the reason', async () => {
    const r = await runCommand(['run', '--db', db, '--data-source-id', 'stars', '--', 'sh', fixture('fails.sh')])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain('upstream API returned 503\n')
    expect(r.stderr).toContain(`Error: sh ${fixture('fails.sh')} exited with code 3; nothing was ingested\n`)
    const points = json((await runCommand(['points', 'repo.stars', '--db', db, '--bucket', 'none', '--agg', 'count', '--json'])).stdout)
    expect(points.rows).toEqual([{value: 0}])
    const [source] = json((await runCommand(['sources', 'list', '--db', db, '--json'])).stdout).sources.filter((s: {id: string}) => s.id === 'stars')
    expect(source).toMatchObject({last_status: 'failed', last_error: 'exited with code 3', failure_count: 1})
  })

  it('exits 1 and ingests nothing when the program prints invalid points, with their lines', async () => {
    const r = await runCommand(['run', '--db', db, '--', process.execPath, fixture('invalid.mjs')])
    expect(r.code).toBe(1)
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error: '))
    expect(errors).toEqual([expect.stringMatching(/:2: invalid JSON/), expect.stringMatching(/:3 \/value: value must be a number, got a string "n\/a"$/)])
  })

  it('runs the stored command of a data source when none is given', async () => {
    const add = await runCommand(['sources', 'add', 'gh', '--db', db, '--command', `sh ${fixture('stars.sh')}`, '--connector-key', 'stars-sh'])
    expect(add.code).toBe(0)
    const r = await runCommand(['run', '--db', db, '--data-source-id', 'gh', '--json'])
    expect(r.code).toBe(0)
    expect(json(r.stdout)).toMatchObject({command: `sh ${fixture('stars.sh')}`, registered: false, ingest: {inserted: 2}})
  })

  it('is a usage error without a command and without a data source', async () => {
    const r = await runCommand(['run', '--db', db])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/nothing to run: give a command after --/)
  })
})
