// Periods before a metric's first data are not "0": with --from earlier than the first row (or a
// compare reaching back before it) they are absent, so previous_value and growth_pct are NULL there,
// the same way periods after data_through are not filled. Checked on raw SQL (probe inside), with
// the first/last timestamps bound (what the catalog does), and through the catalog on a rollup.
import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {MetricDefinition} from '../../src/catalog/types.js'
import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {refreshRollups} from '../../src/core/rollups.js'
import {compileMetricQuery, planMetricQuery, renderPlan} from '../../src/query/index.js'
import type {AggregatePlan} from '../../src/query/plan.js'
import type {MetricQuery} from '../../src/query/types.js'
import {demoDatabase, tempDir} from '../helpers.js'
import {lookupIn} from './fixtures.js'

// Paid orders start on Wednesday 2024-03-06 (an earlier refunded one on 2024-02-20 is filtered out
// by the metric's definition); EU starts in April.
const DATA = `CREATE TABLE orders AS SELECT ts, region, CAST(amount AS DOUBLE) AS amount, status FROM (VALUES
    (TIMESTAMP '2024-02-20 00:00:00', 'EU', 99.0, 'refunded'),
    (TIMESTAMP '2024-03-06 09:00:00', 'NA', 10.0, 'paid'),
    (TIMESTAMP '2024-03-20 00:00:00', 'NA', 20.0, 'paid'),
    (TIMESTAMP '2024-04-10 00:00:00', 'EU', 30.0, 'paid'),
    (TIMESTAMP '2024-05-10 00:00:00', 'NA', 40.0, 'paid'),
    (TIMESTAMP '2025-03-15 00:00:00', 'NA', 50.0, 'paid')
  ) AS v(ts, region, amount, status)`

const orders = {category: 'revenue', table_name: 'orders', time_column: 'ts', expression: 'amount', dimensions: ['region']}
const DEFS: MetricDefinition[] = [
  {...orders, id: 'revenue/paid', name: 'paid', type: 'sum', filters: ["status = 'paid'"]},
  {...orders, id: 'revenue/refunds', name: 'refunds', type: 'sum', filters: ["status = 'refunded'"]},
  {id: 'revenue/net', name: 'net', category: 'revenue', type: 'derived', formula: 'revenue/paid - revenue/refunds', dimensions: ['region']},
]
const lookup = lookupIn(DEFS)

let instance: DuckDBInstance
let con: DuckDBConnection

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:')
  con = await instance.connect()
  await con.run(DATA)
})
afterAll(() => {
  con.closeSync()
  instance.closeSync()
})

async function rows(sql: string, params: unknown[]): Promise<unknown[][]> {
  const out = (await con.runAndReadAll(sql, params as never)).getRowObjectsJson() as Record<string, unknown>[]
  return out.map((r) => [r.period, ...(r.region !== undefined ? [r.region] : []), r.value, ...('previous_value' in r ? [r.previous_value, r.growth_pct] : [])])
}

/** The query as SQL probing the data, and with the first/last timestamps bound as the catalog binds them: both must give `expected`. */
async function both(query: MetricQuery, first: string | null, last: string | null): Promise<unknown[][]> {
  const probed = compileMetricQuery(query, lookup)
  const plan = planMetricQuery(query, lookup) as AggregatePlan
  const bound = renderPlan({...plan, measures: plan.measures.map((m) => ({...m, knownFirstTime: first, knownLastTime: last}))})
  const a = await rows(probed.sql, probed.params)
  expect(await rows(bound.sql, bound.params)).toEqual(a)
  return a
}

const FIRST = '2024-03-06 09:00:00'
const LAST = '2025-03-15 00:00:00'

describe('periods before the first data', () => {
  it('--compare previous: the first month with data has previous_value and growth_pct NULL, not 0', async () => {
    expect(await both({metric: 'revenue/paid', from: '2024-03-01', to: '2024-06-01', compare: 'previous'}, FIRST, LAST)).toEqual([
      ['2024-03-01', 30, null, null],
      ['2024-04-01', 30, 30, 0],
      ['2024-05-01', 40, 30, 33.33333333333333],
    ])
  })

  it('--compare year: the periods whose year-earlier period ends before the data starts get NULL', async () => {
    expect(await both({metric: 'revenue/paid', from: '2025-02-01', to: '2025-04-01', compare: 'year'}, FIRST, LAST)).toEqual([
      ['2025-02-01', 0, null, null],
      ['2025-03-01', 50, 30, 66.66666666666666],
    ])
  })

  it('--from before the first data: the months before it are absent, not 0 (the metric\'s definition filters decide where the data starts)', async () => {
    expect(await both({metric: 'revenue/paid', from: '2023-12-01', to: '2024-05-01'}, FIRST, LAST)).toEqual([
      ['2024-03-01', 30],
      ['2024-04-01', 30],
    ])
  })

  it('the week holding the first timestamp (data from a Wednesday) is kept', async () => {
    expect(await both({metric: 'revenue/paid', grain: 'week', from: '2024-02-19', to: '2024-03-18'}, FIRST, LAST)).toEqual([
      ['2024-03-04', 10],
      ['2024-03-11', 0],
    ])
  })

  it('a --where or --by value whose rows start later still gets 0 from the metric\'s first period on', async () => {
    expect(await both({metric: 'revenue/paid', from: '2024-01-01', to: '2024-05-01', by: ['region'], compare: 'previous'}, FIRST, LAST)).toEqual([
      ['2024-03-01', 'EU', 0, null, null],
      ['2024-03-01', 'NA', 30, null, null],
      ['2024-04-01', 'EU', 30, 0, null],
      ['2024-04-01', 'NA', 0, 30, -100],
    ])
    expect(await both({metric: 'revenue/paid', from: '2024-01-01', to: '2024-05-01', filters: [{dimension: 'region', op: '=', value: 'EU'}]}, FIRST, LAST)).toEqual([
      ['2024-03-01', 0],
      ['2024-04-01', 30],
    ])
  })

  it('a derived metric starts at its earliest input', async () => {
    // refunds start in February: net has February (-99) and no earlier month
    const plan = planMetricQuery({metric: 'revenue/net', from: '2024-01-01', to: '2024-04-01', compare: 'previous'}, lookup) as AggregatePlan
    const probed = renderPlan(plan)
    expect(await rows(probed.sql, probed.params)).toEqual([
      ['2024-02-01', -99, null, null],
      ['2024-03-01', 30, -99, 130.3030303030303],
    ])
    const firsts: Record<string, string> = {'revenue/paid': FIRST, 'revenue/refunds': '2024-02-20 00:00:00'}
    const bound = renderPlan({...plan, measures: plan.measures.map((m) => ({...m, knownFirstTime: firsts[m.metric]!, knownLastTime: LAST}))})
    expect(await rows(bound.sql, bound.params)).toEqual(await rows(probed.sql, probed.params))
  })

  it('a range wholly before the data: no rows', async () => {
    expect(await both({metric: 'revenue/paid', filters: [], from: '2024-01-01', to: '2024-03-01'}, null, null)).toEqual([])
  })
})

describe('through the catalog (first timestamp remembered, rollup-served plan)', () => {
  let dir: string
  let cleanup: () => void
  let catalog: Catalog

  beforeAll(async () => {
    ;({dir, cleanup} = tempDir('metricat-first-data-'))
    catalog = await openCatalog({db: await demoDatabase(dir)})
    await catalog.importDocuments([
      {file: 'paid.yml', text: 'name: paid\ntype: sum\ntable: orders\ntime_column: ordered_at\nexpression: amount\nfilters:\n  - "status = \'completed\'"\nrollups:\n  - grain: day\n', category: 'mine'},
    ])
  })
  afterAll(() => {
    catalog.close()
    cleanup()
  })

  it('the demo\'s first month has no previous_value, from raw rows and from the rollup, in a first and a repeated query', async () => {
    const query: MetricQuery = {metric: 'mine/paid', from: '2023-09-01', to: '2024-01-01', compare: 'previous'}
    const raw = await catalog.queryMetric({...query, no_rollup: true})
    expect(raw.rows.map((r) => [r.period, r.previous_value, r.growth_pct])).toEqual([
      ['2023-11-01', null, null],
      ['2023-12-01', raw.rows[0]!.value, expect.any(Number)],
    ])
    expect((await catalog.queryMetric({...query, no_rollup: true})).rows).toEqual(raw.rows)
    await refreshRollups(catalog, ['mine/paid'])
    const served = await catalog.queryMetric(query)
    expect(served.rollup?.used).toBe('mine/paid@day')
    expect(served.rows).toEqual(raw.rows)
    expect((await catalog.queryMetric({...query, grain: 'quarter', from: '2023-01-01'})).rows.map((r) => [r.period, r.previous_value])).toEqual([['2023-10-01', null]])
  })
})
