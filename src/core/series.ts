import type {QueryResult} from '../query/types.js'

const VALUE_COLUMNS = new Set(['period', 'value', 'previous_value', 'growth_pct'])

export interface ChartSeries {
  /** the --by values, joined with " / " (the metric id without a split) */
  name: string
  /** one value per period, null where the period has none */
  values: (number | null)[]
}

/**
 * A result as one series per combination of its dimension values (`--by`), over the result's periods
 * in order: what the terminal chart and the web chart draw. `column`: the value to take (`value`,
 * or `previous_value` under compare).
 */
export function resultSeries(result: Pick<QueryResult, 'metric' | 'columns' | 'rows'>, column = 'value'): {periods: string[]; series: ChartSeries[]} {
  const dims = result.columns.filter((c) => !VALUE_COLUMNS.has(c))
  const periods = [...new Set(result.rows.map((r) => String(r.period)))].sort()
  const at = new Map(periods.map((p, i) => [p, i]))
  const byName = new Map<string, (number | null)[]>()
  for (const row of result.rows) {
    const name = dims.length === 0 ? result.metric : dims.map((d) => (row[d] === null ? '(empty)' : String(row[d]))).join(' / ')
    let values = byName.get(name)
    if (!values) byName.set(name, (values = periods.map(() => null)))
    values[at.get(String(row.period))!] = typeof row[column] === 'number' ? (row[column] as number) : null
  }
  return {periods, series: [...byName].map(([name, values]) => ({name, values}))}
}
