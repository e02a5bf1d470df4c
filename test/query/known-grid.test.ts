// With every input's timestamps known (what `query` runs once it has probed), the renderer computes
// what they mean for the period grid once, as values: the grid's given ends clamped to the data's
// first and last periods instead of a cut on every period, and `partial` as `period >= the period
// holding what the data covers`. One series (no --by) with an end from the data is filled from its
// own rows (`runs`: no bounds, no join, no materialised measure). Each case here expects exactly
// the rows of the SQL that probes (the cuts in SQL), and some the rows by hand: week and quarter
// grains, bounds with a time of day, ranges starting before and ending after the data, timestamps
// with fractions, a DATE time column, rows without a time, no rows, the period cap.
import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {MetricDefinition} from '../../src/catalog/types.js'
import {planMetricQuery, renderPlan} from '../../src/query/index.js'
import type {AggregatePlan} from '../../src/query/plan.js'
import type {MetricQuery} from '../../src/query/types.js'
import {lookupIn, withKnownTimes} from './fixtures.js'

const DATA = [
  // paid orders from Wednesday 2024-01-10 to Tuesday 2024-04-16 10:30:00.25; a row without a time
  `CREATE TABLE orders AS SELECT ts, channel, CAST(amount AS DOUBLE) AS amount, status FROM (VALUES
    (TIMESTAMP '2024-01-10 00:00:00', 'partner', 10.0, 'paid'),
    (TIMESTAMP '2024-02-10 23:59:59', 'web',     20.0, 'paid'),
    (TIMESTAMP '2024-02-11 00:00:00', NULL,      7.0, 'paid'),
    (TIMESTAMP '2024-03-05 10:00:00', 'web',     30.0, 'paid'),
    (TIMESTAMP '2024-04-16 10:30:00.25', 'partner', 4.0, 'paid'),
    (NULL,                            'web',    100.0, 'paid'),
    (TIMESTAMP '2024-06-20 00:00:00', 'web',      5.0, 'refunded')
  ) AS v(ts, channel, amount, status)`,
  `CREATE TABLE visits AS SELECT day, CAST(n AS DOUBLE) AS n FROM (VALUES
    (DATE '2024-01-01', 3.0), (DATE '2024-01-31', 4.0), (DATE '2024-03-31', 5.0)
  ) AS v(day, n)`,
  // two rows 300 years apart: more than 100000 day periods between them
  `CREATE TABLE sparse AS SELECT ts, CAST(1 AS DOUBLE) AS amount FROM (VALUES (TIMESTAMP '1724-01-01'), (TIMESTAMP '2024-01-01')) AS v(ts)`,
]

const orders = {category: 'shop', table_name: 'orders', time_column: 'ts', expression: 'amount', dimensions: ['channel']}
const DEFS: MetricDefinition[] = [
  {...orders, id: 'shop/paid', name: 'paid', type: 'sum', filters: ["status = 'paid'"]},
  {...orders, id: 'shop/refunds', name: 'refunds', type: 'sum', filters: ["status = 'refunded'"]},
  {...orders, id: 'shop/average', name: 'average', type: 'avg', filters: ["status = 'paid'"]},
  {...orders, id: 'shop/voided', name: 'voided', type: 'sum', filters: ["status = 'void'"]},
  {id: 'shop/refund_rate', name: 'refund_rate', category: 'shop', type: 'ratio', numerator: 'shop/refunds', denominator: 'shop/paid', dimensions: ['channel']},
  {id: 'shop/visits', name: 'visits', category: 'shop', type: 'sum', table_name: 'visits', time_column: 'day', expression: 'n'},
  {id: 'shop/sparse', name: 'sparse', category: 'shop', type: 'sum', table_name: 'sparse', time_column: 'ts', expression: 'amount'},
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

/** The SQL with known timestamps and the SQL that probes: same columns, same rows (returned). */
async function both(query: MetricQuery): Promise<{rows: Record<string, unknown>[]; sql: string}> {
  const plan = planMetricQuery(query, lookup) as AggregatePlan
  const probed = renderPlan(plan)
  const known = renderPlan(await withKnown(plan))
  expect(known.columns).toEqual(probed.columns)
  const got = await rows(known.sql, known.params)
  expect(got).toEqual(await rows(probed.sql, probed.params))
  return {rows: got, sql: known.sql}
}

const QUERIES: Array<[string, MetricQuery]> = [
  ['one series, no range', {metric: 'shop/paid'}],
  ['one series, --from only (before the data)', {metric: 'shop/paid', from: '2023-11-01'}],
  ['one series, --from only (inside the data, mid-month)', {metric: 'shop/paid', from: '2024-02-11'}],
  ['one series, --to only (after the data)', {metric: 'shop/paid', to: '2024-09-01'}],
  ['one series, --to only (inside the data, with a time of day)', {metric: 'shop/paid', to: '2024-03-05T10:00:00Z'}],
  ['one series, both bounds around the data', {metric: 'shop/paid', from: '2023-10-01', to: '2024-10-01'}],
  ['week grain, no range', {metric: 'shop/paid', grain: 'week'}],
  ['week grain, bounds mid-week with a time of day', {metric: 'shop/paid', grain: 'week', from: '2024-01-03T12:00:00Z', to: '2024-04-16T10:30:00.5Z'}],
  ['week grain, --to just before the last order', {metric: 'shop/paid', grain: 'week', from: '2024-01-01', to: '2024-04-16T10:30:00.125Z'}],
  ['day grain, --to only', {metric: 'shop/paid', grain: 'day', to: '2024-02-12'}],
  ['quarter grain by dimension', {metric: 'shop/paid', grain: 'quarter', by: ['channel'], from: '2023-07-01', to: '2025-01-01'}],
  ['year grain', {metric: 'shop/paid', grain: 'year'}],
  ['average (NULL fill), one series', {metric: 'shop/average'}],
  ['compare, one series, no range', {metric: 'shop/paid', compare: 'previous'}],
  ['compare, one series, --from only', {metric: 'shop/paid', compare: 'previous', from: '2024-02-01'}],
  ['compare by week with --limit', {metric: 'shop/paid', grain: 'week', by: ['channel'], compare: 'year', from: '2024-01-01', to: '2024-05-01', limit: 3}],
  ['ratio of inputs ending at different times', {metric: 'shop/refund_rate', from: '2024-01-01', to: '2024-12-01'}],
  ['ratio, no range', {metric: 'shop/refund_rate', by: ['channel']}],
  ['a DATE time column, week grain', {metric: 'shop/visits', grain: 'week'}],
  ['a DATE time column, --from after the data', {metric: 'shop/visits', from: '2024-06-01', to: '2024-08-01'}],
  ['no rows, no range', {metric: 'shop/voided'}],
  ['no rows, a range', {metric: 'shop/voided', from: '2024-01-01', to: '2024-03-01'}],
  ['a slice that stops before the data ends, one series, no range', {metric: 'shop/paid', filters: [{dimension: 'channel', op: '=', value: 'web'}]}],
  ['a slice that stops before the data ends, one series, --to only', {metric: 'shop/paid', grain: 'week', to: '2024-06-01', filters: [{dimension: 'channel', op: '=', value: 'web'}]}],
  ['nothing matches the filter, one series, no range', {metric: 'shop/paid', filters: [{dimension: 'channel', op: '=', value: 'fax'}]}],
  ['nothing matches the filter, one series, --from only', {metric: 'shop/paid', from: '2024-01-01', filters: [{dimension: 'channel', op: '=', value: 'fax'}]}],
  ['order by value with a limit, one series', {metric: 'shop/paid', grain: 'week', order: 'value', desc: true, limit: 3}],
]

describe('known timestamps: the grid clamped to the data, partial as a period', () => {
  it.each(QUERIES)('%s: the same rows as the SQL that probes', async (_, query) => {
    await both(query)
  })

  it('cuts nothing per period and reads no bound timestamp but data_through', async () => {
    const {sql} = await both({metric: 'shop/paid', by: ['channel'], from: '2024-01-01', to: '2024-12-01'})
    expect(sql).not.toMatch(/AS TIMESTAMP\) <=|AS TIMESTAMP\) \+ INTERVAL '1 month' >/)
    expect(sql).toMatch(/grid\.period >= CAST\(\$\d+ AS DATE\) AS partial/)
    expect(sql.match(/CAST\(\$\d+ AS TIMESTAMP\)/g)).toHaveLength(3)
  })

  it('fills one series from its rows, with the right rows', async () => {
    const {rows: got, sql} = await both({metric: 'shop/paid'})
    expect(sql).toContain('runs AS')
    expect(sql).not.toContain('MATERIALIZED')
    expect(sql).not.toContain('bounds AS')
    expect(got.map((r) => [r.period, Number(r.value), r.partial, r.data_through])).toEqual([
      ['2024-01-01', 10, false, '2024-04-16T10:30:00Z'],
      ['2024-02-01', 27, false, '2024-04-16T10:30:00Z'],
      ['2024-03-01', 30, false, '2024-04-16T10:30:00Z'],
      ['2024-04-01', 4, true, '2024-04-16T10:30:00Z'],
    ])
  })

  it('runs a slice that stops early to the period the data ends in', async () => {
    const {rows: got, sql} = await both({metric: 'shop/paid', filters: [{dimension: 'channel', op: '=', value: 'web'}]})
    expect(sql).toContain('runs AS')
    expect(got.map((r) => [r.period, Number(r.value)])).toEqual([
      ['2024-02-01', 20],
      ['2024-03-01', 30],
      ['2024-04-01', 0],
    ])
  })

  it('starts a --from before the data at its first period and ends a --to after it at its last', async () => {
    const {rows: got} = await both({metric: 'shop/paid', grain: 'week', from: '2023-12-01', to: '2024-09-01'})
    expect(got[0]!.period).toBe('2024-01-08')
    expect(got.at(-1)!.period).toBe('2024-04-15')
    expect(got).toHaveLength(15)
    expect(got.filter((r) => r.partial).map((r) => r.period)).toEqual(['2024-04-15'])
  })

  it('keeps the period cap of a series from the data: the same error as the SQL that probes', async () => {
    const plan = planMetricQuery({metric: 'shop/sparse', grain: 'day'}, lookup) as AggregatePlan
    const known = renderPlan(await withKnown(plan))
    expect(known.sql).toContain('runs AS')
    const message = 'the range spans more than 100000 day periods; give --from and --to, or use a coarser --grain'
    await expect(rows(known.sql, known.params)).rejects.toThrow(message)
    const probed = renderPlan(plan)
    await expect(rows(probed.sql, probed.params)).rejects.toThrow(message)
    // with --to only, to it as asked
    const to = renderPlan(await withKnown(planMetricQuery({metric: 'shop/sparse', grain: 'day', to: '2024-06-01'}, lookup) as AggregatePlan))
    expect(to.sql).toContain('runs AS')
    await expect(rows(to.sql, to.params)).rejects.toThrow(message)
    // with --from given the cap counts from it, as asked (not from the data's first period)
    const from = renderPlan(await withKnown(planMetricQuery({metric: 'shop/sparse', grain: 'day', from: '1724-01-01'}, lookup) as AggregatePlan))
    await expect(rows(from.sql, from.params)).rejects.toThrow(message)
    // a year grain spans 301 periods: no error
    expect(await both({metric: 'shop/sparse', grain: 'year'}).then((r) => r.rows.length)).toBe(301)
  })
})
