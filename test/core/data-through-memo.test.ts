// The catalog remembers each input's last timestamp (data_through) per data version, so a repeated
// query binds it instead of probing the table again; every write must make it probe again.
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {ingestPoints} from '../../src/core/points.js'
import {loadTable} from '../../src/core/warehouse.js'
import {tempDir} from '../helpers.js'

const PROBE = /ORDER BY "?ts"? DESC NULLS LAST LIMIT 1/

let tmp: ReturnType<typeof tempDir>
let catalog: Catalog
let later: string

beforeAll(async () => {
  tmp = tempDir()
  later = path.join(tmp.dir, 'later.csv')
  writeFileSync(later, 'ts,amount,status\n2024-05-02 08:00:00,7,paid\n2024-05-03 09:00:00,1,refunded\n')
  catalog = await openCatalog({db: path.join(tmp.dir, 'memo.duckdb'), create: true, readFiles: [later]})
  await catalog.db.run(`CREATE TABLE orders AS SELECT * FROM (VALUES
    (TIMESTAMP '2024-01-10 00:00:00', 10.0::DOUBLE, 'paid'),
    (TIMESTAMP '2024-03-05 10:00:00', 30.0::DOUBLE, 'paid'),
    (TIMESTAMP '2024-03-20 00:00:00', 5.0::DOUBLE, 'refunded')) AS v(ts, amount, status)`)
  await catalog.putMetric({name: 'paid', category: 'revenue', type: 'sum', table: 'orders', time_column: 'ts', expression: 'amount', filters: ["status = 'paid'"]})
  await catalog.putMetric({name: 'players', category: 'games', type: 'sum', points_key: 'players', grain: 'day'})
})
afterAll(() => {
  catalog.close()
  tmp.cleanup()
})

describe('data_through memo', () => {
  it('binds the remembered last timestamp on a repeated query instead of probing again', async () => {
    const first = await catalog.queryMetric({metric: 'revenue/paid'})
    const second = await catalog.queryMetric({metric: 'revenue/paid'})
    expect(second.sql).not.toMatch(PROBE)
    expect(second.params).toContain('2024-03-05 10:00:00')
    expect(second.rows).toEqual(first.rows)
    expect(second.data_through).toBe('2024-03-05T10:00:00Z')
  })

  it('still shows the probe in `sql` (what a query in a fresh process runs)', async () => {
    await catalog.queryMetric({metric: 'revenue/paid'})
    expect((await catalog.compileQuery({metric: 'revenue/paid'})).sql).toMatch(PROBE)
  })

  it('probes again after `load` appends later rows', async () => {
    expect((await catalog.queryMetric({metric: 'revenue/paid', grain: 'month'})).data_through).toBe('2024-03-05T10:00:00Z')
    await loadTable(catalog, 'orders', later)
    const after = await catalog.queryMetric({metric: 'revenue/paid', grain: 'month'})
    expect(after.data_through).toBe('2024-05-02T08:00:00Z')
    expect(after.rows.at(-1)).toMatchObject({period: '2024-05-01', value: 7, partial: true})
    expect((await catalog.show('revenue/paid')) as {data_through?: string}).toMatchObject({data_through: '2024-05-02T08:00:00Z'})
  })

  it('probes again after a write that bumps no data version (raw SQL on the same file)', async () => {
    await catalog.queryMetric({metric: 'revenue/paid'})
    await catalog.db.run(`INSERT INTO orders VALUES (TIMESTAMP '2024-06-01 12:00:00', 2.0, 'paid')`)
    expect((await catalog.queryMetric({metric: 'revenue/paid'})).data_through).toBe('2024-06-01T12:00:00Z')
    await catalog.db.run(`DELETE FROM orders WHERE ts = TIMESTAMP '2024-06-01 12:00:00'`)
    expect((await catalog.queryMetric({metric: 'revenue/paid'})).data_through).toBe('2024-05-02T08:00:00Z')
  })

  it('probes again after a definition change moves the filters', async () => {
    await catalog.queryMetric({metric: 'revenue/paid'})
    await catalog.patchMetric('revenue/paid', {filters: ["status = 'refunded'"]})
    expect((await catalog.queryMetric({metric: 'revenue/paid'})).data_through).toBe('2024-05-03T09:00:00Z')
    await catalog.patchMetric('revenue/paid', {filters: ["status = 'paid'"]})
    expect((await catalog.queryMetric({metric: 'revenue/paid'})).data_through).toBe('2024-05-02T08:00:00Z')
  })

  it('probes again after an ingest of later points', async () => {
    await ingestPoints(catalog, {points: [{metricKey: 'players', date: '2024-02-01', value: 3}]} as never)
    expect((await catalog.queryMetric({metric: 'games/players'})).data_through).toBe('2024-02-01T00:00:00Z')
    await ingestPoints(catalog, {points: [{metricKey: 'players', date: '2024-02-03', value: 4}]} as never)
    const after = await catalog.queryMetric({metric: 'games/players'})
    expect(after.data_through).toBe('2024-02-03T00:00:00Z')
    expect(after.rows.map((r) => r.value)).toEqual([3, 0, 4])
  })
})
