import {spawn} from 'node:child_process'
import {createWriteStream, existsSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {Database} from '../../src/db/connection.js'
import {BIN, ROOT, emptyDatabase, runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string

const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>
const ndjson = (points: unknown[]) => `${points.map((p) => JSON.stringify(p)).join('\n')}\n`

const POINTS = [
  {metricKey: 'game.players', date: '2026-05-01', value: 100, dimensions: {platform: 'steam'}},
  {metricKey: 'game.players', date: '2026-05-02', value: 120, dimensions: {platform: 'steam'}},
  {metricKey: 'game.players', date: '2026-05-01', value: 40, dimensions: {platform: 'epic'}},
]

async function pointCount(file: string, where = 'true'): Promise<number> {
  const database = await Database.open(file)
  try {
    const [row] = await database.all<{n: number}>(`SELECT count(*)::INTEGER AS n FROM metricat.metric_points WHERE ${where}`)
    return row!.n
  } finally {
    database.close()
  }
}

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = path.join(dir, 'points.duckdb')
  await emptyDatabase(dir, path.basename(db))
})
afterAll(() => cleanup())

describe('metricat ingest (in-process)', () => {
  it('ingests an NDJSON file and prints the counts', async () => {
    const file = path.join(dir, 'players.ndjson')
    writeFileSync(file, ndjson(POINTS))
    const r = await runCommand(['ingest', file, '--db', db])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('Ingested 3 points: 3 inserted, 0 updated, 0 unchanged\n')
    expect(r.stderr).toBe('')
  })

  it('changes nothing when the same file is ingested again, and says so under --json', async () => {
    const file = path.join(dir, 'players.ndjson')
    const r = await runCommand(['ingest', file, '--db', db, '--json'])
    expect(r.code).toBe(0)
    expect(json(r.stdout)).toEqual({
      jobId: expect.any(String),
      source: file,
      format: 'ndjson',
      points: 3,
      distinct: 3,
      duplicates: 0,
      inserted: 0,
      updated: 0,
      unchanged: 3,
      ms: expect.any(Number),
    })
  })

  it('reads a {"points": [...]} document from stdin with -', async () => {
    const doc = JSON.stringify({points: [{...POINTS[0], value: 101}, {metricKey: 'game.players', date: '2026-05-03', value: 1}]}, null, 2)
    const r = await runCommand(['ingest', '-', '--db', db, '--entity-kind', 'game', '--json'], {input: doc})
    expect(r.code).toBe(0)
    expect(json(r.stdout)).toMatchObject({source: 'stdin', format: 'json', points: 2, inserted: 2, updated: 0})
    // the flag filled entityKind, so these are new keys, not updates of the earlier points
    expect(await pointCount(db, "entity_kind = 'game'")).toBe(2)
  })

  it('rejects a file with invalid points as a whole, listing every bad line on stderr', async () => {
    const file = path.join(dir, 'bad.ndjson')
    const lines = [JSON.stringify({...POINTS[0], value: 555}), JSON.stringify({...POINTS[1], value: 'many'}), JSON.stringify({...POINTS[2], colour: 'red'}), '{oops']
    writeFileSync(file, `${lines.join('\n')}\n`)
    const before = await pointCount(db)
    const r = await runCommand(['ingest', file, '--db', db])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error: '))
    expect(errors).toEqual([
      `Error: ${file}:2 /value: value must be a number, got a string "many"`,
      `Error: ${file}:3 /colour: unknown field "colour"; a point has metricKey, date, value, granularity, dimensions, entityKind, entityId, dataSourceId, connectorKey, sourceKind, op`,
      expect.stringMatching(new RegExp(`^Error: ${file.replaceAll('/', '\\/')}:4: invalid JSON`)),
    ])
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(await pointCount(db)).toBe(before)
    expect(await pointCount(db, 'value = 555')).toBe(0)
  })

  it('prints the problems under --json with their lines', async () => {
    const file = path.join(dir, 'bad2.ndjson')
    writeFileSync(file, ndjson([{...POINTS[0], date: 'soon'}]))
    const r = await runCommand(['ingest', file, '--db', db, '--json'])
    expect(r.code).toBe(1)
    expect(json(r.stdout).error).toMatchObject({
      code: 'VALIDATION',
      details: {invalid: 1, problems: [{file, line: 1, index: 0, path: '/date', message: expect.stringMatching(/^date must be an ISO 8601 date/)}]},
    })
  })

  it('says plainly when the file does not exist', async () => {
    const r = await runCommand(['ingest', path.join(dir, 'nope.ndjson'), '--db', db])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^Error: no such file: .*nope\.ndjson/)
  })

  // The ingest reads the file through one descriptor; its offset in /proc/PID/fdinfo says how far
  // the reading got, so the kill lands in the phase under test whatever the machine's speed.
  it.skipIf(!existsSync('/proc/self/fdinfo'))('leaves the previous data intact when killed (SIGKILL) in the middle of a large file', async () => {
    const big = await bigFile()
    const file = await baselineDb('kill-reading.duckdb')
    const before = await pointCount(file)
    expect(before).toBe(3)

    const size = statSync(big).size
    const {killedAt} = await killWhen(file, big, (offset) => offset !== undefined && offset > 0 && offset < size / 2)
    expect(killedAt).toBeGreaterThan(0)
    expect(killedAt).toBeLessThan(size)

    // The file opens again (no stale staging, no half batch) and holds exactly what it held before.
    expect(await pointCount(file)).toBe(before)
    expect(await pointCount(file, "metric_key = 'big'")).toBe(0)
    const again = await runCommand(['ingest', path.join(dir, 'players.ndjson'), '--db', file, '--json'])
    expect(again.code).toBe(0)
    expect(json(again.stdout)).toMatchObject({unchanged: 3})
  }, 120_000)

  it.skipIf(!existsSync('/proc/self/fdinfo'))('applies all or nothing when killed (SIGKILL) after the whole file was read', async () => {
    // smaller: the kill waits for the whole file to be read, and the outcome does not depend on its size
    const big = await bigFile(WHOLE)
    const file = await baselineDb('kill-writing.duckdb')
    const size = statSync(big).size
    let seen = false
    // the file was read to the end (or closed): staging is complete, the batch is being written
    const {killedAt} = await killWhen(file, big, (offset) => {
      if (offset !== undefined) seen = true
      return seen && (offset === undefined || offset >= size)
    })
    expect(killedAt).toBeDefined()
    const after = await pointCount(file, "metric_key = 'big'")
    // killed before COMMIT: nothing; the commit won the race: everything
    expect([0, WHOLE]).toContain(after)
    expect(await pointCount(file)).toBe(3 + after)
  }, 120_000)
})

/** points in the file killed while it is read: large enough that the reading takes many polls (of 2 ms) */
const BIG = 150_000
/** points in the file killed once it was read */
const WHOLE = 20_000

/** An NDJSON file of `lines` points with metric key `big`. */
async function bigFile(lines = BIG): Promise<string> {
  const file = path.join(dir, `big-${lines}.ndjson`)
  const out = createWriteStream(file)
  for (let i = 0; i < lines; i += 10_000) {
    let chunk = ''
    for (let j = i; j < i + 10_000; j++) chunk += `{"metricKey":"big","date":"2026-01-01T00:00:00Z","value":${j},"entityId":"e${j}","dimensions":{"n":${j % 13}}}\n`
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
  }
  await new Promise<void>((r) => out.end(() => r()))
  return file
}

/** A fresh database holding the three POINTS. */
async function baselineDb(name: string): Promise<string> {
  const file = path.join(dir, name)
  const players = path.join(dir, 'players.ndjson')
  writeFileSync(players, ndjson(POINTS))
  await emptyDatabase(dir, name)
  expect((await runCommand(['ingest', players, '--db', file])).code).toBe(0)
  return file
}

/** How far process `pid` has read `file` (its descriptor's offset), or undefined while it is not open. */
function readOffset(pid: number, file: string): number | undefined {
  let fds: string[]
  try {
    fds = readdirSync(`/proc/${pid}/fd`)
  } catch {
    return undefined
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== file) continue
      return Number(/^pos:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))?.[1])
    } catch {
      continue
    }
  }
  return undefined
}

/** Runs `ingest FILE` and SIGKILLs it once `when(offset)` holds; returns the offset at the kill. */
async function killWhen(database: string, file: string, when: (offset: number | undefined) => boolean): Promise<{killedAt?: number}> {
  const child = spawn(process.execPath, [BIN, 'ingest', file, '--db', database], {cwd: ROOT, env: {...process.env, NO_COLOR: '1'}, stdio: 'ignore'})
  const exited = new Promise((r) => child.on('exit', r))
  let killedAt: number | undefined
  while (child.exitCode === null && child.signalCode === null) {
    const offset = readOffset(child.pid!, file)
    if (when(offset)) {
      killedAt = offset ?? -1
      child.kill('SIGKILL')
      break
    }
    await new Promise((r) => setTimeout(r, 2))
  }
  await exited
  if (killedAt !== undefined) expect(child.signalCode).toBe('SIGKILL')
  return {killedAt}
}
