import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import Ingest from '../../src/commands/ingest.js'
import Points from '../../src/commands/points.js'
import Run from '../../src/commands/run.js'
import SourcesAdd from '../../src/commands/sources/add.js'
import SourcesList from '../../src/commands/sources/list.js'
import SourcesRemove from '../../src/commands/sources/remove.js'
import {emptyDatabase, runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string

const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = path.join(dir, 'query.duckdb')
  const file = path.join(dir, 'p.ndjson')
  const points = [
    {metricKey: 'game.players', date: '2026-01-05', value: 10, dimensions: {platform: 'steam'}},
    {metricKey: 'game.players', date: '2026-01-06', value: 5, dimensions: {platform: 'epic'}},
    {metricKey: 'game.players', date: '2026-03-02', value: 7, dimensions: {platform: 'steam'}},
  ]
  writeFileSync(file, points.map((p) => JSON.stringify(p)).join('\n'))
  await emptyDatabase(dir, path.basename(db))
  expect((await runCommand(['ingest', file, '--db', db])).code).toBe(0)
})
afterAll(() => cleanup())

describe('metricat points (in-process)', () => {
  it('prints a gap-filled table', async () => {
    const r = await runCommand(['points', 'game.players', '--db', db, '--bucket', 'month'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      [
        '┌────────────┬───────┐',
        '│ period     │ value │',
        '│ 2026-01-01 │ 15    │',
        '│ 2026-02-01 │ 0     │',
        '│ 2026-03-01 │ 7     │',
        '└────────────┴───────┘',
        '',
      ].join('\n'),
    )
    expect(r.stderr).toBe('3 rows\n')
  })

  it('splits by a dimension and filters with --where, as CSV', async () => {
    const r = await runCommand(['points', 'game.players', '--db', db, '--bucket', 'month', '--by', 'platform', '--where', 'platform in steam,epic', '--from', '2026-01-01', '--to', '2026-03-01', '--format', 'csv'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('period,platform,value\n2026-01-01,epic,5\n2026-01-01,steam,10\n2026-02-01,epic,0\n2026-02-01,steam,0\n')
  })

  it('returns rows, SQL and parameters under --json', async () => {
    const r = await runCommand(['points', 'game.players', '--db', db, '--bucket', 'none', '--agg', 'max', '--where', 'platform=steam', '--json'])
    expect(r.code).toBe(0)
    expect(json(r.stdout)).toEqual({key: 'game.players', bucket: 'none', agg: 'max', columns: ['value'], rows: [{value: 10}], sql: expect.any(String), params: ['game.players', '/platform', 'steam'], cached: false})
  })

  it('rejects an unknown bucket as a usage error and a bad date with exit 1', async () => {
    expect((await runCommand(['points', 'game.players', '--db', db, '--bucket', 'fortnight'])).code).toBe(2)
    const bad = await runCommand(['points', 'game.players', '--db', db, '--from', 'yesterday'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^Error: bad date "yesterday" for from/)
  })
})

describe('metricat sources (in-process)', () => {
  it('adds, lists, updates and removes a data source', async () => {
    const add = await runCommand(['sources', 'add', 'steam', '--db', db, '--name', 'Steam players', '--connector-key', 'steam-api', '--source-kind', 'api', '--entity-kind', 'game', '--entity-id', '730', '--command', 'python3 steam.py', '--schedule', '0 * * * *'])
    expect(add.code).toBe(0)
    expect(add.stdout).toMatch(/^Added data source steam; next poll \d{4}-\d\d-\d\dT[\d:.]+Z\n$/)

    const again = await runCommand(['sources', 'add', 'steam', '--db', db])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/^Error: data source steam already exists; pass --update/)

    expect((await runCommand(['sources', 'add', 'steam', '--db', db, '--update', '--schedule', '*/15 * * * *'])).stdout).toMatch(/^Updated data source steam; next poll \S+Z\n$/)
    const list = await runCommand(['sources', 'list', '--db', db, '--json'])
    expect(json(list.stdout).sources).toMatchObject([
      {
        id: 'steam',
        name: 'Steam players',
        connector_key: 'steam-api',
        source_kind: 'api',
        entity_kind: 'game',
        entity_id: '730',
        command: 'python3 steam.py',
        schedule: '*/15 * * * *',
        created_at: expect.stringMatching(/Z$/),
        updated_at: expect.stringMatching(/Z$/),
        last_run_at: null,
        last_status: null,
        last_error: null,
        failure_count: 0,
      },
    ])
    const table = await runCommand(['sources', 'list', '--db', db])
    expect(table.stdout).toMatch(/│ steam +│ python3 steam\.py │ daily +│ series │ active │/)

    const removed = await runCommand(['sources', 'remove', 'steam', '--db', db, '--json'])
    expect(json(removed.stdout)).toEqual({id: 'steam', removed: true, pointsDeleted: 0})
    const gone = await runCommand(['sources', 'remove', 'steam', '--db', db])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toMatch(/^Error: unknown data source steam/)
  })

  it('removes a data source with its points when asked', async () => {
    const file = path.join(dir, 'src.ndjson')
    writeFileSync(file, '{"metricKey":"x","date":"2026-01-01","value":1}\n{"metricKey":"x","date":"2026-01-02","value":2}\n')
    expect((await runCommand(['ingest', file, '--db', db, '--data-source-id', 'tmp'])).code).toBe(0)
    expect((await runCommand(['sources', 'add', 'tmp', '--db', db])).code).toBe(0)
    const r = await runCommand(['sources', 'remove', 'tmp', '--delete-points', '--db', db])
    expect(r.stdout).toBe('Removed data source tmp and its 2 points\n')
    expect(json((await runCommand(['points', 'x', '--db', db, '--bucket', 'none', '--agg', 'count', '--json'])).stdout).rows).toEqual([{value: 0}])
  })
})

describe('points commands', () => {
  it.each([
    ['ingest', Ingest],
    ['run', Run],
    ['points', Points],
    ['sources add', SourcesAdd],
    ['sources list', SourcesList],
    ['sources remove', SourcesRemove],
  ] as [string, {summary?: string; examples?: string[]}][])('%s has a summary and examples', (_, command) => {
    expect(command.summary).toMatch(/\w/)
    expect(command.examples?.length).toBeGreaterThan(0)
  })
})
