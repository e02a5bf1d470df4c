// The real binary (`bin/run.js` in a child process), for what only a child process shows: exit
// codes as the shell sees them, what goes to stdout and what to stderr, --json, a piped stdin.
// Everything else about the commands is tested in-process (runCommand), which is ~10x cheaper.
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {copyFixture, runCli, runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = path.join(dir, 'e2e.duckdb')
  // setup, in-process: the child processes are for the cases below
  expect((await runCommand(['init', '--db', db])).code).toBe(0)
  const imported = await runCommand(['import', copyFixture('metrics', dir), '--db', db, '--json'])
  expect(imported.stderr).toBe('')
  expect(imported.code).toBe(0)
})
afterAll(() => cleanup())

describe('metricat binary (child process)', () => {
  it('exit 0: the result on stdout, nothing on stderr; --json is one JSON document', async () => {
    const r = await runCli(['show', 'revenue/mrr', '--db', db, '--json'])
    expect(r).toMatchObject({code: 0, stderr: ''})
    expect(JSON.parse(r.stdout)).toMatchObject({id: 'revenue/mrr', version: 1})
  })

  it('exit 1 for a user error: one error line and a hint on stderr, nothing on stdout', async () => {
    const r = await runCli(['show', 'revenue/mr', '--db', db])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^Error: .*revenue\/mr.*\nHint: .+\n$/)
  })

  it('exit 1 under --json: the error object on stdout, the error line on stderr', async () => {
    const r = await runCli(['show', 'revenue/mr', '--db', db, '--json'])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toMatchObject({error: {code: 'NOT_FOUND'}})
    expect(r.stderr).toMatch(/^Error: /)
  })

  it('exit 2 for a usage error', async () => {
    const r = await runCli(['query', 'revenue/mrr', '--grain', 'fortnight', '--db', db])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^Error: .*--grain/)
  })

  it('reads points from a piped stdin', async () => {
    const r = await runCli(['ingest', '-', '--db', db, '--json'], {input: '{"metricKey":"e2e.points","date":"2026-05-01","value":3}\n'})
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({source: 'stdin', points: 1, inserted: 1})
  })
})
