import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {newCatalog, tempDir} from '../helpers.js'

// Which metrics use a column, from DuckDB's parse of their SQL: a small warehouse with look-alike
// column names and string literals that a substring search would confuse.

let catalog: Catalog
let cleanup: () => void

beforeAll(async () => {
  const tmp = tempDir('metricat-columns-')
  cleanup = tmp.cleanup
  catalog = await newCatalog(tmp.dir)
  await catalog.db.run(`CREATE TABLE mc.main.orders (order_id INTEGER, amount DOUBLE, amount_usd DOUBLE, status VARCHAR, "Region Name" VARCHAR, ordered_at TIMESTAMP)`)
  await catalog.db.run(`CREATE TABLE mc.main.refunds (refund_id INTEGER, order_id INTEGER, amount DOUBLE, refunded_at DATE)`)
  const put = (record: Record<string, unknown>) => catalog.putMetric(record, {source: 'cli'})
  await put({name: 'gross', category: 'sales', type: 'sum', table: 'orders', expression: 'amount', time_column: 'ordered_at', filters: ["status = 'amount'"], dimensions: ['status', {name: 'region', expr: 'lower("Region Name")'}]})
  await put({name: 'usd', category: 'sales', type: 'sum', table: 'main.orders', expression: 'amount_usd', time_column: 'ordered_at'})
  await put({
    name: 'net',
    category: 'sales',
    type: 'sum',
    table: 'orders',
    expression: 'amount_usd',
    time_column: 'ordered_at',
    sql: 'SELECT date_trunc(\'month\', o.ordered_at) AS period, sum(o.amount_usd - coalesce(r.amount, 0)) AS value FROM orders o LEFT JOIN refunds r ON r.order_id = o.order_id GROUP BY 1',
  })
  await put({name: 'orphan', category: 'sales', type: 'count', table: 'ghost_table', expression: 'ghost_col', time_column: 'ts'})
})
afterAll(() => {
  catalog?.close()
  cleanup?.()
})

describe('lookupColumn', () => {
  it('finds the metrics that read a column, not those that read a look-alike column or a string literal', async () => {
    const uses = await catalog.lookupColumn('amount')
    expect(uses).toEqual([
      {metric: 'sales/gross', table: 'orders', column: 'amount', used_in: ['expression']},
      {metric: 'sales/net', table: 'refunds', column: 'amount', used_in: ['sql']},
    ])
  })

  it('names every part of the definition that reads the column', async () => {
    expect(await catalog.lookupColumn('STATUS', 'orders')).toEqual([{metric: 'sales/gross', table: 'orders', column: 'status', used_in: ['filter', 'dimension']}])
    expect(await catalog.lookupColumn('region name')).toEqual([{metric: 'sales/gross', table: 'orders', column: 'region name', used_in: ['dimension']}])
  })

  it('narrows to one table, and `orders` matches a metric that says `main.orders`', async () => {
    expect((await catalog.lookupColumn('amount', 'refunds')).map((u) => u.metric)).toEqual(['sales/net'])
    expect((await catalog.lookupColumn('amount_usd', 'orders')).map((u) => [u.metric, u.table, u.used_in])).toEqual([
      ['sales/net', 'orders', ['expression', 'sql']],
      ['sales/usd', 'main.orders', ['expression']],
    ])
  })

  it('finds nothing for a column no metric reads', async () => {
    expect(await catalog.lookupColumn('order_id', 'orders')).toEqual([{metric: 'sales/net', table: 'orders', column: 'order_id', used_in: ['sql']}])
    expect(await catalog.lookupColumn('refund_id')).toEqual([])
  })
})

describe('tableMap', () => {
  it('lists every warehouse table with its columns, types and the metrics per column', async () => {
    const map = await catalog.tableMap()
    const orders = map.find((t) => t.table === 'orders')!
    expect(orders).toMatchObject({database: 'mc', schema: 'main', exists: true, metrics: ['sales/gross', 'sales/net', 'sales/usd']})
    expect(orders.columns.map((c) => [c.name, c.type])).toEqual([
      ['order_id', 'INTEGER'], ['amount', 'DOUBLE'], ['amount_usd', 'DOUBLE'], ['status', 'VARCHAR'], ['Region Name', 'VARCHAR'], ['ordered_at', 'TIMESTAMP'],
    ])
    expect(orders.columns.find((c) => c.name === 'amount_usd')!.metrics).toEqual([{id: 'sales/net', used_in: ['expression', 'sql']}, {id: 'sales/usd', used_in: ['expression']}])
    expect(map.find((t) => t.table === 'refunds')!.columns.find((c) => c.name === 'refund_id')!.metrics).toEqual([])
  })

  it('lists a table that a metric names but the database lacks, with the columns the metric reads', async () => {
    const ghost = (await catalog.tableMap()).find((t) => t.table === 'ghost_table')!
    expect(ghost).toMatchObject({exists: false, metrics: ['sales/orphan']})
    expect(ghost.columns.map((c) => c.name).sort()).toEqual(['ghost_col', 'ts'])
  })

  it('leaves out metricat\'s own bookkeeping tables', async () => {
    expect((await catalog.tableMap()).some((t) => t.schema === 'metricat' || t.table.includes('metric_definitions'))).toBe(false)
  })
})
