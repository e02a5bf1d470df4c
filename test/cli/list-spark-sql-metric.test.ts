import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {demoDatabase, runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = await demoDatabase(dir)
})
afterAll(() => cleanup())

describe('list --spark on a metric computed by its own SQL', () => {
  it('shows the last 12 periods, not the first 12 rows the SQL returns', async () => {
    // revenue/revenue_churn_rate runs its sql (36 months); `query --limit 12` keeps its first 12 rows
    const all = await runCommand(['query', 'revenue/revenue_churn_rate', '--db', db, '--json'])
    expect(all.code).toBe(0)
    const rows = JSON.parse(all.stdout).rows as {period: string; value: number}[]
    expect(rows.length).toBeGreaterThan(12)
    const r = await runCommand(['list', '--spark', '--category', 'revenue', '--db', db, '--json'])
    expect(r.code).toBe(0)
    const m = (JSON.parse(r.stdout).metrics as {id: string; spark: {periods: string[]; values: number[]}}[]).find((x) => x.id === 'revenue/revenue_churn_rate')!
    expect(m.spark.periods).toEqual(rows.slice(-12).map((row) => row.period))
    expect(m.spark.values).toEqual(rows.slice(-12).map((row) => row.value))
    const table = await runCommand(['list', '--spark', '--category', 'revenue', '--db', db])
    const line = table.stdout.split('\n').find((l) => l.includes('revenue/revenue_churn_rate'))!
    expect(line).toContain(`(${rows.at(-1)!.period})`)
  })
})
