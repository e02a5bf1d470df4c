// Every starter metric computed by `queryMetric` on the demo warehouse equals hand-written SQL.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {cleanRow} from '../../src/core/numbers.js'
import type {MetricQuery, ResultRow} from '../../src/query/types.js'
import {demoDatabase, tempDir} from '../helpers.js'
import {expectSameRows} from '../same-rows.js'

let catalog: Catalog
let cleanup: () => void

beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  catalog = await openCatalog({db: await demoDatabase(t.dir)})
})
afterAll(() => {
  catalog.close()
  cleanup()
})

async function hand(sql: string): Promise<ResultRow[]> {
  return (await catalog.db.query(sql)).rows as ResultRow[]
}

async function compiled(query: MetricQuery): Promise<ResultRow[]> {
  // a period the data ends inside carries partial: true (freshness tests cover it)
  return (await catalog.queryMetric(query)).rows.map(({partial: _, ...rest}) => rest)
}

const month = (col: string) => `CAST(date_trunc('month', ${col}) AS DATE)::VARCHAR AS period`

const MONTHLY: [string, string][] = [
  ['revenue/total_revenue', `SELECT ${month('ordered_at')}, sum(amount) AS value FROM orders WHERE status = 'completed' GROUP BY 1 ORDER BY 1`],
  ['revenue/mrr', `SELECT ${month('snapshot_month')}, sum(mrr) AS value FROM subscriptions GROUP BY 1 ORDER BY 1`],
  ['revenue/arr', `SELECT ${month('snapshot_month')}, sum(mrr) * 12 AS value FROM subscriptions GROUP BY 1 ORDER BY 1`],
  ['sales/upsell_expansion', `SELECT ${month('changed_at')}, sum(mrr_delta) AS value FROM subscription_changes WHERE change_type = 'expansion' GROUP BY 1 ORDER BY 1`],
  ['sales/new_customers', `SELECT ${month('started_at')}, count(*)::DOUBLE AS value FROM subscriptions WHERE is_new GROUP BY 1 ORDER BY 1`],
  ['growth/churned_customers', `SELECT ${month('snapshot_month')}, count(*)::DOUBLE AS value FROM subscriptions WHERE is_churned GROUP BY 1 ORDER BY 1`],
  ['growth/customers_at_start', `SELECT ${month('snapshot_month')}, count(*)::DOUBLE AS value FROM subscriptions WHERE NOT is_new GROUP BY 1 ORDER BY 1`],
  ['revenue/churn_rate', `SELECT ${month('snapshot_month')}, count(*) FILTER (WHERE is_churned) / nullif(count(*) FILTER (WHERE NOT is_new), 0) AS value FROM subscriptions GROUP BY 1 ORDER BY 1`],
  ['product_usage/active_users', `SELECT ${month('occurred_at')}, count(DISTINCT user_id)::DOUBLE AS value FROM user_events WHERE NOT is_internal GROUP BY 1 ORDER BY 1`],
  ['product_usage/feature_active_users', `SELECT ${month('occurred_at')}, count(DISTINCT user_id)::DOUBLE AS value FROM user_events WHERE NOT is_internal AND feature IS NOT NULL GROUP BY 1 ORDER BY 1`],
  ['product_usage/feature_adoption', `SELECT ${month('occurred_at')}, count(DISTINCT user_id) FILTER (WHERE feature IS NOT NULL) / count(DISTINCT user_id) AS value FROM user_events WHERE NOT is_internal GROUP BY 1 ORDER BY 1`],
  ['sales/weighted_pipeline', `SELECT ${month('close_date')}, sum(amount * probability) AS value FROM opportunities WHERE NOT is_closed GROUP BY 1 ORDER BY 1`],
  ['operations/mean_resolution_time', `SELECT ${month('resolved_at')}, avg(epoch(resolved_at - created_at) / 3600) AS value FROM tickets WHERE resolved_at IS NOT NULL GROUP BY 1 ORDER BY 1`],
  // a SQL ratio: churn rows of subscription_changes carry the MRR the snapshot bills in the cancellation month
  ['revenue/revenue_churn_rate', `SELECT ${month('snapshot_month')}, coalesce(sum(mrr) FILTER (WHERE is_churned), 0) AS churned_mrr, sum(mrr) FILTER (WHERE NOT is_new) AS beginning_mrr,
    coalesce(sum(mrr) FILTER (WHERE is_churned), 0) / sum(mrr) FILTER (WHERE NOT is_new) * 100 AS value FROM subscriptions GROUP BY 1 ORDER BY 1`],
  ['sales/pipeline_value', `SELECT ${month('close_date')}, sum(amount) AS value FROM opportunities WHERE NOT is_closed GROUP BY 1 ORDER BY 1`],
  ['operations/support_resolution_time', `SELECT ${month('resolved_at')}, median(epoch(resolved_at - created_at) / 3600) AS value FROM tickets WHERE resolved_at IS NOT NULL GROUP BY 1 ORDER BY 1`],
  ['operations/infrastructure_cost', `SELECT ${month('cost_date')}, sum(cost_usd) AS value FROM infra_costs GROUP BY 1 ORDER BY 1`],
]

describe('starter metrics on the demo warehouse equal hand-written SQL', () => {
  it('covers every metric of the starter pack', async () => {
    expect(MONTHLY.map(([id]) => id).sort()).toEqual((await catalog.list()).map((m) => m.id))
  })

  it.each(MONTHLY)('%s by month', async (metric, sql) => {
    expectSameRows(await compiled({metric, grain: 'month'}), await hand(sql))
  })

  it('total revenue by month and region, channel in (web, partner), over 12 months', async () => {
    expectSameRows(
      await compiled({metric: 'revenue/total_revenue', by: ['region'], filters: [{dimension: 'channel', op: 'in', value: ['web', 'partner']}], from: '2025-10-01', to: '2026-10-01'}),
      await hand(`SELECT ${month('ordered_at')}, region, sum(amount) AS value FROM orders
        WHERE status = 'completed' AND channel IN ('web', 'partner') AND ordered_at >= DATE '2025-10-01' AND ordered_at < DATE '2026-10-01'
        GROUP BY 1, 2 ORDER BY 1, 2`),
    )
  })

  it('active users by week (weeks start on Monday) for one region', async () => {
    expectSameRows(
      await compiled({metric: 'product_usage/active_users', grain: 'week', filters: [{dimension: 'region', op: '=', value: 'EU'}], from: '2026-01-05', to: '2026-04-06'}),
      await hand(`SELECT (DATE '2026-01-05' + CAST(7 * ((occurred_at::DATE - DATE '2026-01-05') // 7) AS INTEGER))::VARCHAR AS period, count(DISTINCT user_id)::DOUBLE AS value
        FROM user_events WHERE NOT is_internal AND region = 'EU' AND occurred_at >= DATE '2026-01-05' AND occurred_at < DATE '2026-04-06'
        GROUP BY 1 ORDER BY 1`),
    )
  })

  it('churn rate (ratio) by plan', async () => {
    expectSameRows(
      await compiled({metric: 'revenue/churn_rate', by: ['plan'], from: '2026-01-01', to: '2026-07-01'}),
      await hand(`SELECT ${month('snapshot_month')}, plan, count(*) FILTER (WHERE is_churned) / nullif(count(*) FILTER (WHERE NOT is_new), 0) AS value
        FROM subscriptions WHERE snapshot_month >= DATE '2026-01-01' AND snapshot_month < DATE '2026-07-01' GROUP BY 1, 2 ORDER BY 1, 2`),
    )
  })

  it('arr (derived) filtered to one region', async () => {
    expectSameRows(
      await compiled({metric: 'revenue/arr', filters: [{dimension: 'region', op: '=', value: 'EU'}], from: '2026-01-01'}),
      await hand(`SELECT ${month('snapshot_month')}, sum(mrr) * 12 AS value FROM subscriptions
        WHERE region = 'EU' AND snapshot_month >= DATE '2026-01-01' GROUP BY 1 ORDER BY 1`),
    )
  })

  it('total revenue by quarter compared with the previous quarter', async () => {
    expectSameRows(
      await compiled({metric: 'revenue/total_revenue', grain: 'quarter', compare: 'previous', from: '2025-01-01', to: '2026-10-01'}),
      await hand(`WITH q AS (
          SELECT CAST(date_trunc('quarter', ordered_at) AS DATE) AS p, sum(amount) AS v FROM orders WHERE status = 'completed' GROUP BY 1),
        c AS (SELECT p, v, lag(v) OVER (ORDER BY p) AS prev FROM q)
        SELECT p::VARCHAR AS period, v AS value, prev AS previous_value, (v - prev) / abs(prev) * 100 AS growth_pct
        FROM c WHERE p >= DATE '2025-01-01' AND p < DATE '2026-10-01' ORDER BY p`),
    )
  })

  it('mrr by month compared with the same month a year earlier, by region', async () => {
    expectSameRows(
      await compiled({metric: 'revenue/mrr', by: ['region'], compare: 'year', from: '2026-01-01', to: '2026-07-01'}),
      await hand(`WITH m AS (SELECT CAST(date_trunc('month', snapshot_month) AS DATE) AS p, region, sum(mrr) AS v FROM subscriptions GROUP BY 1, 2)
        SELECT cur.p::VARCHAR AS period, cur.region, cur.v AS value, prev.v AS previous_value, (cur.v - prev.v) / abs(prev.v) * 100 AS growth_pct
        FROM m AS cur LEFT JOIN m AS prev ON prev.region = cur.region AND prev.p = cur.p - INTERVAL 1 YEAR
        WHERE cur.p >= DATE '2026-01-01' AND cur.p < DATE '2026-07-01' ORDER BY 1, 2`),
    )
  })

  it('compares a DATE time column with a timestamp bound as a timestamp, not cut to its date', async () => {
    expectSameRows(
      await compiled({metric: 'operations/infrastructure_cost', grain: 'day', from: '2025-01-01', to: '2025-01-03T12:00:00'}),
      await hand(`SELECT cost_date::VARCHAR AS period, sum(cost_usd) AS value FROM infra_costs
        WHERE cost_date >= DATE '2025-01-01' AND cost_date::TIMESTAMP < TIMESTAMP '2025-01-03 12:00:00' GROUP BY 1 ORDER BY 1`),
    )
  })

  it('refuses a series of more periods than the cap when one end comes from the data', async () => {
    await expect(compiled({metric: 'revenue/total_revenue', grain: 'day', to: '9999-01-01', limit: 2})).rejects.toThrow(/the range spans more than 100000 day periods/)
  })

  it('fills a month with no data inside the range with 0 for a sum', async () => {
    const rows = await compiled({metric: 'revenue/total_revenue', filters: [{dimension: 'region', op: '=', value: 'nowhere'}], from: '2026-01-01', to: '2026-04-01'})
    expect(rows).toEqual([
      {period: '2026-01-01', value: 0},
      {period: '2026-02-01', value: 0},
      {period: '2026-03-01', value: 0},
    ])
  })

  it('runs a SQL variant as written', async () => {
    const def = await catalog.get('revenue/mrr')
    const [variant, sql] = Object.entries(def.sql_variants ?? {})[0]!
    const result = await catalog.queryMetric({metric: 'revenue/mrr', variant})
    // the same rows, numbers without their float noise
    expect(result.rows).toEqual((await hand(sql)).map(cleanRow))
  })
})
