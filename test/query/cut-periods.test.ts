// A --from/--to inside a period (without --compare, which widens to whole periods instead) leaves
// that period's value covering part of it: half of September read as a drop, with no marker. The
// result now flags those rows `partial: true` and says why in `warnings`; aligned bounds change
// nothing. Checked through the catalog (what CLI, server and agents share) and the CLI's output.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {demoDatabase, runCommand, tempDir} from '../helpers.js'

const tmp = tempDir()
let db: string
let catalog: Catalog

beforeAll(async () => {
  db = await demoDatabase(tmp.dir)
  catalog = await openCatalog({db, readOnly: true})
})
afterAll(async () => {
  await catalog.close()
  tmp.cleanup()
})

const partialPeriods = (rows: Record<string, unknown>[]) => rows.filter((r) => r.partial === true).map((r) => r.period)

describe('a period cut by --from/--to', () => {
  it('is partial, with a warning naming the bound, when --from falls inside the first period', async () => {
    const cut = await catalog.queryMetric({metric: 'revenue/total_revenue', grain: 'month', from: '2026-08-10', to: '2026-10-01'})
    expect(partialPeriods(cut.rows)).toEqual(['2026-08-01'])
    expect(cut.warnings.filter((w) => w.includes('--from 2026-08-10'))).toHaveLength(1)
    // the value really is the cut one: less than the whole month's
    const whole = await catalog.queryMetric({metric: 'revenue/total_revenue', grain: 'month', from: '2026-08-01', to: '2026-10-01'})
    expect(partialPeriods(whole.rows)).toEqual([])
    expect(whole.warnings).toEqual([])
    expect(cut.rows[0]!.value as number).toBeLessThan(whole.rows[0]!.value as number)
    expect(cut.rows[1]).toEqual(whole.rows[1])
  })

  it('is partial when --to (exclusive) falls inside the last period, at week grain too', async () => {
    const month = await catalog.queryMetric({metric: 'revenue/total_revenue', grain: 'month', from: '2026-08-01', to: '2026-09-15'})
    expect(partialPeriods(month.rows)).toEqual(['2026-09-01'])
    expect(month.warnings.some((w) => w.includes('--to 2026-09-15'))).toBe(true)
    // 2026-08-05 is a Wednesday: the week of Monday 2026-08-03 is cut; --to on a Monday cuts nothing
    const week = await catalog.queryMetric({metric: 'revenue/total_revenue', grain: 'week', from: '2026-08-05', to: '2026-08-24', by: ['region']})
    expect([...new Set(partialPeriods(week.rows))]).toEqual(['2026-08-03'])
    expect(week.rows.filter((r) => r.period === '2026-08-03').every((r) => r.partial === true)).toBe(true)
  })

  it('is not flagged with --compare, which widens the bounds to whole periods', async () => {
    const r = await catalog.queryMetric({metric: 'revenue/total_revenue', grain: 'month', from: '2026-08-10', to: '2026-10-01', compare: 'previous'})
    expect(partialPeriods(r.rows)).toEqual([])
    expect(r.warnings.some((w) => w.includes('widened'))).toBe(true)
  })

  it('treats a bound at midnight of a period start (T00:00:00) as that date: nothing cut, nothing widened', async () => {
    const plain = await catalog.queryMetric({metric: 'revenue/total_revenue', grain: 'month', from: '2026-08-01', to: '2026-10-01', compare: 'previous'})
    const midnight = await catalog.queryMetric({metric: 'revenue/total_revenue', grain: 'month', from: '2026-08-01T00:00:00', to: '2026-10-01T00:00:00', compare: 'previous'})
    // before: --to 2026-10-01T00:00:00 was "widened" to 2026-11-01, so October (outside the range) came back too
    expect(midnight.rows).toEqual(plain.rows)
    expect(midnight.warnings).toEqual([])
    const noCompare = await catalog.queryMetric({metric: 'revenue/total_revenue', grain: 'month', from: '2026-08-01T00:00:00', to: '2026-10-01T00:00:00'})
    expect(partialPeriods(noCompare.rows)).toEqual([])
    expect(noCompare.warnings).toEqual([])
  })

  it('shows in the CLI: partial rows in --json, the warning on stderr and the table footer', async () => {
    const json = await runCommand(['query', 'revenue/total_revenue', '--grain', 'month', '--from', '2026-08-01', '--to', '2026-09-15', '--db', db, '--json'])
    expect(json.code).toBe(0)
    expect(partialPeriods(JSON.parse(json.stdout).rows)).toEqual(['2026-09-01'])
    const table = await runCommand(['query', 'revenue/total_revenue', '--grain', 'month', '--from', '2026-08-01', '--to', '2026-09-15', '--db', db])
    expect(table.code).toBe(0)
    expect(table.stderr).toMatch(/2026-09-01 partial/)
    expect(table.stderr).toMatch(/ends after --to 2026-09-15/)
  })
})
