// `validate` on ClickHouse binds each measure's scan with a false condition (reads no data). A
// definition whose `table` is a query with its own WHERE or GROUP BY on a line must keep that query
// as written and get the false condition on the scan itself.
import {describe, expect, it} from 'vitest'

import type {MetricDefinition} from '../../src/catalog/types.js'
import {compileBindCheck} from '../../src/query/compile.js'

function bindCheck(table: string): string {
  const def = {id: 'x/y', name: 'y', category: 'x', type: 'sum', table_name: table, time_column: 'ordered_at', expression: 'amount'} as unknown as MetricDefinition
  return compileBindCheck({metric: 'x/y'}, (id) => (id === 'x/y' ? def : undefined), {dialect: 'clickhouse'}).sql
}

describe('the ClickHouse bind check of a query table', () => {
  it('adds WHERE 0 after the subquery when the query has a WHERE of its own', () => {
    const sql = bindCheck("SELECT * FROM orders\nWHERE currency = 'USD'")
    expect(sql).toMatch(/WHERE currency = 'USD'\n\s*\) AS src\n\s*WHERE 0\n\s*GROUP BY __period/)
    expect(sql).not.toMatch(/AS src\n\s*AND 0/)
  })

  it('leaves a GROUP BY inside the query alone', () => {
    const sql = bindCheck('SELECT region, ordered_at, sum(amount) AS amount FROM orders\nGROUP BY region, ordered_at')
    expect(sql).toContain('FROM orders\n  GROUP BY region, ordered_at\n  ) AS src\n  WHERE 0\n  GROUP BY __period')
  })
})
