// Numbers an analyst would quote, on the demo warehouse, against hand-written SQL (issue 8).
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {TokenStore} from '../../src/core/tokens.js'
import type {ResultRow} from '../../src/query/types.js'
import {demoDatabase, tempDir} from '../helpers.js'
import {type Requester, requester} from '../server/helpers.js'

let catalog: Catalog
let cleanup: () => void
let call: Requester
let token: string

beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  catalog = await openCatalog({db: await demoDatabase(t.dir)})
  const tokens = new TokenStore(catalog.db)
  token = (await tokens.createToken('analyst-1', 'analyst')).token
  call = requester(catalog, {tokens})
})
afterAll(() => {
  catalog.close()
  cleanup()
})

async function hand(sql: string): Promise<ResultRow[]> {
  return (await catalog.db.query(sql)).rows as ResultRow[]
}

const EU = [{dimension: 'region', op: '=' as const, value: 'EU'}]

describe('snapshot metrics roll up with their time_aggregation', () => {
  it('revenue/mrr at quarter for EU Q1 2025 is March\'s MRR, not the sum of three months', async () => {
    const result = await catalog.queryMetric({metric: 'revenue/mrr', grain: 'quarter', filters: EU, from: '2025-01-01', to: '2025-04-01'})
    const [march] = await hand(`SELECT sum(mrr) AS v FROM subscriptions WHERE region = 'EU' AND snapshot_month = DATE '2025-03-01'`)
    const [summed] = await hand(`SELECT sum(mrr) AS v FROM subscriptions WHERE region = 'EU' AND snapshot_month >= DATE '2025-01-01' AND snapshot_month < DATE '2025-04-01'`)
    expect(result.rows).toHaveLength(1)
    expect(result.rows[0]!.period).toBe('2025-01-01')
    expect(result.rows[0]!.value).toBeCloseTo(march!.v as number, 6)
    expect(result.rows[0]!.value as number).toBeLessThan((summed!.v as number) / 2)
  })

  it('revenue/arr at quarter is the last month\'s MRR times 12', async () => {
    const result = await catalog.queryMetric({metric: 'revenue/arr', grain: 'quarter', from: '2025-01-01', to: '2026-01-01'})
    const expected = await hand(`SELECT date_trunc('quarter', snapshot_month)::DATE::VARCHAR AS period, sum(mrr) * 12 AS value FROM subscriptions
      WHERE snapshot_month IN (SELECT max(snapshot_month) FROM subscriptions GROUP BY date_trunc('quarter', snapshot_month))
        AND snapshot_month >= DATE '2025-01-01' AND snapshot_month < DATE '2026-01-01'
      GROUP BY 1 ORDER BY 1`)
    expect(result.rows.map((r) => r.period)).toEqual(expected.map((r) => r.period))
    result.rows.forEach((r, i) => expect(r.value).toBeCloseTo(expected[i]!.value as number, 4))
  })

  it('revenue/churn_rate at quarter is churn of the quarter over customers at its start', async () => {
    const result = await catalog.queryMetric({metric: 'revenue/churn_rate', grain: 'quarter', from: '2025-04-01', to: '2025-07-01'})
    const [row] = await hand(`SELECT
        (SELECT count(*) FROM subscriptions WHERE is_churned AND snapshot_month >= DATE '2025-04-01' AND snapshot_month < DATE '2025-07-01')
        / (SELECT count(*) FROM subscriptions WHERE NOT is_new AND snapshot_month = DATE '2025-04-01') AS v`)
    expect(result.rows[0]!.value).toBeCloseTo(row!.v as number, 12)
  })
})

describe('data freshness', () => {
  it('no "0 active users" for months after the data ends; data_through is the last event after the filters', async () => {
    const result = await catalog.queryMetric({metric: 'product_usage/active_users', from: '2026-08-01', to: '2027-03-01'})
    const [last] = await hand(`SELECT strftime(max(occurred_at)::TIMESTAMP, '%Y-%m-%dT%H:%M:%SZ') AS t, date_trunc('month', max(occurred_at))::DATE::VARCHAR AS m FROM user_events WHERE NOT is_internal`)
    expect(result.data_through).toBe(last!.t)
    expect(result.rows.at(-1)!.period).toBe(last!.m)
    expect(result.rows.every((r) => (r.value as number) > 0)).toBe(true)
  })

  it('show prints data_through for a table metric', async () => {
    const shown = (await catalog.show('revenue/mrr')) as {data_through?: string}
    const [last] = await hand(`SELECT strftime(max(snapshot_month)::TIMESTAMP, '%Y-%m-%dT%H:%M:%SZ') AS t FROM subscriptions`)
    expect(shown.data_through).toBe(last!.t)
  })

  it('a range after the data is empty and still says how far the data goes', async () => {
    const result = await catalog.queryMetric({metric: 'revenue/total_revenue', from: '2030-01-01', to: '2030-03-01'})
    expect(result.rows).toEqual([])
    expect(result.data_through).toMatch(/^20\d\d-\d\d-\d\dT/)
  })
})

describe('--compare on whole periods', () => {
  it('--from 2025-10-01 at week grain compares the whole week of 2025-09-29 with the whole week before', async () => {
    const result = await catalog.queryMetric({metric: 'revenue/total_revenue', grain: 'week', compare: 'previous', from: '2025-10-01', to: '2025-10-13'})
    const weeks = await hand(`SELECT date_trunc('week', ordered_at)::DATE::VARCHAR AS period, sum(amount) AS value FROM orders
      WHERE status = 'completed' AND ordered_at >= DATE '2025-09-22' AND ordered_at < DATE '2025-10-13' GROUP BY 1 ORDER BY 1`)
    expect(weeks.map((w) => w.period)).toEqual(['2025-09-22', '2025-09-29', '2025-10-06'])
    const [w0, w1, w2] = weeks.map((w) => w.value as number)
    expect(result.rows.map((r) => r.period)).toEqual(['2025-09-29', '2025-10-06'])
    expect(result.rows[0]!.value).toBeCloseTo(w1!, 6)
    expect(result.rows[0]!.previous_value).toBeCloseTo(w0!, 6)
    expect(result.rows[0]!.growth_pct).toBeCloseTo(((w1! - w0!) / w0!) * 100, 9)
    expect(result.rows[1]!.growth_pct).toBeCloseTo(((w2! - w1!) / w1!) * 100, 9)
    expect(result.warnings).toEqual(['--compare uses whole periods: --from 2025-10-01 was widened to 2025-09-29, the start of its week'])
  })
})

describe('request shape over HTTP', () => {
  it('order, desc and limit in the query body give a top 3 of regions', async () => {
    const body = {by: ['region'], from: '2026-09-01', to: '2026-10-01', order: 'value', desc: true, limit: 3}
    const r = await call('POST', '/api/metrics/revenue/total_revenue/query', {token, body})
    expect(r.status).toBe(200)
    const expected = await hand(`SELECT '2026-09-01' AS period, region, sum(amount) AS value FROM orders
      WHERE status = 'completed' AND ordered_at >= DATE '2026-09-01' AND ordered_at < DATE '2026-10-01' GROUP BY region ORDER BY value DESC LIMIT 3`)
    expect(r.body.rows.map((x: ResultRow) => x.region)).toEqual(expected.map((x) => x.region))
  })

  it('range in the body is a relative range: "last year" is the previous calendar year (UTC)', async () => {
    const r = await call('POST', '/api/metrics/revenue/total_revenue/query', {token, body: {range: 'last year', grain: 'quarter'}})
    expect(r.status).toBe(200)
    const y = new Date().getUTCFullYear() - 1
    expect(r.body.sql).toContain('"ordered_at" >= $1')
    expect(r.body.params.slice(0, 2)).toEqual([`${y}-01-01`, `${y + 1}-01-01`])
  })

  it('a bad order is a 422 naming the field', async () => {
    const r = await call('POST', '/api/metrics/revenue/total_revenue/query', {token, body: {order: 'size'}})
    expect(r.status).toBe(422)
    expect(r.body.error.message).toMatch(/\/order/)
  })
})
