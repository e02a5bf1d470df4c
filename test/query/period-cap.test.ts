import {describe, expect, it} from 'vitest'

import {clickhousePeriodCap, tooManyPeriods} from '../../src/query/plan.js'

// ClickHouse checks the period cap with throwIf (18.16's takes no message); metric and points
// queries both turn that error into the words DuckDB's own check uses. The points path runs against
// a real server in test/points/clickhouse-points.test.ts; a metric query cannot reach the cap on
// 18.16 (a DateTime spans fewer than 100000 days), so its words are checked here.
describe('clickhousePeriodCap', () => {
  const thrown = "Code: 395, e.displayText() = DB::Exception: Value passed to 'throwIf' function is non zero (version 18.16.1)"

  it('words a throwIf error as the DuckDB period cap, for metric and points queries', () => {
    expect(clickhousePeriodCap(thrown, {grain: 'day'})).toBe('the range spans more than 100000 day periods; give --from and --to, or use a coarser --grain')
    expect(clickhousePeriodCap(thrown, {grain: 'minute', raw: true})).toBe(tooManyPeriods({grain: 'minute', raw: true}))
  })

  it('leaves any other error alone', () => {
    expect(clickhousePeriodCap("Code: 47, e.displayText() = DB::Exception: Unknown identifier: amount", {grain: 'day'})).toBeUndefined()
    expect(clickhousePeriodCap('throwIfNotSomething', {grain: 'day'})).toBeUndefined()
  })
})
