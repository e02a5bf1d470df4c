import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {newCatalog, runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string

// 200 days x 100 (a, b) pairs: 20,000 result rows at day grain by a and b. The output streams in
// chunks of ~2,000 rows, so this crosses ten chunk boundaries; a larger table only costs test time.
const DAYS = 200
const ROWS = DAYS * 100

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = path.join(dir, 'big.duckdb')
  mkdirSync(path.join(dir, 'metrics', 'big'), {recursive: true})
  writeFileSync(
    path.join(dir, 'metrics', 'big', 'events.yml'),
    'name: events\ntype: sum\ntable: events\ntime_column: at\nexpression: n\ndimensions:\n  - a\n  - b\n',
  )
  const catalog = await newCatalog(dir, 'big.duckdb')
  try {
    await catalog.db.run(`CREATE TABLE main.events AS
      SELECT DATE '2024-01-01' + CAST(i % ${DAYS} AS INTEGER) AS at, 'a' || (i // ${DAYS} % 10) AS a, 'b' || (i // ${DAYS * 10}) AS b, CAST(i % 7 AS DOUBLE) AS n
      FROM range(${ROWS}) AS t(i)`)
    await catalog.importPath(path.join(dir, 'metrics'))
  } finally {
    catalog.close()
  }
})
afterAll(() => cleanup())

const args = () => ['query', 'big/events', '--grain', 'day', '--by', 'a,b', '--db', db]

describe('large query results', () => {
  it('a table shows the first 1,000 rows and says how many more there are and how to get them', async () => {
    const r = await runCommand(args())
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n').filter((l) => /^│ \d{4}-\d\d-\d\d/.test(l))).toHaveLength(1000)
    expect(r.stderr).toMatch(/^20,000 rows; data through [^;]+; showing the first 1,000, 19,000 more; use --format csv or --json for all\n$/)
  })

  it('--json streams every row, as the same text JSON.stringify gives the whole result', async () => {
    const r = await runCommand([...args(), '--json'])
    expect(r.code).toBe(0)
    const parsed = JSON.parse(r.stdout)
    expect(parsed.rows).toHaveLength(ROWS)
    expect(Object.keys(parsed)).toEqual(['metric', 'grain', 'unit', 'data_through', 'warnings', 'columns', 'rows', 'sql', 'params', 'cached'])
    expect(r.stdout).toBe(`${JSON.stringify(parsed, null, 2)}\n`)
    const sum = parsed.rows.reduce((s: number, row: {value: number}) => s + row.value, 0)
    expect(sum).toBe(Array.from({length: ROWS}, (_, i) => i % 7).reduce((s, v) => s + v, 0))
  })

  it('--format csv streams a header and one line per row', async () => {
    const r = await runCommand([...args(), '--format', 'csv'])
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe('period,a,b,value')
    expect(lines).toHaveLength(ROWS + 1)
    expect(lines[1]).toBe('2024-01-01,a0,b0,0')
  })

  it('an empty result is valid JSON with no rows', async () => {
    const r = await runCommand([...args(), '--from', '2030-01-01', '--to', '2030-01-02', '--json'])
    expect(r.code).toBe(0)
    const parsed = JSON.parse(r.stdout)
    expect(r.stdout).toBe(`${JSON.stringify(parsed, null, 2)}\n`)
  })
})
