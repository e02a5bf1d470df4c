import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {demoDatabase, tempDir} from '../helpers.js'

// A snapshot metric (time_aggregation other than sum) has one value per period of its own grain:
// MRR is a monthly snapshot dated the 1st. Asked at a finer grain (week, day), the weeks without a
// snapshot have no value; gap-filling them with 0 ("MRR $0.00 in the week of 2026-08-03") is a wrong
// number. They are empty (null), and the result says why.

let dir: string
let cleanup: () => void
let catalog: Catalog

beforeAll(async () => {
  ;({dir, cleanup} = tempDir('metricat-snapshot-grain-'))
  catalog = await openCatalog({db: await demoDatabase(dir), readOnly: true})
})
afterAll(() => {
  catalog.close()
  cleanup()
})

const monthly = async (metric: string, month: string) => (await catalog.queryMetric({metric, grain: 'month', from: month, to: `${month.slice(0, 8)}28`})).rows[0]!.value

describe('a snapshot metric at a grain finer than its own', () => {
  it('leaves the weeks without a snapshot empty, not 0, and says so', async () => {
    const result = await catalog.queryMetric({metric: 'revenue/mrr', grain: 'week', from: '2026-08-03', to: '2026-09-14'})
    expect(result.rows.map((r) => [r.period, r.value])).toEqual([
      ['2026-08-03', null],
      ['2026-08-10', null],
      ['2026-08-17', null],
      ['2026-08-24', null],
      ['2026-08-31', await monthly('revenue/mrr', '2026-09-01')],
      ['2026-09-07', null],
    ])
    expect(result.warnings).toEqual([expect.stringMatching(/^revenue\/mrr is a month snapshot .*week.* empty, not 0/)])
  })

  it('the same through a derived metric, per dimension, and for a count snapshot at day grain', async () => {
    const arr = await catalog.queryMetric({metric: 'revenue/arr', grain: 'week', from: '2026-08-24', to: '2026-09-14', by: ['region']})
    expect(arr.rows.filter((r) => r.value === 0)).toEqual([])
    expect(arr.rows.filter((r) => r.period === '2026-08-24').map((r) => r.value)).toEqual([null, null, null, null])
    expect(arr.rows.filter((r) => r.period === '2026-08-31').every((r) => typeof r.value === 'number' && r.value > 0)).toBe(true)
    const starts = await catalog.queryMetric({metric: 'growth/customers_at_start', grain: 'day', from: '2026-09-28', to: '2026-10-03'})
    expect(starts.rows.map((r) => [r.period, r.value])).toEqual([
      ['2026-09-28', null],
      ['2026-09-29', null],
      ['2026-09-30', null],
      ['2026-10-01', await monthly('growth/customers_at_start', '2026-10-01')],
    ])
  })

  it('is unchanged at its own grain and coarser: no warning, zero-filled as before', async () => {
    const month = await catalog.queryMetric({metric: 'revenue/mrr', grain: 'month', from: '2026-01-01', to: '2026-04-01'})
    expect(month.warnings ?? []).toEqual([])
    expect(month.rows.every((r) => typeof r.value === 'number' && r.value > 0)).toBe(true)
    const quarter = await catalog.queryMetric({metric: 'revenue/mrr', grain: 'quarter', from: '2026-01-01', to: '2026-07-01'})
    expect(quarter.warnings ?? []).toEqual([])
    expect(quarter.rows.map((r) => r.value)).toEqual([await monthly('revenue/mrr', '2026-03-01'), await monthly('revenue/mrr', '2026-06-01')])
  })
})
