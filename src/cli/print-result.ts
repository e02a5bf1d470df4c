import type {QueryResult, ResultRow} from '../query/types.js'
import {renderTable} from './render.js'

function display(value: ResultRow[string], column: string): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') {
    if (column === 'growth_pct') return `${value.toFixed(1)}%`
    return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toLocaleString('en-US', {maximumFractionDigits: 4})
  }
  return String(value)
}

/** A query result as a table for people (numbers grouped, growth as a percentage). */
export function resultTable(result: Pick<QueryResult, 'columns' | 'rows'>): string {
  return renderTable(result.columns, result.rows.map((row) => result.columns.map((c) => display(row[c], c))))
}

/** RFC 4180 CSV with a header row; raw values, no formatting. */
export function resultCsv(result: Pick<QueryResult, 'columns' | 'rows'>): string {
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return ''
    const s = String(v)
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
  }
  return [result.columns.join(','), ...result.rows.map((r) => result.columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n'
}

/** Prints a query-shaped result for people as a table (row count on stderr), JSON or CSV. */
export function printResult(result: Pick<QueryResult, 'columns' | 'rows'> & Partial<Pick<QueryResult, 'data_through'>>, format: 'table' | 'json' | 'csv', out: {log: (s: string) => void; logToStderr: (s: string) => void}): void {
  if (format === 'json') process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  else if (format === 'csv') process.stdout.write(resultCsv(result))
  else {
    out.log(resultTable(result))
    const partial = result.rows.filter((r) => r.partial === true).map((r) => r.period)
    const through = result.data_through ? `; data through ${result.data_through}${partial.length > 0 ? ` (${[...new Set(partial)].join(', ')} partial)` : ''}` : ''
    out.logToStderr(`${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${through}`)
  }
}
