import {existsSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {Database} from '../../src/db/connection.js'
import {ROOT, demoDatabase, runCommand, sharedDemo, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = await demoDatabase(dir)
  expect((await sharedDemo()).init.starter?.added).toBe(17)
})
afterAll(() => cleanup())

const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>

// the data's last timestamp, bound once known (the catalog remembers it per write)
const TS = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/
// a period computed from the known timestamps (here the first partial one)
const DAY = /^\d{4}-\d\d-\d\d$/

describe('metricat query / sql / load / validate (in-process)', () => {
  it('query --json returns {metric, grain, columns, rows, sql, params}', async () => {
    const r = await runCommand(['query', 'revenue/total_revenue', '--by', 'region', '--where', 'channel in web,partner', '--from', '2026-01-01', '--to', '2026-03-01', '--db', db, '--json'])
    expect(r.code).toBe(0)
    const out = json(r.stdout)
    expect(out).toMatchObject({metric: 'revenue/total_revenue', grain: 'month', columns: ['period', 'region', 'value'], params: ['2026-01-01', '2026-03-01', 'web', 'partner', '2026-01-01', '2026-03-01', expect.stringMatching(DAY), expect.stringMatching(TS)]})
    expect(out.rows).toHaveLength(8)
    expect(out.rows[0]).toEqual({period: '2026-01-01', region: 'APAC', value: expect.any(Number)})
    expect(out.sql).not.toContain('partner')
  })

  it('query --format csv prints a header and one line per row', async () => {
    const r = await runCommand(['query', 'revenue/mrr', '--compare', 'previous', '--from', '2026-08-01', '--to', '2026-10-01', '--db', db, '--format', 'csv'])
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines[0]).toBe('period,value,previous_value,growth_pct')
    expect(lines).toHaveLength(3)
    expect(lines[1]).toMatch(/^2026-08-01,[\d.]+,[\d.]+,-?[\d.]+$/)
  })

  it('query prints a table for people', async () => {
    const r = await runCommand(['query', 'revenue/arr', '--from', '2026-09-01', '--db', db])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/│ period\s+│ value\s+│/)
    expect(r.stdout).toContain('2026-10-01')
    expect(r.stderr).toContain('2 rows')
  })

  it('sql prints the SQL with parameters listed, and --json gives {sql, params}', async () => {
    const text = await runCommand(['sql', 'revenue/total_revenue', '--where', 'region=EU', '--db', db])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('sum(')
    expect(text.stdout).toContain('-- params: $1 = "EU"')
    const r = await runCommand(['sql', 'revenue/total_revenue', '--where', 'region=EU', '--db', db, '--json'])
    expect(json(r.stdout)).toMatchObject({sql: expect.stringContaining('$1'), params: ['EU']})
  })

  it.each([
    [['--by', 'country'], /unknown dimension "country" for revenue\/total_revenue; allowed: region, channel, plan/],
    [['--where', 'region ~ EU'], /operator/],
    [['--from', '2026-13-01'], /bad date "2026-13-01" for --from/],
    [['--variant', 'nope'], /variant/],
  ])('query %j fails with one line naming what is allowed, exit 1', async (flags, message) => {
    const r = await runCommand(['query', 'revenue/total_revenue', ...flags, '--db', db])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error:'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(message)
  })

  it('a bad --grain is a usage error (exit 2)', async () => {
    const r = await runCommand(['query', 'revenue/total_revenue', '--grain', 'fortnight', '--db', db])
    expect(r.code).toBe(2)
  })

  it('an injection attempt in a filter value is a bound value: empty result, database intact', async () => {
    const evil = "'; DROP TABLE orders; --"
    const r = await runCommand(['query', 'revenue/total_revenue', '--where', `region=${evil}`, '--from', '2026-01-01', '--to', '2026-02-01', '--db', db, '--json'])
    expect(r.code).toBe(0)
    expect(json(r.stdout).rows).toEqual([{period: '2026-01-01', value: 0}])
    const after = await runCommand(['query', 'revenue/total_revenue', '--from', '2026-01-01', '--to', '2026-02-01', '--db', db, '--json'])
    expect(json(after.stdout).rows[0].value).toBeGreaterThan(0)
  })

  it('validate runs warehouse checks and names the metric, file and line of a broken one', async () => {
    const ok = await runCommand(['validate', '--db', db])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain('warehouse checks')
    const file = path.join(dir, 'broken.yml')
    writeFileSync(file, 'name: broken\ncategory: test\ntype: sum\ntable: orders\ntime_column: ordered_at\nexpression: amount_typo\n')
    const r = await runCommand(['validate', file, '--db', db])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^Error: .*broken\.yml:1:1: test\/broken: expression, filters and time_column: Binder Error: .*amount_typo/)
  })

  it('validate of one file resolves references to stored metrics, as import would', async () => {
    const r = await runCommand(['validate', path.join(ROOT, 'metrics', 'revenue', 'churn_rate.yml'), '--db', db])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('OK: 1 metric, no problems (schema, catalog and warehouse checks)')
  })

  it('validate binds a metric whose table is a SELECT the way query runs it', async () => {
    const file = path.join(dir, 'big_orders.yml')
    writeFileSync(file, 'name: big_orders\ncategory: sales\ntype: sum\ntable: SELECT * FROM orders WHERE amount > 1000\ntime_column: ordered_at\nexpression: amount\n')
    const r = await runCommand(['validate', file, '--db', db])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
  })

  it('validate without a database or PATH fails and creates no file', async () => {
    const empty = tempDir()
    try {
      const r = await runCommand(['validate'], {cwd: empty.dir})
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/no metricat database at .*metricat\.duckdb; run `metricat init` first/)
      expect(existsSync(path.join(empty.dir, 'metricat.duckdb'))).toBe(false)
    } finally {
      empty.cleanup()
    }
  })

  it('load creates, appends to and replaces a table from CSV and NDJSON', async () => {
    const csv = path.join(dir, 'fx.csv')
    writeFileSync(csv, 'day,currency,rate\n2026-01-01,EUR,1.1\n2026-01-02,EUR,1.2\n')
    const created = await runCommand(['load', 'fx_rates', csv, '--db', db, '--json'])
    expect(json(created.stdout)).toMatchObject({table: 'fx_rates', format: 'csv', rows: 2, mode: 'created'})
    const ndjson = path.join(dir, 'fx.ndjson')
    writeFileSync(ndjson, '{"day":"2026-01-03","currency":"EUR","rate":1.3}\n')
    const appended = await runCommand(['load', 'fx_rates', ndjson, '--db', db, '--json'])
    expect(json(appended.stdout)).toMatchObject({rows: 1, mode: 'appended'})
    const replaced = await runCommand(['load', 'fx_rates', csv, '--replace', '--db', db, '--json'])
    expect(json(replaced.stdout)).toMatchObject({rows: 2, mode: 'replaced'})
    const bad = await runCommand(['load', 'bad name', csv, '--db', db])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/bad table name "bad name"/)
  })

  it('load reads Parquet and a JSON array too', async () => {
    const parquet = path.join(dir, 'fx.parquet')
    const json = path.join(dir, 'fx.json')
    const scratch = await Database.open(':memory:')
    await scratch.run(`COPY (SELECT DATE '2026-01-01' + CAST(i AS INTEGER) AS day, 'EUR' AS currency, 1 + i / 10 AS rate FROM range(5) t(i)) TO '${parquet}' (FORMAT parquet)`)
    scratch.close()
    writeFileSync(json, JSON.stringify([{day: '2026-02-01', currency: 'USD', rate: 1}, {day: '2026-02-02', currency: 'USD', rate: 1.01}]))
    const p = await runCommand(['load', 'fx_parquet', parquet, '--db', db, '--json'])
    expect(JSON.parse(p.stdout)).toMatchObject({format: 'parquet', rows: 5, mode: 'created'})
    const j = await runCommand(['load', 'fx_json', json, '--db', db, '--json'])
    expect(JSON.parse(j.stdout)).toMatchObject({format: 'json', rows: 2, mode: 'created'})
    const broken = path.join(dir, 'broken.json')
    writeFileSync(broken, '[{"day": ')
    const bad = await runCommand(['load', 'fx_json', broken, '--db', db])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^Error: cannot load .*broken\.json as json: /)
    const after = await runCommand(['load', 'fx_json', json, '--db', db, '--json'])
    expect(JSON.parse(after.stdout)).toMatchObject({rows: 2, mode: 'appended'})
  })

  it('--warehouse attaches another DuckDB file read-only and metric SQL resolves there', async () => {
    const wh = path.join(dir, 'warehouse.duckdb')
    const w = await Database.open(wh)
    await w.run(`CREATE TABLE orders AS SELECT TIMESTAMP '2026-01-15' AS ordered_at, 100.0::DOUBLE AS amount, 'completed' AS status,
      'EU' AS region, 'web' AS channel, 'pro' AS plan, 'usage' AS product_line, 'card' AS payment_method`)
    w.close()
    const r = await runCommand(['query', 'revenue/total_revenue', '--warehouse', wh, '--db', db, '--json'])
    expect(r.code).toBe(0)
    // the warehouse's data ends on 2026-01-15, inside January
    expect(json(r.stdout).rows).toEqual([{period: '2026-01-01', value: 100, partial: true}])
    const env = await runCommand(['query', 'revenue/total_revenue', '--db', db, '--json'], {env: {METRICAT_WAREHOUSE: wh}})
    expect(json(env.stdout).rows).toEqual([{period: '2026-01-01', value: 100, partial: true}])
  })

  it('refuses --warehouse through a server rather than ignoring it', async () => {
    const r = await runCommand(['query', 'revenue/mrr', '--warehouse', path.join(dir, 'w.duckdb'), '--server', 'http://127.0.0.1:9'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^Error: --warehouse cannot be used through a server \(http:\/\/127\.0\.0\.1:9\)/)
  })
})
