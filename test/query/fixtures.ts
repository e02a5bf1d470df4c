import type {MetricDefinition} from '../../src/catalog/types.js'
import {needsFirstTime, renderLastTimes} from '../../src/query/index.js'
import type {AggregatePlan} from '../../src/query/plan.js'

/** Metric definitions shared by the query tests; `orders` is the table in duckdb.test.ts. */
export const DEFS: MetricDefinition[] = [
  {
    id: 'revenue/total_revenue',
    name: 'total_revenue',
    category: 'revenue',
    type: 'sum',
    table_name: 'orders',
    expression: 'amount',
    time_column: 'ts',
    dimensions: ['region', {name: 'channel', expr: 'lower(channel)'}],
    filters: ["status = 'paid'"],
  },
  {
    id: 'revenue/refunds',
    name: 'refunds',
    category: 'revenue',
    type: 'sum',
    table_name: 'orders',
    expression: 'amount',
    time_column: 'ts',
    dimensions: ['region', 'channel'],
    filters: ["status = 'refunded'"],
  },
  {
    id: 'revenue/order_count',
    name: 'order_count',
    category: 'revenue',
    type: 'count',
    table_name: 'orders',
    time_column: 'ts',
    dimensions: ['region', 'channel'],
  },
  {
    id: 'revenue/customers',
    name: 'customers',
    category: 'revenue',
    type: 'count_distinct',
    table_name: 'orders',
    expression: 'customer',
    time_column: 'ts',
    dimensions: ['region'],
  },
  {id: 'revenue/avg_amount', name: 'avg_amount', category: 'revenue', type: 'avg', table_name: 'orders', expression: 'amount', time_column: 'ts', dimensions: ['region']},
  {id: 'revenue/min_amount', name: 'min_amount', category: 'revenue', type: 'min', table_name: 'orders', expression: 'amount', time_column: 'ts'},
  {id: 'revenue/max_amount', name: 'max_amount', category: 'revenue', type: 'max', table_name: 'orders', expression: 'amount', time_column: 'ts'},
  {id: 'revenue/median_amount', name: 'median_amount', category: 'revenue', type: 'median', table_name: 'orders', expression: 'amount', time_column: 'ts'},
  {
    id: 'revenue/p90_amount',
    name: 'p90_amount',
    category: 'revenue',
    type: 'percentile',
    percentile: 0.9,
    table_name: 'orders',
    expression: 'amount',
    time_column: 'ts',
  },
  {id: 'revenue/last_amount', name: 'last_amount', category: 'revenue', type: 'last', table_name: 'orders', expression: 'amount', time_column: 'ts'},
  {
    id: 'revenue/aov',
    name: 'aov',
    category: 'revenue',
    type: 'ratio',
    numerator: 'revenue/total_revenue',
    denominator: 'revenue/order_count',
    dimensions: ['region', 'channel'],
  },
  {
    id: 'revenue/refund_rate',
    name: 'refund_rate',
    category: 'revenue',
    type: 'ratio',
    numerator: 'refunds',
    denominator: 'total_revenue',
  },
  {
    id: 'revenue/net_revenue',
    name: 'net_revenue',
    category: 'revenue',
    type: 'derived',
    formula: 'revenue/total_revenue - revenue/refunds',
    dimensions: ['region'],
  },
  {
    id: 'revenue/scaled',
    name: 'scaled',
    category: 'revenue',
    type: 'derived',
    formula: '(total_revenue + refunds) * 2 / revenue/order_count',
  },
  {
    id: 'revenue/by_region',
    name: 'by_region',
    category: 'revenue',
    sql: 'SELECT region, sum(amount) AS total\nFROM orders\nGROUP BY region\nORDER BY region NULLS LAST;',
    sql_variants: {paid: "SELECT region, sum(amount) AS total FROM orders WHERE status = 'paid' GROUP BY region ORDER BY region NULLS LAST"},
  },
  {
    id: 'product/signups',
    name: 'signups',
    category: 'product',
    type: 'count',
    table_name: 'main.signups',
    time_column: 'signup_date',
    grain: 'day',
    dimensions: ['plan'],
  },
]

export function lookupIn(defs: MetricDefinition[]): (id: string) => MetricDefinition | undefined {
  return (id) => defs.find((d) => d.id === id)
}

export const lookup = lookupIn(DEFS)

/** Strings that must never become SQL text. */
export const INJECTION_CORPUS = [
  'a"b',
  "'; drop table x --",
  "x'y",
  'x\ny',
  'é😀',
  '" OR 1=1 --',
  "EU' OR '1'='1",
  'region"; DROP TABLE orders; --',
  '\\',
  '/* c */',
]

/**
 * `plan` with each measure's last (and, with a given --from, first) timestamp probed now through
 * `rows` (runs SQL with params on the test's database), as the catalog's memo holds them: the plan
 * `query` renders once it knows data_through.
 */
export async function withKnownTimes(plan: AggregatePlan, rows: (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>): Promise<AggregatePlan> {
  const first = needsFirstTime(plan)
  const probe = renderLastTimes(plan.measures, first ? plan.measures : [])
  const [row] = await rows(probe.sql, probe.params)
  return {
    ...plan,
    measures: plan.measures.map((m, i) => ({...m, knownLastTime: (row![`t${i}`] as string | null) ?? null, ...(first ? {knownFirstTime: (row![`f${i}`] as string | null) ?? null} : {})})),
  }
}
