import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {copyFixture, emptyDatabase, holdLock, runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string
let metrics: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = path.join(dir, 'cli.duckdb')
  metrics = copyFixture('metrics', dir)
  await emptyDatabase(dir, 'cli.duckdb')
  const imported = await runCommand(['import', metrics, '--db', db, '--json'])
  expect(imported.code).toBe(0)
})
afterAll(() => cleanup())

const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>

describe('metricat CLI (in-process)', () => {
  it('init creates the database file and reports the schema version', async () => {
    const file = path.join(dir, 'fresh.duckdb')
    const r = await runCommand(['init', '--db', file, '--json'])
    expect(r.code).toBe(0)
    expect(existsSync(file)).toBe(true)
    expect(json(r.stdout)).toEqual({db: file, schema_version: expect.any(Number)})
  })

  it('init reads METRICAT_DB when --db is not given', async () => {
    const file = path.join(dir, 'from-env.duckdb')
    const r = await runCommand(['init'], {env: {METRICAT_DB: file}})
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`Database ready: ${file}`)
  })

  it('list prints a plain table when stdout is not a terminal, and the metrics under --json', async () => {
    const plain = await runCommand(['list', '--db', db])
    expect(plain.code).toBe(0)
    expect(plain.stdout).toContain('revenue/mrr')
    expect(plain.stdout).not.toMatch(/\u001B\[/)
    const r = await runCommand(['list', '--db', db, '--category', 'revenue', '--json'])
    expect(r.code).toBe(0)
    expect(json(r.stdout).metrics.map((m: {id: string}) => m.id)).toEqual(['revenue/arr', 'revenue/mrr', 'revenue/total_revenue'])
  })

  it('show prints the definition, and the same fields under --json', async () => {
    const text = await runCommand(['show', 'revenue/mrr', '--db', db])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('revenue/mrr — Monthly Recurring Revenue')
    expect(text.stdout).toContain('SELECT date_trunc')
    const r = await runCommand(['show', 'finance/mrr', '--db', db, '--json'])
    expect(json(r.stdout)).toMatchObject({id: 'revenue/mrr', name: 'mrr', table_name: 'subscriptions', version: 1, content_hash: expect.any(String)})
  })

  it('show of an unknown metric exits 1 with one line and a hint on stderr, nothing on stdout', async () => {
    const r = await runCommand(['show', 'revenue/nope', '--db', db])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^Error: unknown metric revenue\/nope/)
    expect(r.stderr).toContain('Hint:')
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('show --json of an unknown metric prints an error object and exits 1', async () => {
    const r = await runCommand(['show', 'revenue/nope', '--db', db, '--json'])
    expect(r.code).toBe(1)
    expect(json(r.stdout)).toEqual({error: {code: 'NOT_FOUND', message: expect.stringContaining('unknown metric'), details: {id: 'revenue/nope', hint: expect.stringContaining('metricat list')}}})
  })

  it('a missing argument is a usage error with exit code 2', async () => {
    const r = await runCommand(['show', '--db', db])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/Missing 1 required arg/)
  })

  it('an unknown flag is a usage error with exit code 2', async () => {
    const r = await runCommand(['list', '--db', db, '--bogus'])
    expect(r.code).toBe(2)
  })

  it('a command on a missing database says to run init', async () => {
    const r = await runCommand(['list', '--db', path.join(dir, 'missing.duckdb')])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/no metricat database at .*missing\.duckdb; run `metricat init`/)
  })

  it('history lists versions', async () => {
    const r = await runCommand(['history', 'revenue/mrr', '--db', db, '--json'])
    expect(r.code).toBe(0)
    expect(json(r.stdout)).toMatchObject({id: 'revenue/mrr', versions: [{version: 1, change: 'create', source: 'yaml'}]})
  })

  it('search ranks results and lookup finds exact synonyms and tables', async () => {
    const s = await runCommand(['search', 'recurring revenue', '--db', db, '--json'])
    expect(json(s.stdout).results[0]).toMatchObject({id: 'revenue/mrr', score: 100, matched: 'synonym'})
    const syn = await runCommand(['lookup', '--synonym', 'MAU', '--db', db, '--json'])
    expect(json(syn.stdout).metrics.map((m: {id: string}) => m.id)).toEqual(['product/active_users'])
    const table = await runCommand(['lookup', '--table', 'orders', '--db', db, '--json'])
    expect(json(table.stdout).metrics.map((m: {id: string}) => m.id)).toEqual(['revenue/total_revenue'])
    const both = await runCommand(['lookup', '--db', db])
    expect(both.code).toBe(2)
  })

  it('tables maps tables to metrics', async () => {
    const r = await runCommand(['tables', '--db', db, '--json'])
    expect(json(r.stdout).tables).toContainEqual({table: 'orders', metrics: ['revenue/total_revenue']})
  })

  it('export prints YAML and writes files that match the sources', async () => {
    const one = await runCommand(['export', 'revenue/mrr', '--db', db])
    expect(one.stdout).toBe(readFileSync(path.join(metrics, 'revenue', 'mrr.yml'), 'utf8'))
    const out = path.join(dir, 'exported')
    const r = await runCommand(['export', '--dir', out, '--db', db, '--json'])
    expect(r.code).toBe(0)
    // four metric files and the index beside the category folders
    expect(json(r.stdout).files).toHaveLength(5)
    expect(readFileSync(path.join(out, 'metrics.yml'), 'utf8')).toContain('  - name: product\n    folder: product\n    metrics:\n      - active_users\n')
    expect(readFileSync(path.join(out, 'product', 'active_users.yml'), 'utf8')).toBe(readFileSync(path.join(metrics, 'product', 'active_users.yml'), 'utf8'))
  })

  it('diff shows added, changed field by field and removed, and writes nothing', async () => {
    const changed = tempDir()
    try {
      const copy = copyFixture('metrics', changed.dir)
      const f = path.join(copy, 'revenue', 'total_revenue.yml')
      writeFileSync(f, readFileSync(f, 'utf8').replace('unit: USD', 'unit: EUR'))
      writeFileSync(path.join(copy, 'revenue', 'refunds.yml'), 'name: refunds\nsql: select 1 as value\n')
      const r = await runCommand(['diff', path.join(copy, 'revenue'), '--db', db])
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('+ revenue/refunds')
      expect(r.stdout).toContain('~ revenue/total_revenue')
      expect(r.stdout).toContain('    unit: "USD" -> "EUR"')
      expect(r.stdout).toContain('- product/active_users')
      const list = await runCommand(['list', '--db', db, '--json'])
      expect(json(list.stdout).metrics).toHaveLength(4)
    } finally {
      changed.cleanup()
    }
  })

  it('import --dry-run prints the plan and writes nothing', async () => {
    const scratch = path.join(dir, 'dry.duckdb')
    await emptyDatabase(dir, 'dry.duckdb')
    const r = await runCommand(['import', metrics, '--dry-run', '--db', scratch])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('4 to add, 0 to change, 0 to remove')
    expect(r.stdout).toContain('Dry run: nothing was written.')
    const list = await runCommand(['list', '--db', scratch, '--json'])
    expect(json(list.stdout).metrics).toEqual([])
  })

  it('validate passes good files and fails bad ones with file:line on stderr', async () => {
    const ok = await runCommand(['validate', metrics], {cwd: dir})
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain('OK: 4 metrics, no problems')
    const bad = tempDir()
    try {
      writeFileSync(path.join(bad.dir, 'x.yml'), 'name: x\nsql: select 1\nsynonym: [a]\n')
      const r = await runCommand(['validate', path.join(bad.dir, 'x.yml')], {cwd: bad.dir})
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/x\.yml:3:1 \/synonym: unknown field "synonym"; did you mean "synonyms"\?/)
    } finally {
      bad.cleanup()
    }
  })

  it('import of a broken folder exits 1 listing every problem, writes nothing', async () => {
    const bad = tempDir()
    try {
      const copy = copyFixture('metrics', bad.dir)
      writeFileSync(path.join(copy, 'revenue', 'b1.yml'), 'name: b1\ntype: sum\nbogus: 1\n')
      writeFileSync(path.join(copy, 'revenue', 'b2.yml'), 'name: b2\nsql: 3\n')
      const scratch = path.join(bad.dir, 'x.duckdb')
      await emptyDatabase(bad.dir, 'x.duckdb')
      const r = await runCommand(['import', copy, '--db', scratch])
      expect(r.code).toBe(1)
      expect(r.stderr.split('\n').filter((l) => l.startsWith('Error:'))).toEqual([
        expect.stringMatching(/b1\.yml:3:1 \/bogus: unknown field "bogus"$/),
        expect.stringMatching(/b2\.yml:2:6 \/sql: expected a string, got a number$/),
      ])
      const list = await runCommand(['list', '--db', scratch, '--json'])
      expect(json(list.stdout).metrics).toEqual([])
    } finally {
      bad.cleanup()
    }
  })

  it('delete removes a metric and exits 0; deleting it again exits 1', async () => {
    const scratch = path.join(dir, 'del.duckdb')
    await emptyDatabase(dir, 'del.duckdb')
    await runCommand(['import', metrics, '--db', scratch])
    const r = await runCommand(['delete', 'revenue/arr', '--db', scratch, '--json'])
    expect(r.code).toBe(0)
    expect(json(r.stdout)).toEqual({id: 'revenue/arr', deleted: true})
    expect((await runCommand(['delete', 'revenue/arr', '--db', scratch])).code).toBe(1)
  })

  it('fails fast naming the file and the PID when another process holds the database', async () => {
    const holder = await holdLock(db)
    try {
      const r = await runCommand(['list', '--db', db, '--wait', '0'])
      expect(r.code).toBe(1)
      expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^Error: ${db.replaceAll('.', '\\.')} is locked by process ${holder.pid} \\(`))
      expect(r.stderr).not.toMatch(/\n\s+at /)
    } finally {
      holder.kill('SIGKILL')
    }
  })
})
