import type {ResultSink} from '../core/catalog.js'
import {formatValue} from '../core/numbers.js'
import type {QueryResult, ResultRow} from '../query/types.js'
import {renderTable} from './render.js'

/** A table shows at most this many rows; the rest are counted and `--format csv`/`--json` give all. */
export const TABLE_ROW_LIMIT = 1000

export type ResultFormat = 'table' | 'json' | 'csv'

interface Output {
  log: (s: string) => void
  logToStderr: (s: string) => void
}

type Head = Pick<QueryResult, 'columns' | 'rows'> & Partial<Pick<QueryResult, 'data_through' | 'unit'>>

/** Columns that hold the metric's value, formatted by its unit. */
const VALUE_COLUMNS = new Set(['value', 'previous_value'])

function display(value: ResultRow[string], column: string, unit: string | null | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') {
    if (column === 'growth_pct') return `${value.toFixed(1)}%`
    if (VALUE_COLUMNS.has(column)) return formatValue(value, unit)
    return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toLocaleString('en-US', {maximumFractionDigits: 4})
  }
  return String(value)
}

/** A query result as a table for people: values formatted by the metric's unit, growth as a percentage. */
export function resultTable(result: Pick<QueryResult, 'columns' | 'rows'> & Partial<Pick<QueryResult, 'unit'>>): string {
  return renderTable(result.columns, result.rows.map((row) => result.columns.map((c) => display(row[c], c, result.unit))))
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return ''
  const s = String(v)
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/** RFC 4180 CSV with a header row; raw values, no formatting. */
export function resultCsv(result: Pick<QueryResult, 'columns' | 'rows'>): string {
  return [result.columns.join(','), ...result.rows.map((r) => result.columns.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n'
}

/** Writes to stdout, waiting for the pipe to drain when it is full, so memory stays bounded. */
async function write(text: string): Promise<void> {
  if (process.stdout.write(text)) return
  await new Promise<void>((resolve) => process.stdout.once('drain', resolve))
}

const ROWS_MARK = '\u0000rows\u0000'

/**
 * A sink that prints a result as it streams in: JSON (the same text as
 * `JSON.stringify(result, null, 2)`, written row by row), CSV (header, then rows), or a table of
 * the first TABLE_ROW_LIMIT rows followed, on stderr, by the row count and how to get the rest.
 * Call `end()` after the last rows.
 */
export function resultWriter(format: ResultFormat, out: Output): ResultSink & {end(): Promise<void>} {
  let head: Head | undefined
  let count = 0
  let tail = ''
  const shown: ResultRow[] = []
  const partial = new Set<unknown>()
  return {
    async start(result) {
      head = result as unknown as Head
      if (format === 'json') {
        const text = JSON.stringify({...result, rows: ROWS_MARK}, null, 2)
        const at = text.indexOf(JSON.stringify(ROWS_MARK))
        tail = text.slice(at + JSON.stringify(ROWS_MARK).length)
        await write(`${text.slice(0, at)}[`)
      } else if (format === 'csv') await write(`${result.columns.join(',')}\n`)
    },
    async rows(rows) {
      const columns = head!.columns
      if (format === 'json') {
        let text = ''
        for (const row of rows) text += `${count++ === 0 ? '' : ','}\n    ${JSON.stringify(row, null, 2).replaceAll('\n', '\n    ')}`
        await write(text)
      } else if (format === 'csv') {
        let text = ''
        for (const row of rows) text += `${columns.map((c) => csvCell(row[c])).join(',')}\n`
        count += rows.length
        await write(text)
      } else {
        for (const row of rows) {
          if (shown.length < TABLE_ROW_LIMIT) shown.push(row)
          if (row.partial === true) partial.add(row.period)
        }
        count += rows.length
      }
    },
    async end() {
      if (format === 'json') await write(`${count > 0 ? '\n  ' : ''}]${tail}\n`)
      else if (format === 'table') {
        out.log(resultTable({columns: head!.columns, rows: shown, unit: head!.unit}))
        const more = count - shown.length
        const through = head!.data_through ? `; data through ${head!.data_through}${partial.size > 0 ? ` (${[...partial].join(', ')} partial)` : ''}` : ''
        out.logToStderr(
          more > 0
            ? `${count.toLocaleString('en-US')} rows${through}; showing the first ${shown.length.toLocaleString('en-US')}, ${more.toLocaleString('en-US')} more; use --format csv or --json for all`
            : `${count} row${count === 1 ? '' : 's'}${through}`,
        )
      }
    },
  }
}

/** Prints a result already in memory, as `resultWriter` does. */
export async function printResult(result: Head, format: ResultFormat, out: Output): Promise<void> {
  const writer = resultWriter(format, out)
  await writer.start({...result, rows: []} as unknown as QueryResult)
  await writer.rows(result.rows)
  await writer.end()
}
