import {describe, expect, it} from 'vitest'

import {compileMetricQuery} from '../../src/query/index.js'
import {clickhousePeriodCap, tooManyPeriods} from '../../src/query/plan.js'
import {lookup} from './fixtures.js'

// ClickHouse checks the period cap with throwIf (18.16's takes no message); metric and points
// queries both turn that error into the words DuckDB's own check uses. The points path runs against
// a real server in test/points/clickhouse-points.test.ts; a metric query cannot reach the cap on
// 18.16 (a DateTime spans fewer than 100000 days), so its words are checked here, on the SQL the
// ClickHouse renderer writes.
describe('clickhousePeriodCap', () => {
  const thrown = "Code: 395, e.displayText() = DB::Exception: Value passed to 'throwIf' function is non zero (version 18.16.1)"
  const capped = compileMetricQuery({metric: 'revenue/total_revenue', grain: 'day'}, lookup, {dialect: 'clickhouse'}).sql
  const bounded = compileMetricQuery({metric: 'revenue/total_revenue', grain: 'day', from: '2024-01-01', to: '2024-03-01'}, lookup, {dialect: 'clickhouse'}).sql

  it('words a throwIf error of SQL with the cap as the DuckDB period cap', () => {
    expect(clickhousePeriodCap(thrown, capped, {grain: 'day'})).toBe('the range spans more than 100000 day periods; give --from and --to, or use a coarser --grain')
  })

  it('leaves any other error alone, and a throwIf of SQL without the cap (both ends given)', () => {
    expect(clickhousePeriodCap('Code: 47, e.displayText() = DB::Exception: Unknown identifier: amount', capped, {grain: 'day'})).toBeUndefined()
    expect(bounded).not.toMatch(/throwIf/)
    expect(clickhousePeriodCap(thrown, bounded, {grain: 'day'})).toBeUndefined()
  })

  it('checks the points cap in a points query', () => {
    // a metric query's cap is not a points query's (200000 buckets)
    expect(clickhousePeriodCap(thrown, capped, {grain: 'minute', raw: true})).toBeUndefined()
    expect(tooManyPeriods({grain: 'minute', raw: true})).toMatch(/more than 200000 minute buckets/)
  })
})
