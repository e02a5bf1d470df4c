// Representative requests whose compiled SQL is kept in files (golden.test.ts, golden-clickhouse.test.ts).
import type {MetricDefinition} from '../../src/catalog/types.js'
import type {MetricQuery} from '../../src/query/types.js'
import {DEFS, lookupIn} from './fixtures.js'

export const SNAPSHOT: MetricDefinition = {
  id: 'revenue/mrr', name: 'mrr', category: 'revenue', type: 'sum', grain: 'month', time_aggregation: 'last',
  table_name: 'snaps', time_column: 'month', expression: 'mrr', dimensions: ['region'],
}
export const POINTS: MetricDefinition = {
  id: 'games/players', name: 'players', category: 'games', type: 'sum', grain: 'month', points_key: 'game.players', dimensions: ['platform'],
}
export const lookup = lookupIn([...DEFS, SNAPSHOT, POINTS])

export const CASES: Array<[string, MetricQuery]> = [
  ['sum-by-week-where-in', {metric: 'revenue/total_revenue', grain: 'week', filters: [{dimension: 'channel', op: 'in', value: ['web', 'partner']}]}],
  ['compare-previous-mid-period', {metric: 'revenue/total_revenue', by: ['region'], compare: 'previous', from: '2024-01-10', to: '2024-04-01'}],
  ['compare-year-quarter', {metric: 'revenue/total_revenue', grain: 'quarter', compare: 'year', from: '2024-01-01', to: '2025-01-01'}],
  ['ratio-by-dimension', {metric: 'revenue/aov', by: ['region'], from: '2024-01-01', to: '2024-04-01'}],
  ['derived-formula', {metric: 'revenue/scaled', grain: 'year'}],
  ['count-distinct-null-filter', {metric: 'revenue/customers', filters: [{dimension: 'region', op: 'not_null'}]}],
  ['snapshot-last-at-quarter', {metric: 'revenue/mrr', grain: 'quarter', by: ['region'], from: '2024-01-01', to: '2025-01-01'}],
  ['top-n-by-value', {metric: 'revenue/total_revenue', by: ['region'], from: '2024-03-01', to: '2024-04-01', order: 'value', desc: true, limit: 5}],
  ['latest-periods', {metric: 'revenue/order_count', grain: 'day', limit: 7}],
  ['sql-only-with-limit', {metric: 'revenue/by_region', limit: 10}],
  ['points-metric-compare', {metric: 'games/players', by: ['platform'], filters: [{dimension: 'platform', op: 'in', value: ['steam', 'epic']}], compare: 'previous', from: '2026-01-01', to: '2026-04-01'}],
]

