// Whether a definition's expression already aggregates: DuckDB's parser decides, with its function
// catalog read only for function names outside the core sets (reading it costs a cold command
// 20-50 ms of CPU); the core sets must say what this DuckDB build says.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {CORE_AGGREGATES, CORE_SCALARS, aggregateExpressions} from '../../src/catalog/aggregate-expression.js'
import {Database} from '../../src/db/connection.js'

let db: Database
let statements: string[] = []

beforeAll(async () => {
  db = await Database.open(':memory:')
  const all = db.all.bind(db)
  db.all = (async (sql: string, params?: never[]) => {
    statements.push(sql)
    return all(sql, params)
  }) as Database['all']
})
afterAll(() => db.close())

describe('aggregateExpressions', () => {
  it('has core sets that agree with this DuckDB build', async () => {
    const rows = await db.all<{name: string; types: string[]}>(`SELECT lower(function_name) AS name, list(DISTINCT function_type) AS types FROM duckdb_functions() GROUP BY 1`)
    const types = new Map(rows.map((r) => [r.name, r.types]))
    for (const name of CORE_AGGREGATES) expect(types.get(name), name).toContain('aggregate')
    for (const name of CORE_SCALARS) {
      expect(types.get(name), name).toBeDefined()
      expect(types.get(name), name).not.toContain('aggregate')
    }
  })

  it('tells aggregates from plain expressions', async () => {
    const yes = ['SUM(amount) * 12', 'COUNT(DISTINCT user_id)', 'count(*)', "SUM(CASE WHEN status = 'paid' THEN amount END)", 'coalesce(sum(amount), 0)', 'kurtosis(amount)', 'round(avg(x), 2)']
    const no = ['amount', 'amount * 1.1', 'coalesce(amount, 0)', 'sum(amount) OVER ()', '(SELECT max(y) FROM t)', "upper(region) || '-x'", 'not a valid (', 'list_value(1, 2)']
    const found = await aggregateExpressions(db, [...yes, ...no])
    expect(yes.filter((e) => !found.has(e))).toEqual([])
    expect(no.filter((e) => found.has(e))).toEqual([])
  })

  it('reads the function catalog only for a function name outside the core sets', async () => {
    statements = []
    await aggregateExpressions(new Proxy(db, {}) as Database, ['amount', 'SUM(amount) * 12', 'coalesce(amount, 0) + 1'])
    expect(statements.some((s) => s.includes('duckdb_functions'))).toBe(false)
  })
})
