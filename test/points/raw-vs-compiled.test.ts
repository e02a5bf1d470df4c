// Two commands answer a question about points: `metricat points KEY` (a raw request, resolved in
// src/points/query.ts into an ad-hoc points metric) and `metricat query` on a metric with
// `points_key`; both go through the one compiler (resolve -> plan -> render). Where their features
// overlap (day..year buckets; sum, avg, min, max, count, last; --by, --where, --from/--to), they
// must give the same rows.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {ingestPoints, queryPoints} from '../../src/core/points.js'
import type {Filter, ResultRow} from '../../src/query/types.js'
import {newCatalog, tempDir} from '../helpers.js'
import {expectSameRows} from '../same-rows.js'

const AGGS = ['sum', 'avg', 'min', 'max', 'count', 'last'] as const
const BUCKETS = ['day', 'week', 'month', 'quarter', 'year'] as const

let catalog: Catalog
let cleanup: () => void

beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  catalog = await newCatalog(t.dir)
  // three platforms, gaps of days and of whole months, several points per day, values with fractions
  const points = []
  for (let i = 0; i < 120; i++) {
    if (i % 9 === 4 || (i >= 40 && i < 75)) continue
    const date = new Date(Date.UTC(2025, 10, 3) + i * 86_400_000 + (i % 5) * 3_600_000).toISOString()
    points.push({metricKey: 'game.players', date, value: (i * 7) % 31 + 0.25, dimensions: {platform: ['steam', 'epic', 'switch'][i % 3]!}})
    if (i % 4 === 0) points.push({metricKey: 'game.players', date: date.replace('T0', 'T1'), value: i / 3, dimensions: {platform: 'steam'}})
  }
  await ingestPoints(catalog, {points})
  await catalog.importDocuments(
    AGGS.map((agg) => ({file: `${agg}.yml`, category: 'raw', text: `name: players_${agg}\ntype: ${agg}\npoints_key: game.players\ndimensions:\n  - platform\n`})),
  )
})
afterAll(() => {
  catalog.close()
  cleanup()
})

/** The compiled result's rows as the raw path shows them: no partial flag. */
function plain(rows: ResultRow[]): ResultRow[] {
  return rows.map(({partial: _, ...rest}) => rest as ResultRow)
}

const REQUESTS: {name: string; by?: string[]; filters?: Filter[]; from?: string; to?: string}[] = [
  {name: 'whole range'},
  {name: 'by platform', by: ['platform']},
  {name: 'from/to, by platform', by: ['platform'], from: '2025-11-10', to: '2026-02-15'},
  {name: 'where platform in, from only', filters: [{dimension: 'platform', op: 'in', value: ['steam', 'switch']}], from: '2025-12-01'},
  {name: 'where platform !=, to only', by: ['platform'], filters: [{dimension: 'platform', op: '!=', value: 'epic'}], to: '2026-01-20'},
  // since the raw path went onto the compiler: bounds with a time of day, more filter operators
  {name: 'bounds inside a day, by platform', by: ['platform'], from: '2025-11-10T06:30:00Z', to: '2026-01-15T18:00:00.5Z'},
  {name: 'where platform contains, not_in', filters: [{dimension: 'platform', op: 'contains', value: 't'}, {dimension: 'platform', op: 'not_in', value: ['switch']}], from: '2025-11-05'},
  {name: 'where platform not_null, by platform, to inside a day', by: ['platform'], filters: [{dimension: 'platform', op: 'not_null'}], to: '2025-12-24T12:00:00+02:00'},
]

describe('metricat points and metricat query on a points_key metric give the same rows', () => {
  for (const agg of AGGS) {
    it(`agg ${agg}, every bucket and request shape`, async () => {
      for (const bucket of BUCKETS) {
        for (const r of REQUESTS) {
          const raw = await queryPoints(catalog, {key: 'game.players', bucket, agg, by: r.by, filters: r.filters, from: r.from, to: r.to})
          const compiled = await catalog.queryMetric({metric: `raw/players_${agg}`, grain: bucket, by: r.by, filters: r.filters, from: r.from, to: r.to})
          const what = `${agg} by ${bucket}, ${r.name}`
          expect(raw.rows.length, what).toBeGreaterThan(0)
          // Without `to`, the metric's periods run to the period its data ends in (data_through) also
          // when the filters leave a slice that ends earlier; the raw view has no data_through and ends
          // at the slice's last bucket. The rows after that are the metric's fill: 0 or null.
          let rows = plain(compiled.rows)
          if (r.to === undefined && r.filters !== undefined) {
            const last = String(raw.rows.at(-1)!.period)
            const after = rows.filter((row) => String(row.period) > last)
            expect(after.every((row) => row.value === (agg === 'sum' || agg === 'count' ? 0 : null)), what).toBe(true)
            rows = rows.filter((row) => String(row.period) <= last)
          }
          try {
            expectSameRows(raw.rows as ResultRow[], rows)
          } catch (error) {
            throw new Error(`${what}: ${(error as Error).message}`)
          }
        }
      }
    })
  }
})
