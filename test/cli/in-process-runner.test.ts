import {existsSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {copyFixture, emptyDatabase, runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = path.join(dir, 'inproc.duckdb')
  await emptyDatabase(dir, path.basename(db))
  expect((await runCommand(['import', copyFixture('metrics', dir), '--db', db])).code).toBe(0)
})
afterAll(() => cleanup())

// The runner other CLI tests rely on: it must report what the binary would.
describe('runCommand (in-process CLI runner)', () => {
  it("captures this.log output and exit code 0, without touching the test's own streams", async () => {
    const r = await runCommand(['list', '--db', db])
    expect(r).toMatchObject({code: 0, stderr: ''})
    expect(r.stdout).toContain('revenue/mrr')
    expect(r.stdout).not.toMatch(/\u001B\[/)
    expect(process.exitCode ?? 0).toBe(0)
  })

  it('captures --json on stdout', async () => {
    const r = await runCommand(['show', 'revenue/mrr', '--db', db, '--json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({id: 'revenue/mrr', version: 1})
  })

  it('reports exit 1 and the error line on stderr for a user error, and resets process.exitCode', async () => {
    const r = await runCommand(['show', 'no/such', '--db', db])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^Error: .*no\/such/)
    expect(process.exitCode ?? 0).toBe(0)
  })

  it('reports exit 2 for a usage error', async () => {
    const r = await runCommand(['show', '--db', db])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^Error: Missing 1 required arg/)
  })

  it("reports oclif's own errors (unknown command) through its handler, exit 2 not process.exit", async () => {
    const r = await runCommand(['definitely-not-a-command'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/definitely-not-a-command/)
  })

  it('applies env overrides (METRICAT_DB) and restores them', async () => {
    const file = path.join(dir, 'env.duckdb')
    const r = await runCommand(['init'], {env: {METRICAT_DB: file}})
    expect(r.code).toBe(0)
    expect(existsSync(file)).toBe(true)
    expect(process.env.METRICAT_DB).not.toBe(file)
  })

  it('runs in the given cwd (the default database is ./metricat.duckdb there) and restores it', async () => {
    const before = process.cwd()
    const r = await runCommand(['init'], {cwd: dir})
    expect(r.code).toBe(0)
    expect(existsSync(path.join(dir, 'metricat.duckdb'))).toBe(true)
    expect(process.cwd()).toBe(before)
  })

  it('feeds input to stdin', async () => {
    const r = await runCommand(['ingest', '-', '--db', db, '--json'], {input: '{"metricKey":"x.y","date":"2026-01-01","value":1,"entityKind":"repo","entityId":"a"}\n'})
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({points: 1, inserted: 1})
  })

  it('serialises concurrent calls so their outputs do not mix', async () => {
    const [a, b] = await Promise.all([runCommand(['show', 'revenue/mrr', '--db', db, '--json']), runCommand(['show', 'revenue/arr', '--db', db, '--json'])])
    expect(JSON.parse(a.stdout).id).toBe('revenue/mrr')
    expect(JSON.parse(b.stdout).id).toBe('revenue/arr')
  })

  it('prints help for --help with exit 0', async () => {
    const r = await runCommand(['query', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/USAGE/)
  })
})
