// A plan whose inputs' last timestamps are known (`knownLastTime`, what queryMetric binds once it has
// probed the data as it is now) renders without the `through` CTE: the bound values are read
// inline. Its rows must be exactly those of the SQL that probes, for every shape that reads them
// (periods cut at the data's end, partial, data_through, ratio inputs with different ends,
// snapshot coverage, compare, limit, no data at all, data-defined bounds).
import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {MetricDefinition} from '../../src/catalog/types.js'
import {planMetricQuery, renderPlan} from '../../src/query/index.js'
import type {AggregatePlan} from '../../src/query/plan.js'
import type {MetricQuery} from '../../src/query/types.js'
import {lookupIn, withKnownTimes} from './fixtures.js'

const DATA = [
  `CREATE TABLE orders AS SELECT ts, channel, CAST(amount AS DOUBLE) AS amount, status FROM (VALUES
    (TIMESTAMP '2024-01-10 00:00:00', 'partner', 10.0, 'paid'),
    (TIMESTAMP '2024-02-10 00:00:00', 'web',     20.0, 'paid'),
    (TIMESTAMP '2024-02-11 00:00:00', NULL,      7.0, 'paid'),
    (TIMESTAMP '2024-03-05 10:00:00', 'web',     30.0, 'paid'),
    (TIMESTAMP '2024-03-20 00:00:00', 'web',      5.0, 'refunded')
  ) AS v(ts, channel, amount, status)`,
  `CREATE TABLE snaps AS SELECT month, CAST(mrr AS DOUBLE) AS mrr FROM (VALUES
    (DATE '2024-01-01', 10.0), (DATE '2024-02-01', 20.0), (DATE '2024-03-01', 30.0), (DATE '2024-04-01', 40.0)
  ) AS v(month, mrr)`,
]

const orders = {category: 'revenue', table_name: 'orders', time_column: 'ts', expression: 'amount', dimensions: ['channel']}
const DEFS: MetricDefinition[] = [
  {...orders, id: 'revenue/paid', name: 'paid', type: 'sum', filters: ["status = 'paid'"]},
  {...orders, id: 'revenue/refunds', name: 'refunds', type: 'sum', filters: ["status = 'refunded'"]},
  {...orders, id: 'revenue/voided', name: 'voided', type: 'sum', filters: ["status = 'void'"]},
  {id: 'revenue/refund_rate', name: 'refund_rate', category: 'revenue', type: 'ratio', numerator: 'revenue/refunds', denominator: 'revenue/paid', dimensions: ['channel']},
  {id: 'revenue/mrr', name: 'mrr', category: 'revenue', type: 'sum', grain: 'month', time_aggregation: 'last', table_name: 'snaps', time_column: 'month', expression: 'mrr'},
  {id: 'revenue/mix', name: 'mix', category: 'revenue', type: 'derived', formula: 'revenue/mrr + revenue/paid'},
]
const lookup = lookupIn(DEFS)

let instance: DuckDBInstance
let con: DuckDBConnection

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:')
  con = await instance.connect()
  await con.run("SET TimeZone = 'UTC'")
  for (const sql of DATA) await con.run(sql)
})
afterAll(() => {
  con.closeSync()
  instance.closeSync()
})

async function rows(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  return (await con.runAndReadAll(sql, params as never)).getRowObjectsJson() as Record<string, unknown>[]
}

/** The plan with each measure's last (and, with a given --from, first) timestamp probed now, as the catalog's memo holds them. */
const withKnown = (plan: AggregatePlan) => withKnownTimes(plan, rows)

const QUERIES: Array<[string, MetricQuery]> = [
  ['range past the data end', {metric: 'revenue/paid', from: '2024-01-01', to: '2024-07-01'}],
  ['bounds from the data, by dimension with NULL', {metric: 'revenue/paid', by: ['channel']}],
  ['day grain', {metric: 'revenue/paid', grain: 'day', from: '2024-03-04', to: '2024-03-10'}],
  ['ratio of inputs ending at different times', {metric: 'revenue/refund_rate', by: ['channel'], from: '2024-01-01', to: '2024-07-01'}],
  ['snapshot coverage', {metric: 'revenue/mrr', from: '2024-01-01', to: '2024-12-01'}],
  ['snapshot rolled up to quarters', {metric: 'revenue/mrr', grain: 'quarter'}],
  ['derived over a snapshot and a sum', {metric: 'revenue/mix', from: '2024-01-01', to: '2024-12-01'}],
  ['compare with limit', {metric: 'revenue/paid', from: '2024-01-01', to: '2024-07-01', compare: 'previous', limit: 1}],
  ['an input without any rows', {metric: 'revenue/voided', from: '2024-01-01', to: '2024-07-01'}],
  ['no rows at all, bounds from the data', {metric: 'revenue/voided'}],
]

describe('known data_through: inline bound values instead of the through CTE', () => {
  it.each(QUERIES)('%s: the same rows as the SQL that probes', async (_, query) => {
    const plan = planMetricQuery(query, lookup) as AggregatePlan
    const probed = renderPlan(plan)
    const known = renderPlan(await withKnown(plan))
    expect(probed.sql).toContain('through AS MATERIALIZED')
    expect(known.sql).not.toMatch(/\bthrough\b(?! AS \w)/)
    expect(known.sql).not.toContain('FROM through')
    expect(known.columns).toEqual(probed.columns)
    expect(await rows(known.sql, known.params)).toEqual(await rows(probed.sql, probed.params))
  })

  it('the rows are the real answer (not only equal to the probe)', async () => {
    const plan = await withKnown(planMetricQuery({metric: 'revenue/refund_rate', from: '2024-01-01', to: '2024-07-01'}, lookup) as AggregatePlan)
    const c = renderPlan(plan)
    expect((await rows(c.sql, c.params)).map((r) => [r.period, r.partial, r.data_through])).toEqual([
      ['2024-01-01', false, '2024-03-20T00:00:00Z'],
      ['2024-02-01', false, '2024-03-20T00:00:00Z'],
      ['2024-03-01', true, '2024-03-20T00:00:00Z'],
    ])
  })

  it('binds each known value once, in text order', () => {
    const plan = planMetricQuery({metric: 'revenue/refund_rate', from: '2024-01-01', to: '2024-07-01'}, lookup) as AggregatePlan
    const c = renderPlan({...plan, measures: plan.measures.map((m, i) => ({...m, knownLastTime: i === 0 ? '2024-03-20 00:00:00' : null, knownFirstTime: i === 0 ? '2024-01-10 00:00:00' : null}))})
    expect(c.params.filter((p) => p === '2024-03-20 00:00:00')).toHaveLength(1)
    const order = [...c.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]))
    expect(order.filter((n, i) => order.indexOf(n) === i)).toEqual(order.filter((n, i) => order.indexOf(n) === i).sort((a, b) => a - b))
  })

  it('golden SQL: the 12-month query by region as queryMetric runs it', async () => {
    const plan = planMetricQuery(
      {metric: 'revenue/paid', by: ['channel'], filters: [{dimension: 'channel', op: 'in', value: ['web', 'partner']}], from: '2024-01-01', to: '2025-01-01'},
      lookup,
    ) as AggregatePlan
    const c = renderPlan({...plan, measures: plan.measures.map((m) => ({...m, knownLastTime: '2024-03-05 10:00:00', knownFirstTime: '2024-01-10 00:00:00'}))})
    await expect(`${c.sql}\n-- params: ${JSON.stringify(c.params)}\n`).toMatchFileSnapshot('__snapshots__/golden/known-data-through.sql')
  })
})
