// Numbers without float noise (issue 8 item 7): repeatable, clean values in JSON/CSV; tables by unit.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog} from '../../src/core/catalog.js'
import {cleanNumber, formatValue, unitKind} from '../../src/core/numbers.js'
import {demoDatabase, newCatalog, runCommand, tempDir} from '../helpers.js'

describe('cleanNumber', () => {
  it.each([
    [4593255.000000003, 4593255],
    [916698.8499999993, 916698.85],
    [0.30000000000000004, 0.3],
    [0.9999999999999999, 1],
    [-64648.299999999974, -64648.3],
  ])('drops the noise of %d', (noisy, clean) => {
    expect(cleanNumber(noisy)).toBe(clean)
  })

  it.each([[1.17865861836742], [123.456], [0.0238], [42], [1e21], [5e-324]])('keeps %d as it is', (value) => {
    expect(cleanNumber(value)).toBe(value)
  })

  it('changes a value by less than 1.5e-14 of it', () => {
    for (const value of [2 / 3, 100 / 3, Math.PI * 1e9, 1234567890.123456]) {
      expect(Math.abs(cleanNumber(value) - value)).toBeLessThan(Math.abs(value) * 1.5e-14)
    }
  })
})

describe('formatValue by unit', () => {
  it.each([
    ['USD', 4593255, '$4,593,255.00'],
    ['EUR', 1234.5, '€1,234.50'],
    ['percent', 3.4215, '3.42%'],
    ['ratio', 0.023812, '0.0238'],
    ['hours', 24.0712, '24.07 h'],
    ['minutes', 3, '3 min'],
    ['customers', 3069, '3,069'],
    ['users', 12.345, '12.35'],
    [null, 1234.56789, '1,234.5679'],
    ['widgets', 0.123456, '0.1235'],
  ])('%s: %d -> %s', (unit, value, text) => {
    expect(formatValue(value, unit)).toBe(text)
  })

  it('tells currency codes from other units', () => {
    expect(unitKind('USD')).toBe('currency')
    expect(unitKind('usd')).toBe('other')
    expect(unitKind('Percent')).toBe('percent')
  })
})

describe('query results', () => {
  let catalog: Catalog
  let cleanup: () => void

  beforeAll(async () => {
    const t = tempDir()
    cleanup = t.cleanup
    catalog = await newCatalog(t.dir)
    // Ten payments of 0.10 sum to 0.9999999999999999 in a plain DOUBLE sum; a million cent amounts
    // (many row groups, added by several threads) in an order that changes from run to run.
    await catalog.db.run(`CREATE TABLE pay AS SELECT TIMESTAMP '2024-01-01' + INTERVAL (i) MINUTE AS ts, 0.1::DOUBLE AS amount FROM range(10) AS t(i)`)
    await catalog.db.run(`CREATE TABLE orders AS SELECT TIMESTAMP '2024-01-01' + to_seconds((hash(i, 't') % (90 * 86400))::BIGINT) AS ts,
      ['EU', 'NA', 'APAC'][1 + (hash(i, 'r') % 3)::INTEGER] AS region, (hash(i, 'a') % 100000) / 100.0 AS amount FROM range(1000000) AS t(i)`)
    await catalog.putMetric({name: 'dimes', category: 'pay', type: 'sum', unit: 'USD', table: 'pay', time_column: 'ts', expression: 'amount'})
    await catalog.putMetric({name: 'avg_dime', category: 'pay', type: 'avg', table: 'pay', time_column: 'ts', expression: 'amount'})
    await catalog.putMetric({name: 'total', category: 'orders', type: 'sum', unit: 'USD', table: 'orders', time_column: 'ts', expression: 'amount', dimensions: ['region']})
  })
  afterAll(() => {
    catalog.close()
    cleanup()
  })

  it('a sum that a plain DOUBLE sum shows as 0.9999999999999999 is 1, with the metric\'s unit', async () => {
    const result = await catalog.queryMetric({metric: 'pay/dimes'})
    expect(result.rows.map((r) => r.value)).toEqual([1])
    expect(result.unit).toBe('USD')
    expect((await catalog.queryMetric({metric: 'pay/avg_dime'})).rows.map((r) => r.value)).toEqual([0.1])
  })

  it('a repeated query over a million rows gives identical values, none with float noise', async () => {
    const runs: unknown[] = []
    for (let i = 0; i < 5; i++) runs.push((await catalog.queryMetric({metric: 'orders/total', by: ['region'], compare: 'previous'})).rows)
    for (const rows of runs.slice(1)) expect(rows).toEqual(runs[0])
    for (const row of runs[0] as Array<{value: number}>) expect(Math.round(row.value * 100) / 100).toBe(row.value)
  })
})

describe('table output by unit', () => {
  let db: string
  let cleanup: () => void
  beforeAll(async () => {
    const t = tempDir()
    cleanup = t.cleanup
    db = await demoDatabase(t.dir)
  })
  afterAll(() => cleanup())

  it.each([
    ['revenue/total_revenue', /\$\d{1,3}(,\d{3})*\.\d\d /],
    ['operations/mean_resolution_time', /\d+(\.\d+)? h /],
    ['revenue/churn_rate', /0\.\d{1,4} /],
    ['revenue/revenue_churn_rate', /\d+(\.\d{1,2})?% /],
  ])('%s', async (id, pattern) => {
    const table = await runCommand(['query', id, '--limit', '2'], {env: {METRICAT_DB: db}})
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(pattern)
    const csv = await runCommand(['query', id, '--limit', '2', '--format', 'csv'], {env: {METRICAT_DB: db}})
    const values = csv.stdout.trim().split('\n').slice(1).map((line) => line.split(',').at(-1)!)
    // at most 15 significant digits: no binary noise
    for (const v of values) expect(v.replace(/^-?0*\.?0*/, '').replace('.', '').length).toBeLessThanOrEqual(15)
  })
})
