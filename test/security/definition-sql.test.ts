// Issue 10 item 1: definition SQL is one read-only query or one expression, checked by DuckDB's
// parser before anything runs; statements run prepared (one at a time); no file system access.
import {randomUUID} from 'node:crypto'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, validateMetrics} from '../../src/core/catalog.js'
import {Database} from '../../src/db/connection.js'
import {CatalogError} from '../../src/errors.js'
import {newCatalog, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let catalog: Catalog
let db: string
// a file whose content no message may ever show (the probe read /etc/hostname; a short
// host name such as "vm" can appear in a random temp path by chance, so the probe reads this one)
const SECRET = `secret-${randomUUID()}`
let secretFile: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir('metricat-sec-sql-'))
  db = path.join(dir, 'cat.duckdb')
  secretFile = path.join(dir, 'secret.txt')
  writeFileSync(secretFile, SECRET)
  catalog = await newCatalog(dir, 'cat.duckdb')
  await catalog.db.run(`CREATE TABLE mc.main.t AS SELECT DATE '2026-01-01' + CAST(i AS INTEGER) AS day, i::DOUBLE AS amount, 'EU' AS region FROM range(3) r(i)`)
})
afterAll(() => {
  catalog?.close()
  cleanup()
})

/** Writes `metrics/test/<name>.yml` under a fresh folder and returns the folder. */
function metricFolder(name: string, yaml: string): string {
  const folder = path.join(dir, `m-${name}-${Math.random().toString(36).slice(2)}`, 'test')
  mkdirSync(folder, {recursive: true})
  writeFileSync(path.join(folder, `${name}.yml`), yaml)
  return path.dirname(folder)
}

async function tableExists(name: string): Promise<boolean> {
  const rows = await catalog.db.all<{n: number}>(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = $1`, [name])
  return rows[0]!.n > 0
}

async function errorOf(p: Promise<unknown>): Promise<CatalogError> {
  try {
    await p
  } catch (error) {
    return error as CatalogError
  }
  throw new Error('expected an error')
}

describe('validate: the pull-request gate runs nothing from the file', () => {
  it('refuses the multi-statement `sql` that wrote a file and a table, and neither is written', async () => {
    const pwned = path.join(dir, 'pwned.csv')
    const folder = metricFolder('evil', `name: evil
sql: "SELECT 1 AS value) AS q LIMIT 0; COPY (SELECT 'x') TO '${pwned}'; CREATE TABLE mc.main.planted AS SELECT 42; SELECT * FROM (SELECT 1"
`)
    const report = await catalog.validate(folder, {warehouse: true})
    expect(report.problems).toHaveLength(1)
    expect(report.problems[0]!.message).toMatch(/^sql must be exactly one read-only query \(SELECT, WITH or FROM\): /)
    expect(report.problems[0]).toMatchObject({metric: 'test/evil', path: '/sql', line: 1})
    expect(existsSync(pwned)).toBe(false)
    expect(await tableExists('planted')).toBe(false)
    // and through the command's entry point, with the database on disk
    catalog.close()
    try {
      const viaCommand = await validateMetrics({db, path: folder})
      expect(viaCommand.problems).toHaveLength(1)
    } finally {
      catalog = await (await import('../../src/core/catalog.js')).openCatalog({db})
    }
    expect(existsSync(pwned)).toBe(false)
    expect(await tableExists('planted')).toBe(false)
  })

  it('a script of SELECTs is refused too (one statement only)', async () => {
    const folder = metricFolder('two', 'name: two\nsql: "SELECT 1 AS value; SELECT 2 AS value"\n')
    const report = await catalog.validate(folder, {warehouse: true})
    expect(report.problems.map((p) => p.message)).toEqual(['sql must be exactly one read-only query (SELECT, WITH or FROM): it holds 2 statements'])
  })

  it('`table:` that is not a query is one quoted name: the file is never read, its text never echoed', async () => {
    const folder = metricFolder('hostname', `name: hostname
type: count
table: "t; SELECT error((SELECT content FROM read_text('${secretFile}')))"
time_column: day
`)
    const report = await catalog.validate(folder, {warehouse: true})
    expect(report.problems).toHaveLength(1)
    expect(report.problems[0]!.message).toMatch(/Table with name t; SELECT error.* does not exist/)
    expect(JSON.stringify(report)).not.toContain(SECRET)
  })

  it('a variant, a SELECT table, an expression, a filter and a dimension expr are each checked (parenthesised OR stays one expression)', async () => {
    const folder = metricFolder('many', `name: many
type: sum
table: "SELECT * FROM t; DROP TABLE t"
time_column: day
expression: "amount) AS v FROM t; DELETE FROM t; SELECT (1"
filters:
  - "region = 'EU'"
  - "1=1) OR (1=1"
  - "1=1) FROM t; DELETE FROM t; SELECT (1"
dimensions:
  - name: r
    expr: "region FROM t --"
sql_by_eu: "COPY t TO '/tmp/x.csv'"
sql: SELECT 1 AS value
`)
    const report = await catalog.validate(folder, {warehouse: true})
    const messages = report.problems.map((p) => p.message)
    expect(messages).toEqual(expect.arrayContaining([
      expect.stringMatching(/^table must be exactly one read-only query .*not a SELECT/),
      expect.stringMatching(/^expression must be exactly one SQL expression: it (holds a statement that is not a SELECT|breaks out)/),
      expect.stringMatching(/^filters\[2\] must be exactly one SQL expression: it holds a statement that is not a SELECT/),
      expect.stringMatching(/^dimension r expr must be exactly one SQL expression: /),
      expect.stringMatching(/^sql_by_eu must be exactly one read-only query .*not a SELECT/),
    ]))
    expect(messages).toHaveLength(5)
    expect(await tableExists('t')).toBe(true)
    expect((await catalog.db.all('SELECT count(*)::INTEGER AS n FROM mc.main.t'))[0]).toEqual({n: 3})
  })

  it('accepts ordinary definitions: WITH, FROM-first, UNION, subqueries, window functions, comments', async () => {
    const folder = metricFolder('fine', `name: fine
type: sum
table: |
  WITH x AS (SELECT * FROM t) SELECT * FROM x -- all of it
time_column: day
expression: "CASE WHEN amount > (SELECT avg(amount) FROM t) THEN amount ELSE 0 END"
filters: ["region IN ('EU', 'NA')", "day >= DATE '2026-01-01'"]
dimensions:
  - name: r
    expr: lower(region)
sql_by_all: "FROM t SELECT day, amount AS value UNION ALL SELECT day, amount FROM t"
`)
    const report = await catalog.validate(folder, {warehouse: true})
    expect(report.problems).toEqual([])
  })
})

describe('import, admin writes and query refuse what may not run', () => {
  it('import refuses COPY ... TO and read_csv(/etc/passwd), writing nothing', async () => {
    const before = (await catalog.list()).length
    const copy = metricFolder('copy', "name: copy\nsql: \"COPY (SELECT 1) TO '/tmp/metricat-sec-copy.csv'\"\n")
    expect((await errorOf(catalog.importPath(copy))).message).toMatch(/sql must be exactly one read-only query .*not a SELECT/)
    const passwd = metricFolder('passwd', "name: passwd\nsql: \"SELECT * FROM read_csv('/etc/passwd')\"\n")
    expect((await errorOf(catalog.importPath(passwd))).message).toMatch(/sql must be exactly one read-only query .*table function read_csv\(\)/)
    const replacement = metricFolder('repl', "name: repl\nsql: \"SELECT * FROM '/etc/passwd'\"\n")
    expect((await errorOf(catalog.importPath(replacement))).message).toMatch(/names a file/)
    expect((await catalog.list()).length).toBe(before)
    expect(existsSync('/tmp/metricat-sec-copy.csv')).toBe(false)
  })

  it('putMetric (the admin API) refuses the same', async () => {
    const e = await errorOf(catalog.putMetric({name: 'bad', category: 'test', sql: "SELECT 1; ATTACH '/tmp/x.duckdb' AS x"}))
    expect(e.code).toBe('VALIDATION')
    expect(e.message).toMatch(/sql must be exactly one read-only query/)
  })

  it('a stored definition that bypassed the checks is refused at query time, and files stay closed', async () => {
    // written straight into the table, as an older metricat or another program could have
    await catalog.putMetric({name: 'ok', category: 'test', sql: 'SELECT 1 AS value'})
    await catalog.db.run(`UPDATE mc.metricat.metric_definitions SET fields = json_merge_patch(fields, json_object('sql', $1::VARCHAR)), content_hash = 'tampered' WHERE id = 'test/ok'`, [
      `SELECT * FROM read_text('${secretFile}')`,
    ])
    await catalog.list() // drops nothing; the cache is reloaded below
    const fresh = await (async () => {
      catalog.close()
      return (await import('../../src/core/catalog.js')).openCatalog({db})
    })()
    catalog = fresh
    const e = await errorOf(catalog.queryMetric({metric: 'test/ok'}))
    expect(e.code).toBe('VALIDATION')
    expect(e.message).toMatch(/table function read_text\(\)/)
    expect(e.message).not.toContain(SECRET)
    expect(JSON.stringify(e)).not.toContain(SECRET)
  })

  it('the catalog connection cannot touch files even with a statement that gets through', async () => {
    await expect(catalog.db.all("SELECT * FROM read_text('/etc/hostname')")).rejects.toThrow(/file system operations are disabled/)
    await expect(catalog.db.run(`COPY (SELECT 1) TO '${path.join(dir, 'x.csv')}'`)).rejects.toThrow(/file system operations are disabled/)
    await expect(catalog.db.run(`ATTACH '${path.join(dir, 'x.duckdb')}' AS x`)).rejects.toThrow(/file system operations are disabled/)
    await expect(catalog.db.run('SET enable_external_access = true')).rejects.toThrow(/configuration has been locked/)
    expect(existsSync(path.join(dir, 'x.csv'))).toBe(false)
  })

  it('no statement runs as a script: several statements in one text are refused before any runs', async () => {
    await expect(catalog.db.run('CREATE TABLE mc.main.s1 AS SELECT 1; CREATE TABLE mc.main.s2 AS SELECT 2')).rejects.toThrow(/more than one statement/)
    await expect(catalog.db.all('SELECT 1; SELECT 2')).rejects.toThrow(/more than one statement/)
    await expect(catalog.db.query('DELETE FROM mc.main.t')).rejects.toThrow(/not a SELECT/)
    expect(await tableExists('s1')).toBe(false)
    expect((await catalog.db.all('SELECT count(*)::INTEGER AS n FROM mc.main.t'))[0]).toEqual({n: 3})
  })

  it('load still reads the file it is given, and only that one', async () => {
    const csv = path.join(dir, 'in.csv')
    writeFileSync(csv, 'a,b\n1,2\n')
    const {openCatalog} = await import('../../src/core/catalog.js')
    const {loadTable} = await import('../../src/core/warehouse.js')
    catalog.close()
    const loader = await openCatalog({db, readFiles: [csv]})
    try {
      expect(await loadTable(loader, 'loaded', csv)).toMatchObject({rows: 1, mode: 'created'})
      await expect(loader.db.all("SELECT * FROM read_text('/etc/hostname')")).rejects.toThrow(/file system operations are disabled/)
    } finally {
      loader.close()
      catalog = await openCatalog({db})
    }
  })

  it('an in-memory validate (no database file) is locked down too', async () => {
    const scratch = await Database.open(':memory:')
    await scratch.lockDown()
    await expect(scratch.all("SELECT * FROM read_text('/etc/hostname')")).rejects.toThrow(/file system operations are disabled/)
    scratch.close()
  })
})
