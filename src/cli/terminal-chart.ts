import asciichart from 'asciichart'

import {resultSeries} from '../core/series.js'
import type {QueryResult} from '../query/types.js'
import {color, useColor} from './render.js'

/** More series than this are not drawn (the lines become unreadable); the largest totals are kept. */
export const MAX_CHART_SERIES = 6
const HEIGHT = 12
/** A period takes at most this many columns when there are few of them. */
const MAX_STRETCH = 4
const COLORS = [asciichart.blue, asciichart.green, asciichart.red, asciichart.yellow, asciichart.magenta, asciichart.cyan]
const CHALK = [color.blue, color.green, color.red, color.yellow, color.magenta, color.cyan]
function total(values: (number | null)[]): number {
  return values.reduce<number>((sum, v) => sum + Math.abs(v ?? 0), 0)
}

function formatNumber(x: number): string {
  return x.toLocaleString('en-US', {maximumFractionDigits: Math.abs(x) >= 100 ? 0 : 2})
}

/**
 * A query result drawn as a line chart for a terminal `width` columns wide: one line per series (at
 * most MAX_CHART_SERIES, the largest totals), the first and last period under it and a legend.
 * Returns the text and notes for stderr (series left out, periods averaged into one column, empty
 * periods drawn at the value before them).
 */
export function renderTerminalChart(result: Pick<QueryResult, 'metric' | 'columns' | 'rows'>, width = 80): {text: string; notes: string[]} {
  const notes: string[] = []
  const {periods, series: all} = resultSeries(result)
  if (periods.length === 0) return {text: '(no rows to draw)', notes}
  let series = all
  if (all.length > MAX_CHART_SERIES) {
    series = [...all].sort((a, b) => total(b.values) - total(a.values)).slice(0, MAX_CHART_SERIES)
    notes.push(`drawing ${MAX_CHART_SERIES} of ${all.length} series (the largest totals); narrow the split with --where`)
  }
  const numbers = series.flatMap((s) => s.values.filter((v): v is number => v !== null))
  if (numbers.length === 0) return {text: '(no values to draw)', notes}
  const labelWidth = Math.max(...[Math.min(...numbers), Math.max(...numbers)].map((x) => formatNumber(x).length)) + 1
  // one column per period; when there are more periods than columns, each column is their mean
  const room = Math.max(10, width - labelWidth - 2)
  const per = Math.ceil(periods.length / room)
  if (per > 1) notes.push(`each column is the mean of ${per} periods (${periods.length} periods in ${Math.ceil(periods.length / per)} columns)`)
  let filled = 0
  let lines = series.map((s) => {
    const columns: (number | null)[] = []
    for (let i = 0; i < s.values.length; i += per) {
      const chunk = s.values.slice(i, i + per).filter((v): v is number => v !== null)
      columns.push(chunk.length === 0 ? null : chunk.reduce((a, b) => a + b, 0) / chunk.length)
    }
    // asciichart draws numbers only: an empty period keeps the line at the value before it
    const first = columns.find((v) => v !== null) ?? 0
    let last = first
    return columns.map((v) => {
      if (v === null) filled++
      else last = v
      return v ?? last
    })
  })
  // few periods: spread them over the width, drawing straight lines between them
  const stretch = per === 1 && periods.length > 1 ? Math.min(MAX_STRETCH, Math.floor((room - 1) / (periods.length - 1))) : 1
  if (stretch > 1) lines = lines.map((l) => l.flatMap((v, i) => (i === l.length - 1 ? [v] : Array.from({length: stretch}, (_, k) => v + ((l[i + 1]! - v) * k) / stretch))))
  if (filled > 0) notes.push(`${filled} empty period${filled === 1 ? '' : 's'} drawn at the value before ${filled === 1 ? 'it' : 'them'}`)
  const colors = useColor()
  const chart = asciichart.plot(lines, {
    height: HEIGHT,
    colors: colors ? COLORS.slice(0, lines.length) : undefined,
    format: (x: number) => formatNumber(x).padStart(labelWidth),
  })
  const axis = `${' '.repeat(labelWidth + 1)}${periods[0]}${periods.length > 1 ? ` … ${periods.at(-1)}` : ''}`
  const legend = series.map((s, i) => `${colors ? CHALK[i]!('━━') : markOf(i)} ${s.name}`).join('   ')
  return {text: `${chart}\n${axis}\n${legend}`, notes}
}

// Without colour every line looks the same; the legend then at least says which is listed first.
function markOf(i: number): string {
  return `(${i + 1})`
}

const BLOCKS = '▁▂▃▄▅▆▇█'

/** Values as a one-line sparkline, scaled between their own minimum and maximum; null is a space. */
export function sparkline(values: (number | null)[]): string {
  const numbers = values.filter((v): v is number => v !== null)
  if (numbers.length === 0) return ''
  const min = Math.min(...numbers)
  const range = Math.max(...numbers) - min
  return values.map((v) => (v === null ? ' ' : BLOCKS[range === 0 ? 3 : Math.round(((v - min) / range) * (BLOCKS.length - 1))])).join('')
}
