// An Agnes `da metrics` pack (YAML lists, grain monthly, aggregate expressions, SQL ratios, an
// index file) imports unchanged and computes the same numbers as hand-written SQL.
import {cpSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {aggregateExpressions} from '../../src/catalog/aggregate-expression.js'
import type {Catalog, ImportPlan} from '../../src/core/catalog.js'
import type {MetricQuery, ResultRow} from '../../src/query/types.js'
import {AGNES_PACK as PACK, loadAgnesWarehouse} from '../fixtures/agnes-pack.js'
import {newCatalog, tempDir} from '../helpers.js'
import {expectSameRows as sameRows} from '../same-rows.js'

const expectSameRows = (actual: ResultRow[], expected: ResultRow[]) => sameRows(actual, expected, {keyOrder: true})

let catalog: Catalog
let dir: string
let cleanup: () => void
let plan: ImportPlan

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  catalog = await newCatalog(dir)
  await loadAgnesWarehouse(catalog)
  plan = await catalog.importPath(PACK)
})
afterAll(() => {
  catalog.close()
  cleanup()
})

async function hand(sql: string): Promise<ResultRow[]> {
  return (await catalog.db.query(sql)).rows as ResultRow[]
}

/**
 * The rows, without the `partial` flag the compiler puts on the period the data ends inside
 * (hand-written SQL has no such flag); it may only stand on the last period's rows.
 */
async function computed(query: MetricQuery): Promise<ResultRow[]> {
  const {rows} = await catalog.queryMetric(query)
  const last = rows.at(-1)?.period
  for (const row of rows) if ('partial' in row) expect(row.period).toBe(last)
  return rows.map(({partial: _, ...rest}) => rest)
}

const month = (col: string) => `CAST(date_trunc('month', ${col}) AS DATE)::VARCHAR AS period`

describe('importing an Agnes pack', () => {
  it('imports every metric file and reads the index as an index, not a metric', () => {
    expect(plan.added.map((a) => a.id).sort()).toEqual([
      'operations/support_resolution_time', 'product_usage/active_users', 'product_usage/feature_adoption',
      'revenue/arr', 'revenue/churn_rate', 'revenue/mrr', 'sales/pipeline_value', 'sales/upsell_expansion',
    ])
    expect(plan.applied).toBe(true)
  })

  it('warns, at its line in the index, about a listed metric that no file defines', () => {
    expect(plan.warnings).toEqual([expect.objectContaining({file: expect.stringMatching(/agnes[/\\]metrics\.yml$/), line: 15, metric: 'operations/nps', message: 'the index lists operations/nps, which no metric file defines'})])
  })

  it('stores grain monthly as month, weekly as week, and notes and description lists as text', async () => {
    const mrr = await catalog.get('revenue/mrr')
    expect(mrr.grain).toBe('month')
    expect(mrr.notes).toBe('Aggregated at company level, not per-contract')
    expect((await catalog.get('operations/support_resolution_time')).grain).toBe('week')
    expect((await catalog.get('revenue/arr')).description).toBe('MRR annualised. A run rate, not booked revenue.')
    expect((await catalog.get('revenue/churn_rate')).notes).toBe('Churned MRR of the month over MRR at the end of the previous month\nIn percent')
  })

  it('validates with warehouse checks, the SQL ratio expression included', async () => {
    const report = await catalog.validate(PACK, {warehouse: true})
    expect(report.problems).toEqual([])
    expect(report.warehouse).toBe(true)
    expect(report.warnings).toHaveLength(1)
  })

  it('diffs to nothing once imported', async () => {
    const again = await catalog.diff(PACK)
    expect(again).toMatchObject({added: [], changed: [], removed: []})
  })
})

describe('Agnes metrics equal hand-written SQL', () => {
  const cases: [string, MetricQuery, string][] = [
    ['SUM(mrr_amount)', {metric: 'revenue/mrr'}, `SELECT ${month('billing_date')}, SUM(mrr_amount)::DOUBLE AS value FROM subscriptions GROUP BY 1 ORDER BY 1`],
    ['SUM(mrr_amount) * 12', {metric: 'revenue/arr'}, `SELECT ${month('billing_date')}, (SUM(mrr_amount) * 12)::DOUBLE AS value FROM subscriptions GROUP BY 1 ORDER BY 1`],
    ['SUM(mrr_amount) by plan', {metric: 'revenue/mrr', by: ['plan_type'], filters: [{dimension: 'region', op: '=', value: 'EU'}]},
      `SELECT ${month('billing_date')}, plan_type, SUM(mrr_amount)::DOUBLE AS value FROM subscriptions WHERE region = 'EU' GROUP BY 1, 2 ORDER BY 1, 2`],
    ['COUNT(DISTINCT user_id) with type count', {metric: 'product_usage/active_users'},
      `SELECT ${month('event_date')}, COUNT(DISTINCT user_id)::DOUBLE AS value FROM user_events GROUP BY 1 ORDER BY 1`],
    ['SUM(deal_value * probability / 100)', {metric: 'sales/pipeline_value'},
      `SELECT ${month('expected_close')}, SUM(deal_value * probability / 100)::DOUBLE AS value FROM deals GROUP BY 1 ORDER BY 1`],
    ['SUM(CASE ... END)', {metric: 'sales/upsell_expansion'},
      `SELECT ${month('changed_at')}, SUM(CASE WHEN change_type IN ('upgrade','expansion') THEN delta_mrr END)::DOUBLE AS value FROM mrr_changes GROUP BY 1 ORDER BY 1`],
    ['AVG(resolution_hours) at grain weekly', {metric: 'operations/support_resolution_time'},
      `SELECT CAST(date_trunc('week', resolved_at) AS DATE)::VARCHAR AS period, AVG(resolution_hours) AS value FROM tickets GROUP BY 1 ORDER BY 1`],
    ['AVG(resolution_hours) by month and priority', {metric: 'operations/support_resolution_time', grain: 'month', by: ['priority']},
      `SELECT ${month('resolved_at')}, priority, AVG(resolution_hours) AS value FROM tickets GROUP BY 1, 2 ORDER BY 1, 2`],
  ]
  it.each(cases)('%s', async (_name, query, sql) => {
    expectSameRows(await computed(query), await hand(sql))
  })

  it('a SQL ratio (no numerator/denominator) runs its sql; expression over its columns becomes value', async () => {
    const expected = await hand(`
      WITH monthly AS (SELECT DATE_TRUNC('month', billing_date) AS month, SUM(mrr_amount) AS mrr FROM subscriptions WHERE status = 'active' GROUP BY 1),
      churned AS (SELECT DATE_TRUNC('month', changed_at) AS month, -SUM(delta_mrr) AS churned_mrr FROM mrr_changes WHERE change_type = 'churn' GROUP BY 1),
      r AS (SELECT m.month, coalesce(c.churned_mrr, 0) AS churned_mrr, lag(m.mrr) OVER (ORDER BY m.month) AS beginning_mrr FROM monthly m LEFT JOIN churned c ON c.month = m.month)
      SELECT CAST(month AS DATE)::VARCHAR AS period, churned_mrr::DOUBLE AS churned_mrr, beginning_mrr::DOUBLE AS beginning_mrr,
        (churned_mrr / beginning_mrr * 100)::DOUBLE AS value FROM r ORDER BY 1`)
    const rows = await computed({metric: 'revenue/churn_rate'})
    expectSameRows(rows.map((r) => ({...r, churned_mrr: Number(r.churned_mrr), beginning_mrr: r.beginning_mrr === null ? null : Number(r.beginning_mrr)})), expected)
    expect(rows[0]!.value).toBeNull()
    expect(rows[1]!.value).toBeGreaterThan(0)
  })

  it('a SQL metric whose value column is not named value or after the metric: its one numeric column is value', async () => {
    expectSameRows(await computed({metric: 'product_usage/feature_adoption'}), await hand(`
      SELECT ${month('event_date')}, (COUNT(DISTINCT user_id) FILTER (WHERE feature IS NOT NULL) * 100.0 / COUNT(DISTINCT user_id))::DOUBLE AS value
      FROM user_events GROUP BY 1 ORDER BY 1`))
  })

  it.each(['by_plan', 'plan', 'sql_by_plan'])('--variant %s runs sql_by_plan: month becomes period, mrr becomes value, plan_type stays', async (variant) => {
    const result = await catalog.queryMetric({metric: 'revenue/mrr', variant})
    expect(result.columns).toEqual(['period', 'plan_type', 'value'])
    // the SQL orders by value within a month; ties may come in either order
    const byKey = (a: ResultRow, b: ResultRow) => String(a.period).localeCompare(String(b.period)) || String(a.plan_type).localeCompare(String(b.plan_type))
    expectSameRows([...result.rows].sort(byKey), (await hand(`
      SELECT ${month('billing_date')}, plan_type, SUM(mrr_amount)::DOUBLE AS value
      FROM subscriptions WHERE status = 'active' GROUP BY 1, 2`)).sort(byKey))
  })

  it('an unknown variant still names what exists', async () => {
    await expect(catalog.queryMetric({metric: 'revenue/mrr', variant: 'by_region'})).rejects.toThrow(/unknown variant "by_region" for revenue\/mrr; available: plan/)
  })
})

describe('synonyms in snake_case', () => {
  it.each(['monthly revenue', 'Monthly-Revenue', 'monthly_revenue', '  MONTHLY   revenue '])('lookup %j finds revenue/mrr', async (text) => {
    expect((await catalog.lookupSynonym(text)).map((m) => m.id)).toEqual(['revenue/mrr'])
  })

  it('search ranks the snake_case synonym as an exact match', async () => {
    expect((await catalog.search('mean time to resolve'))[0]).toMatchObject({id: 'operations/support_resolution_time', score: 100, matched: 'synonym'})
  })

  it('refuses a synonym that differs from another metric\'s only by case, _ or spacing', async () => {
    await expect(catalog.putMetric({name: 'rev2', category: 'revenue', type: 'sum', table: 'subscriptions', time_column: 'billing_date', expression: 'mrr_amount', synonyms: ['Monthly Revenue']}))
      .rejects.toThrow(/duplicate synonym "Monthly Revenue": also a synonym of revenue\/mrr/)
  })
})

describe('aggregate expressions', () => {
  it('are told apart by DuckDB\'s parser, not by their text', async () => {
    const exprs = [
      'SUM(x)', 'SUM(x) * 12', 'count(*)', 'COUNT(DISTINCT user_id)', 'sum(x) FILTER (WHERE y)', 'SUM(CASE WHEN a THEN b END)', 'quantile_cont(x, 0.9)',
      'x', 'x * 12', "'SUM(x)'", 'sum_x', 'sum(x) OVER ()', '(SELECT max(y) FROM t)', 'epoch(a - b) / 3600', 'not valid ((',
    ]
    expect([...(await aggregateExpressions(catalog.db, exprs))].sort()).toEqual(
      ['COUNT(DISTINCT user_id)', 'SUM(CASE WHEN a THEN b END)', 'SUM(x)', 'SUM(x) * 12', 'count(*)', 'quantile_cont(x, 0.9)', 'sum(x) FILTER (WHERE y)'],
    )
  })

  it('a plain column expression is still wrapped by its type', async () => {
    const {metric} = await catalog.putMetric({name: 'plain_mrr', category: 'revenue', type: 'sum', table: 'subscriptions', time_column: 'billing_date', expression: 'mrr_amount'})
    expectSameRows(await computed({metric: metric.id}), await computed({metric: 'revenue/mrr'}))
    await catalog.delete(metric.id)
  })
})

describe('import refuses an expression that cannot bind', () => {
  it('when its table exists, naming file and line, and writes nothing', async () => {
    const t = tempDir()
    try {
      const file = path.join(t.dir, 'revenue', 'bad.yml')
      cpSync(path.join(PACK, 'revenue'), path.dirname(file), {recursive: true})
      writeFileSync(file, '- name: bad\n  type: sum\n  grain: monthly\n  table: subscriptions\n  time_column: billing_date\n  expression: "SUM(mrr_amount_typo)"\n')
      const before = (await catalog.list()).length
      await expect(catalog.importPath(path.dirname(file))).rejects.toThrow(/bad\.yml:1:3: revenue\/bad: expression, filters and time_column: Binder Error: .*mrr_amount_typo/)
      expect((await catalog.list()).length).toBe(before)
    } finally {
      t.cleanup()
    }
  })

  it('but not when its table is not in the warehouse yet', async () => {
    const t = tempDir()
    try {
      writeFileSync(path.join(t.dir, 'x.yml'), '- name: future\n  category: later\n  type: sum\n  table: not_loaded_yet\n  time_column: d\n  expression: "SUM(v)"\n')
      const p = await catalog.importPath(path.join(t.dir, 'x.yml'))
      expect(p.added.map((a) => a.id)).toEqual(['later/future'])
      await catalog.delete('later/future')
    } finally {
      t.cleanup()
    }
  })
})

describe('export --dir', () => {
  it('writes the index beside the category folders, and the export imports back unchanged', async () => {
    const out = path.join(dir, 'exported')
    const files = await catalog.exportMetrics({dir: out})
    const index = files.find((f) => f.index)
    expect(index?.path).toBe(path.join(out, 'metrics.yml'))
    const text = readFileSync(path.join(out, 'metrics.yml'), 'utf8')
    expect(text).toContain('  - name: revenue\n    folder: revenue\n    metrics:\n      - arr\n      - churn_rate\n      - mrr\n')
    const again = await catalog.importPath(out)
    expect(again).toMatchObject({added: [], changed: [], removed: [], warnings: []})
  })
})
