// CLI ergonomics: `help COMMAND` and `-h`, a mistyped command names the closest ones, and an error
// about something missing says what to do next for that thing (init, the path, list...).
import {existsSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {copyFixture, emptyDatabase, runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = path.join(dir, 'hints.duckdb')
  await emptyDatabase(dir, path.basename(db))
  expect((await runCommand(['import', copyFixture('metrics', dir), '--db', db])).code).toBe(0)
})
afterAll(() => cleanup())

const hint = (stderr: string) => stderr.split('\n').find((l) => l.startsWith('Hint: '))

describe('help', () => {
  it('`help query`, `query -h` and `query --help` print the same help, exit 0', async () => {
    const long = await runCommand(['query', '--help'])
    expect(long.code).toBe(0)
    expect(long.stdout).toContain('USAGE')
    expect(long.stdout).toContain('$ metricat query')
    for (const args of [['help', 'query'], ['query', '-h']]) {
      const r = await runCommand(args)
      expect(r).toEqual({code: 0, stdout: long.stdout, stderr: ''})
    }
  })

  it('`help sources add` reaches a command under a topic; `help` alone lists the commands', async () => {
    const sub = await runCommand(['help', 'sources', 'add'])
    expect(sub.code).toBe(0)
    expect(sub.stdout).toContain('$ metricat sources add')
    const root = await runCommand(['help'])
    expect(root.code).toBe(0)
    expect(root.stdout).toMatch(/COMMANDS[\s\S]*query/)
  })

  it('`help --json` lists every command with its summary; `help query --json` its flags and examples', async () => {
    const all = await runCommand(['help', '--json'])
    expect(all.code).toBe(0)
    const commands = JSON.parse(all.stdout).commands as {command: string; summary: string}[]
    expect(commands.map((c) => c.command)).toEqual(expect.arrayContaining(['query', 'sources add', 'help']))
    expect(commands.every((c) => c.summary)).toBe(true)
    const one = JSON.parse((await runCommand(['help', 'query', '--json'])).stdout)
    expect(one).toMatchObject({command: 'query', summary: expect.any(String)})
    expect(Object.keys(one.flags)).toEqual(expect.arrayContaining(['by', 'where', 'grain', 'db', 'json']))
    expect(one.examples[0]).toMatch(/^metricat query /)
  })
})

describe('a mistyped command', () => {
  it.each([
    [['quer', 'revenue/mrr'], 'quer', '`metricat query`'],
    [['shwo', 'revenue/mrr'], 'shwo', '`metricat show`'],
    [['sources', 'ad', 'x'], 'sources ad', '`metricat sources add`'],
    [['help', 'qery'], 'qery', '`metricat query`'],
  ])('%j is a usage error naming the closest command', async (args, typed, suggestion) => {
    const r = await runCommand(args)
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(`Error: unknown command "${typed}"\nHint: did you mean ${suggestion}?\n`)
  })

  it('with nothing close, points at --help', async () => {
    const r = await runCommand(['frobnicate'])
    expect(r.code).toBe(2)
    expect(hint(r.stderr)).toBe('Hint: `metricat --help` lists the commands')
  })

  it('under --json prints an error object with the suggestions', async () => {
    const r = await runCommand(['quer', '--json'])
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stdout)).toEqual({error: {code: 'USAGE', message: 'unknown command "quer"', details: {suggestions: ['query']}}})
  })
})

describe('what to do when something is missing', () => {
  it('a missing database: create it with init (naming the --db given), and no file is made', async () => {
    const missing = path.join(dir, 'missing.duckdb')
    const r = await runCommand(['list', '--db', missing])
    expect(r.code).toBe(1)
    expect(hint(r.stderr)).toBe(`Hint: create it with \`metricat init --db ${missing}\` (\`init --demo\` adds the starter metrics and a sample warehouse), or point --db or METRICAT_DB at an existing file`)
    expect(r.stderr).not.toContain('metricat list')
    expect(existsSync(missing)).toBe(false)
  })

  it('a missing file names the file and where a relative path was looked for', async () => {
    const imp = await runCommand(['import', 'nope/metrics.yml', '--db', db], {cwd: dir})
    expect(imp.code).toBe(1)
    expect(imp.stderr).toBe(`Error: no such file or folder: nope/metrics.yml\nHint: check the path nope/metrics.yml (relative paths start from ${dir})\n`)
    const ingest = await runCommand(['ingest', 'points.ndjson', '--db', db], {cwd: dir})
    expect(ingest.code).toBe(1)
    expect(ingest.stderr).toBe(`Error: no such file: points.ndjson\nHint: check the path points.ndjson (relative paths start from ${dir})\n`)
    const load = await runCommand(['load', 'orders', path.join(dir, 'orders.csv'), '--db', db])
    expect(load.code).toBe(1)
    expect(hint(load.stderr)).toBe(`Hint: check the path ${path.join(dir, 'orders.csv')}`)
  })

  it('an unknown metric still points at list and search', async () => {
    const r = await runCommand(['show', 'revenue/nope', '--db', db])
    expect(r.code).toBe(1)
    expect(hint(r.stderr)).toBe('Hint: run `metricat list` or `metricat search TEXT` to find metric ids')
  })

  it('an unknown version, token or data source points at where the right names are', async () => {
    expect(hint((await runCommand(['show', 'revenue/mrr', '--version', '9', '--db', db])).stderr)).toBe('Hint: `metricat history revenue/mrr` lists its versions')
    expect(hint((await runCommand(['token', 'revoke', 'nobody', '--db', db])).stderr)).toBe('Hint: `metricat token list` lists the tokens')
    expect(hint((await runCommand(['sources', 'remove', 'nothing', '--db', db])).stderr)).toBe('Hint: `metricat sources list` lists the data sources')
  })
})
