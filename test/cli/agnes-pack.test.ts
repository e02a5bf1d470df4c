// The Agnes pack through the CLI: import warns about the index on stderr; --variant by_plan.
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {AGNES_PACK as PACK, loadAgnesWarehouse} from '../fixtures/agnes-pack.js'
import {newCatalog, runCommand, tempDir} from '../helpers.js'

let db: string
let cleanup: () => void

beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  db = path.join(t.dir, 'agnes.duckdb')
  const catalog = await newCatalog(t.dir, 'agnes.duckdb')
  await loadAgnesWarehouse(catalog)
  catalog.close()
})
afterAll(() => cleanup())

describe('an Agnes pack through the CLI', () => {
  it('import adds the metrics and warns on stderr about the metric the index lists but no file defines', async () => {
    const r = await runCommand(['import', PACK, '--db', db, '--json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).added).toHaveLength(8)
    expect(r.stderr).toMatch(/^Warning: .*agnes[/\\]metrics\.yml:15:\d+ .*the index lists operations\/nps, which no metric file defines$/m)
  })

  it('query --variant by_plan answers period, plan_type, value', async () => {
    const r = await runCommand(['query', 'revenue/mrr', '--variant', 'by_plan', '--db', db, '--json'])
    expect(r.code).toBe(0)
    const result = JSON.parse(r.stdout)
    expect(result.columns).toEqual(['period', 'plan_type', 'value'])
    expect(result.rows[0]).toEqual({period: '2025-01-01', plan_type: expect.any(String), value: expect.any(Number)})
  })

  it('lookup --synonym "monthly revenue" finds the snake_case synonym', async () => {
    const r = await runCommand(['lookup', '--synonym', 'monthly revenue', '--db', db, '--json'])
    expect(JSON.parse(r.stdout).metrics.map((m: {id: string}) => m.id)).toEqual(['revenue/mrr'])
  })
})
