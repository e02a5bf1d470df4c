import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {emptyDatabase, runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = await emptyDatabase(dir)
})
afterAll(() => cleanup())

describe('a point whose number overflows to Infinity (1e400)', () => {
  it('is reported once, as not finite, never as "must be a number, got a number"', async () => {
    const file = path.join(dir, 'big.json')
    writeFileSync(file, '{"points": [{"metricKey": "z", "date": "2026-01-01", "value": 1e400}, {"metricKey": "z", "date": 1e400, "value": 1, "dimensions": {"tier": -1e400}}]}')
    const r = await runCommand(['ingest', file, '--db', db])
    expect(r.code).toBe(1)
    expect(r.stderr).not.toContain('got a number')
    expect(r.stderr).toContain('big.json:1 /points/0/value: value must be a finite number')
    expect(r.stderr).toContain('/points/1/date: date')
    expect(r.stderr).toContain('is not an epoch time')
    expect(r.stderr).toContain('/points/1/dimensions/tier: dimension "tier" must be a finite number')
  })

  it('still says a number in a text field is not text', async () => {
    const r = await runCommand(['ingest', '-', '--db', db], {input: '{"metricKey": 1e400, "date": "2026-01-01", "value": 1}\n'})
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('stdin:1 /metricKey: metricKey must be a string, got a number')
  })
})
