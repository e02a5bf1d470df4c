import path from 'node:path'

import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {MetricDefinition} from '../../src/catalog/types.js'
import {needsFirstTime, planMetricQuery, renderLastTimes, renderPlan} from '../../src/query/index.js'
import type {AggregatePlan} from '../../src/query/plan.js'
import type {MetricQuery} from '../../src/query/types.js'
import {tempDir} from '../helpers.js'
import {lookupIn} from './fixtures.js'

// One measure with dimensions and both bounds, or without dimensions and an end from the data, its
// data_through known (what `query` runs once it has probed), is gap-filled from its own rows (a
// window over them, `renderRuns`); the SQL that probes (`sql`, a first query) and every other
// shape use a grid of periods x combinations joined to the rows. Each case here runs both and expects the same rows, and the rows by hand: gaps
// before, between and after a combination's rows, a NULL dimension value, a row without a time,
// nothing matching, NULL fill, compare, limit and order. Data ends 2024-04-20 (the May period is
// after it, so it is cut), starts 2024-01-10.
const ORDERS = `
CREATE TABLE orders AS SELECT ts, region, CAST(amount AS DOUBLE) AS amount FROM (VALUES
  (TIMESTAMP '2024-01-10 00:00:00', 'EU', 10.0),
  (TIMESTAMP '2024-03-05 00:00:00', 'EU', 30.0),
  (TIMESTAMP '2024-02-15 00:00:00', 'US', 20.0),
  (TIMESTAMP '2024-04-20 00:00:00', NULL, 5.0),
  (NULL, 'EU', 100.0)
) AS v(ts, region, amount)`

const base = {category: 'test', table_name: 'orders', expression: 'amount', time_column: 'ts', dimensions: ['region']}
const DEFS: MetricDefinition[] = [
  {...base, id: 'test/total', name: 'total', type: 'sum'},
  {...base, id: 'test/average', name: 'average', type: 'avg'},
]

let scratch: ReturnType<typeof tempDir>
let instance: DuckDBInstance
let con: DuckDBConnection

beforeAll(async () => {
  scratch = tempDir()
  instance = await DuckDBInstance.create(path.join(scratch.dir, 'gaps.duckdb'))
  con = await instance.connect()
  await con.run(ORDERS)
})

afterAll(() => {
  con.closeSync()
  instance.closeSync()
  scratch.cleanup()
})

async function rowsOf(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  return (await con.runAndReadAll(sql, params as never)).getRowObjectsJson() as Record<string, unknown>[]
}

/**
 * The rows of `query` as `query` runs it once data_through is known (the plan with each input's
 * last and first timestamp probed, as the catalog's memo holds them), after checking they are the
 * rows of the SQL that probes; values as numbers, without data_through.
 */
async function run(query: Omit<MetricQuery, 'metric'> & {metric?: string}, runs = true): Promise<unknown[][]> {
  const plan = planMetricQuery({metric: 'test/total', grain: 'month', ...query}, lookupIn(DEFS)) as AggregatePlan
  const first = needsFirstTime(plan)
  const probe = renderLastTimes(plan.measures, first ? plan.measures : [])
  const [times] = await rowsOf(probe.sql, probe.params)
  const known = renderPlan({
    ...plan,
    measures: plan.measures.map((m, i) => ({...m, knownLastTime: (times![`t${i}`] as string | null) ?? null, ...(first ? {knownFirstTime: (times![`f${i}`] as string | null) ?? null} : {})})),
  })
  expect(known.sql.includes('runs AS')).toBe(runs)
  const probed = renderPlan(plan)
  expect(probed.sql).not.toContain('runs AS')
  const rows = await rowsOf(known.sql, known.params)
  expect(rows).toEqual(await rowsOf(probed.sql, probed.params))
  const columns = known.columns.filter((c) => c !== 'data_through')
  return rows.map((r) => columns.map((c) => (typeof r[c] === 'string' && c !== 'period' && c !== 'region' ? Number(r[c]) : r[c])))
}

describe('gap filling from the measure rows', () => {
  it('gives every combination every period of a given range, cut where the data ends', async () => {
    expect(await run({by: ['region'], from: '2024-01-01', to: '2024-06-01'})).toEqual([
      ['2024-01-01', 'EU', 10, false],
      ['2024-01-01', 'US', 0, false],
      ['2024-01-01', null, 0, false],
      ['2024-02-01', 'EU', 0, false],
      ['2024-02-01', 'US', 20, false],
      ['2024-02-01', null, 0, false],
      ['2024-03-01', 'EU', 30, false],
      ['2024-03-01', 'US', 0, false],
      ['2024-03-01', null, 0, false],
      ['2024-04-01', 'EU', 0, true],
      ['2024-04-01', 'US', 0, true],
      ['2024-04-01', null, 5, true],
    ])
  })

  it('spans the periods with data when no range is given, and skips the row without a time (the join; one series: its rows)', async () => {
    const rows = await run({by: ['region']}, false)
    expect(rows.map((r) => r.slice(0, 3))).toEqual([
      ['2024-01-01', 'EU', 10],
      ['2024-01-01', 'US', 0],
      ['2024-01-01', null, 0],
      ['2024-02-01', 'EU', 0],
      ['2024-02-01', 'US', 20],
      ['2024-02-01', null, 0],
      ['2024-03-01', 'EU', 30],
      ['2024-03-01', 'US', 0],
      ['2024-03-01', null, 0],
      ['2024-04-01', 'EU', 0],
      ['2024-04-01', 'US', 0],
      ['2024-04-01', null, 5],
    ])
    expect((await run({})).map((r) => r.slice(0, 2))).toEqual([
      ['2024-01-01', 10],
      ['2024-02-01', 20],
      ['2024-03-01', 30],
      ['2024-04-01', 5],
    ])
  })

  it('starts at --from before a combination first has rows, and ends where the data ends', async () => {
    expect((await run({by: ['region'], from: '2024-02-01', to: '2024-07-01'})).map((r) => r.slice(0, 3))).toEqual([
      ['2024-02-01', 'EU', 0],
      ['2024-02-01', 'US', 20],
      ['2024-02-01', null, 0],
      ['2024-03-01', 'EU', 30],
      ['2024-03-01', 'US', 0],
      ['2024-03-01', null, 0],
      ['2024-04-01', 'EU', 0],
      ['2024-04-01', 'US', 0],
      ['2024-04-01', null, 5],
    ])
  })

  it('ends before --to, after a combination last has rows', async () => {
    expect((await run({by: ['region'], from: '2024-01-01', to: '2024-03-01'})).map((r) => r.slice(0, 3))).toEqual([
      ['2024-01-01', 'EU', 10],
      ['2024-01-01', 'US', 0],
      ['2024-02-01', 'EU', 0],
      ['2024-02-01', 'US', 20],
    ])
  })

  it('has no rows with dimensions when nothing matches, and zeros over a given range without', async () => {
    const none = {filters: [{dimension: 'region', op: '=' as const, value: 'XX'}], from: '2024-01-01', to: '2024-06-01'}
    expect(await run({...none, by: ['region']})).toEqual([])
    expect((await run(none, false)).map((r) => r.slice(0, 2))).toEqual([
      ['2024-01-01', 0],
      ['2024-02-01', 0],
      ['2024-03-01', 0],
      ['2024-04-01', 0],
    ])
  })

  it('fills NULL for an average, and compares with the filled previous period', async () => {
    expect((await run({metric: 'test/average', by: ['region'], from: '2024-02-01', to: '2024-04-01'})).map((r) => r.slice(0, 3))).toEqual([
      ['2024-02-01', 'EU', null],
      ['2024-02-01', 'US', 20],
      ['2024-03-01', 'EU', 30],
      ['2024-03-01', 'US', null],
    ])
    expect((await run({by: ['region'], compare: 'previous', from: '2024-02-01', to: '2024-04-01'})).map((r) => r.slice(0, 5))).toEqual([
      ['2024-02-01', 'EU', 0, 10, -100],
      ['2024-02-01', 'US', 20, 0, null],
      ['2024-03-01', 'EU', 30, 0, null],
      ['2024-03-01', 'US', 0, 20, -100],
    ])
  })

  it('keeps whole periods for --limit and the top rows for --order value', async () => {
    const range = {from: '2024-01-01', to: '2024-07-01'}
    expect((await run({by: ['region'], limit: 1, ...range})).map((r) => r.slice(0, 3))).toEqual([
      ['2024-04-01', 'EU', 0],
      ['2024-04-01', 'US', 0],
      ['2024-04-01', null, 5],
    ])
    expect((await run({by: ['region'], order: 'value', desc: true, limit: 2, ...range})).map((r) => r.slice(0, 3))).toEqual([
      ['2024-03-01', 'EU', 30],
      ['2024-02-01', 'US', 20],
    ])
  })
})
