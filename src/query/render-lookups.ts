import {clickhouseLiteral, type DialectName} from './dialect.js'
import type {AggregatePlan, MeasurePlan} from './plan.js'
import {sourceWhere} from './render.js'

/**
 * One row over a measure's data (definition filters only): `v<k>` true (1 on ClickHouse) when some
 * row has dimension SQL `checks[k].sql` equal to `checks[k].value`. Compared as the query's own
 * filter compares them (on DuckDB the parameter takes the column's type, so `amount=10` on a DOUBLE
 * column is found). Undefined when no check applies to the measure.
 */
export function renderValuesPresent(m: MeasurePlan, checks: {sql: string | undefined; value: string}[], dialect: DialectName = 'duckdb'): {sql: string; params: string[]} | undefined {
  const params: string[] = []
  const cols: string[] = []
  checks.forEach((c, k) => {
    if (c.sql === undefined) return
    if (dialect === 'clickhouse') cols.push(`max(${c.sql} = ${clickhouseLiteral(c.value)}) AS v${k}`)
    else {
      // EXISTS stops at the first matching row: a value that occurs (the usual case) costs a few
      // row groups, where bool_or read the whole table on every query with an = or in filter
      params.push(c.value)
      cols.push(`EXISTS (SELECT 1 ${sourceWhere(m, [`${c.sql} = $${params.length}`])}) AS v${k}`)
    }
  })
  if (cols.length === 0) return undefined
  return {sql: dialect === 'clickhouse' ? `SELECT ${cols.join(', ')} ${sourceWhere(m)}` : `SELECT ${cols.join(', ')}`, params}
}

/**
 * The values of the plan's one dimension over each measure's data, with the largest row count
 * among the measures, most rows first; `search` keeps values containing it (case-insensitive).
 */
export function renderDimensionValues(plan: AggregatePlan, options: {search?: string; limit: number}): {sql: string; params: string[]} {
  if (plan.dialect === 'clickhouse') {
    // internal aliases: a ClickHouse alias is visible in WHERE, so `value` could shadow a column
    const parts = plan.measures.map((m) => `SELECT ${m.dimensions[0]!.sql} AS __value, count() AS __n ${sourceWhere(m)} GROUP BY __value`)
    const having = options.search ? ` HAVING position(lowerUTF8(toString(__value)), lowerUTF8(${clickhouseLiteral(options.search)})) > 0` : ''
    return {
      sql: `SELECT __value AS value, max(__n) AS rows FROM (\n${parts.join('\nUNION ALL\n')}\n) GROUP BY __value${having} ORDER BY rows DESC, value NULLS LAST LIMIT ${options.limit}`,
      params: [],
    }
  }
  const params: string[] = []
  const parts = plan.measures.map((m) => `SELECT ${m.dimensions[0]!.sql} AS value, count(*) AS n ${sourceWhere(m)} GROUP BY 1`)
  let having = ''
  if (options.search) {
    params.push(options.search)
    having = ' HAVING contains(lower(CAST(value AS VARCHAR)), lower($1))'
  }
  return {sql: `SELECT value, max(n)::BIGINT AS rows FROM (\n${parts.join('\nUNION ALL\n')}\n) AS v GROUP BY 1${having} ORDER BY rows DESC, value NULLS LAST LIMIT ${options.limit}`, params}
}
