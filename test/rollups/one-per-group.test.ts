// A rollup at the query's grain that keeps exactly the requested dimensions holds one row per
// result row: the rollup-served SQL reads those rows without a GROUP BY (lean SQL for the common
// dashboard question), and its numbers are exactly the raw table's, for every rollup type, with
// NULL dimension values, filters and ranges. A coarser grain or fewer dimensions still groups.
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {refreshRollups} from '../../src/core/rollups.js'
import type {MetricQuery} from '../../src/query/types.js'
import {tempDir} from '../helpers.js'

let cleanup: () => void
let catalog: Catalog

const TYPES = ['sum', 'count', 'count_distinct', 'avg', 'min', 'max'] as const

beforeAll(async () => {
  let dir: string
  ;({dir, cleanup} = tempDir('metricat-one-per-group-'))
  catalog = await openCatalog({db: path.join(dir, 'm.duckdb'), create: true})
  await catalog.db.run(`CREATE TABLE sales AS
    SELECT TIMESTAMP '2025-01-01' + to_seconds((i * 7919) % (90 * 86400)) AS sold_at,
      CASE WHEN i % 7 = 0 THEN NULL ELSE ['EU', 'NA', 'APAC'][1 + i % 3] END AS region,
      ['web', 'app'][1 + i % 2] AS channel,
      CAST(i % 13 AS DOUBLE) / 3 + 0.1 AS amount,
      i % 50 AS customer_id
    FROM range(2000) AS t(i)`)
  const yaml = (type: string) => `name: s_${type}
type: ${type}
table: sales
time_column: sold_at
expression: ${type === 'count_distinct' ? 'customer_id' : 'amount'}
dimensions: [region, channel]
rollups:
  - grain: day
    by: [region]
  - grain: month
    by: [region, channel]
`
  await catalog.importDocuments(TYPES.map((t) => ({file: `s_${t}.yml`, text: yaml(t), category: 'shop'})))
  await refreshRollups(catalog, [])
})
afterAll(() => {
  catalog.close()
  cleanup()
})

async function both(query: MetricQuery) {
  const rolled = await catalog.queryMetric(query)
  const raw = await catalog.queryMetric({...query, no_rollup: true})
  return {rolled, raw}
}

describe('a rollup row that is its whole group', () => {
  it.each(TYPES)('%s: read without GROUP BY, the same rows as the raw table', async (type) => {
    for (const query of [
      {metric: `shop/s_${type}`, grain: 'day', by: ['region']},
      {metric: `shop/s_${type}`, grain: 'day', by: ['region'], filters: [{dimension: 'region', op: 'in', value: ['EU', 'NA']}], from: '2025-01-10', to: '2025-02-01'},
      {metric: `shop/s_${type}`, grain: 'month', by: ['channel', 'region']},
    ] as MetricQuery[]) {
      const {rolled, raw} = await both(query)
      expect(rolled.rollup?.used, JSON.stringify(query)).toMatch(/@/)
      expect(rolled.sql).not.toMatch(/GROUP BY/)
      expect(rolled.rows.length).toBeGreaterThan(0)
      expect(rolled.rows).toEqual(raw.rows)
    }
  })

  it.each(TYPES.filter((t) => t !== 'count_distinct'))('%s: a coarser grain or fewer dimensions re-aggregates (GROUP BY), the same rows', async (type) => {
    for (const query of [
      {metric: `shop/s_${type}`, grain: 'month', by: ['region']},
      {metric: `shop/s_${type}`, grain: 'month'},
    ] as MetricQuery[]) {
      const {rolled, raw} = await both(query)
      expect(rolled.rollup?.used, JSON.stringify(query)).toMatch(/@/)
      expect(rolled.sql).toMatch(/GROUP BY ALL/)
      expect(rolled.rows).toEqual(raw.rows)
    }
  })
})
