import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {renderTerminalChart, sparkline} from '../../src/cli/terminal-chart.js'
import {resultSeries} from '../../src/core/series.js'
import {demoDatabase, runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = await demoDatabase(dir)
})
afterAll(() => cleanup())

describe('terminal charts', () => {
  it('splits a result into one series per --by value over all its periods, null where a period has no row', () => {
    const {periods, series} = resultSeries({
      metric: 'm/x',
      columns: ['period', 'region', 'value'],
      rows: [
        {period: '2026-01-01', region: 'EU', value: 1},
        {period: '2026-01-01', region: 'NA', value: 2},
        {period: '2026-02-01', region: 'NA', value: 3},
      ],
    })
    expect(periods).toEqual(['2026-01-01', '2026-02-01'])
    expect(series).toEqual([{name: 'EU', values: [1, null]}, {name: 'NA', values: [2, 3]}])
  })

  it('draws at most 6 series, keeps the largest totals and says so', () => {
    const rows = Array.from({length: 8}, (_, i) => ({period: '2026-01-01', region: `r${i}`, value: i}))
    const {text, notes} = renderTerminalChart({metric: 'm/x', columns: ['period', 'region', 'value'], rows})
    expect(text).toContain('r7')
    expect(text).not.toMatch(/\br0\b|\br1\b/)
    expect(notes[0]).toMatch(/6 of 8 series/)
  })

  it('averages periods into columns when there are more than the width holds', () => {
    const rows = Array.from({length: 300}, (_, i) => ({period: `2026-01-01T${String(i).padStart(5, '0')}`, value: i}))
    const {text, notes} = renderTerminalChart({metric: 'm/x', columns: ['period', 'value'], rows}, 80)
    expect(notes.join('\n')).toMatch(/mean of 5 periods/)
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80)
  })

  it('sparkline scales between the minimum and the maximum and leaves nulls blank', () => {
    expect(sparkline([0, 7, null, 14])).toBe('▁▅ █')
    expect(sparkline([5, 5])).toBe('▄▄')
    expect(sparkline([null])).toBe('')
  })

  it('query --chart draws one line per --by value with a legend and the first and last period', async () => {
    const r = await runCommand(['query', 'revenue/total_revenue', '--by', 'region', '--from', '2026-01-01', '--to', '2026-07-01', '--chart', '--db', db])
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines.at(-1)).toBe('(1) APAC   (2) EU   (3) LATAM   (4) NA')
    expect(lines.at(-2)!.trim()).toBe('2026-01-01 … 2026-06-01')
    expect(lines.length).toBeGreaterThanOrEqual(12)
    expect(r.stderr).toMatch(/24 rows; data through/)
  })

  it('query --chart refuses --json and --format with a usage error', async () => {
    const r = await runCommand(['query', 'revenue/total_revenue', '--chart', '--format', 'csv', '--db', db])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--chart/)
  })

  it('list --spark shows the last 12 periods of each metric, the same values query --limit 12 gives', async () => {
    const r = await runCommand(['list', '--spark', '--category', 'revenue', '--db', db, '--json'])
    expect(r.code).toBe(0)
    const mrr = (JSON.parse(r.stdout).metrics as {id: string; spark: {periods: string[]; values: number[]}}[]).find((m) => m.id === 'revenue/mrr')!
    const q = await runCommand(['query', 'revenue/mrr', '--limit', '12', '--db', db, '--json'])
    const rows = JSON.parse(q.stdout).rows as {period: string; value: number}[]
    expect(mrr.spark.periods).toEqual(rows.map((row) => row.period))
    expect(mrr.spark.values).toEqual(rows.map((row) => row.value))
    expect(mrr.spark.values).toHaveLength(12)
    const table = await runCommand(['list', '--spark', '--category', 'revenue', '--db', db])
    expect(table.stdout).toMatch(/revenue\/mrr .*[▁▂▃▄▅▆▇█]{12}/)
    // the latest value is formatted by the metric's unit, as query's table does (MRR is in USD)
    const last = rows[rows.length - 1]!
    const usd = last.value.toLocaleString('en-US', {style: 'currency', currency: 'USD'})
    expect(table.stdout).toContain(`${usd} (${last.period})`)
  })
})
