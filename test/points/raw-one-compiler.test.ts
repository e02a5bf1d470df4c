// `metricat points KEY` goes through the one compiler (resolve -> plan -> render): the raw request
// becomes an ad-hoc points metric, planned like a metric with points_key, rendered for DuckDB or
// ClickHouse. The SQL of representative raw requests is kept in golden files.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {ingestPoints, queryPoints, type PointsQuery} from '../../src/core/points.js'
import {compilePointsQuery, resolvePointsQuery} from '../../src/points/query.js'
import {planMetricQuery, planResolvedQuery, type AggregatePlan} from '../../src/query/plan.js'
import {newCatalog, tempDir} from '../helpers.js'

let catalog: Catalog
let cleanup: () => void

beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  catalog = await newCatalog(t.dir)
  await ingestPoints(catalog, {
    points: [
      {metricKey: 'bits', date: '2026-01-01', value: 0.1, dimensions: {platform: 'a'}},
      {metricKey: 'bits', date: '2026-01-01T12:00:00Z', value: 0.2, dimensions: {platform: 'b'}},
      {metricKey: 'far', date: '2020-01-01', value: 1},
      {metricKey: 'far', date: '2026-01-01', value: 1},
    ],
  })
  await catalog.importDocuments([{file: 'bits.yml', category: 'raw', text: 'name: bits\ntype: sum\npoints_key: bits\ndimensions:\n  - platform\n'}])
})
afterAll(() => {
  catalog.close()
  cleanup()
})

describe('raw points queries through the compiler', () => {
  it('sums like a points metric: compensated and to 14 significant digits (the raw path summed plainly: 0.30000000000000004)', async () => {
    const raw = await queryPoints(catalog, {key: 'bits', bucket: 'day'})
    expect(raw.rows).toEqual([{period: '2026-01-01', value: 0.3}])
    const compiled = await catalog.queryMetric({metric: 'raw/bits', grain: 'day'})
    expect(compiled.rows.map((r) => r.value)).toEqual([0.3])
    expect((await queryPoints(catalog, {key: 'bits', bucket: 'none', agg: 'avg'})).rows).toEqual([{value: 0.15}])
  })

  it('plans the measure a points metric of the same type plans', () => {
    for (const agg of ['sum', 'avg', 'min', 'max', 'count', 'last'] as const) {
      const raw = planResolvedQuery(resolvePointsQuery({key: 'bits', bucket: 'month', agg, by: ['platform']}).query)
      const def = {id: 'raw/bits', name: 'bits', category: 'raw', type: agg, points_key: 'bits', dimensions: ['platform']}
      const metric = planMetricQuery({metric: 'raw/bits', grain: 'month', by: ['platform']}, (id) => (id === 'raw/bits' ? def : undefined)) as AggregatePlan
      const [r, m] = [raw.measures[0]!, metric.measures[0]!]
      expect({aggregate: r.aggregate, fill: r.fill, rounded: r.rounded, time: r.time}, agg).toEqual({aggregate: m.aggregate, fill: m.fill, rounded: m.rounded, time: m.time})
      expect(r.source.replaceAll('"', '')).toBe(m.source.replaceAll('"', ''))
      // the key is bound, the definition's is a literal of reviewed text
      expect(r.conditions).toEqual([])
      expect(m.conditions).toEqual(["metric_key = 'bits'"])
      expect(r.predicates[0]).toMatchObject({sql: 'metric_key', op: '=', value: 'bits'})
    }
  })

  it('refuses a grid the data makes longer than 200000 buckets with one line', async () => {
    const error = await queryPoints(catalog, {key: 'far', bucket: 'minute'}).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/the range holds more than 200000 minute buckets; give --from and --to, or use a larger --bucket/)
    expect((error as {code?: string}).code).toBe('QUERY_FAILED')
    expect((error as Error).message).not.toContain('\n')
  })

  it('names dimension columns d1, d2, ... in SQL and maps them back to the keys', async () => {
    const q: PointsQuery = {key: 'bits', bucket: 'none', by: ['platform'], filters: [{dimension: 'region', op: 'is_null'}]}
    const compiled = compilePointsQuery(q)
    expect(compiled.aliases).toEqual({d1: 'platform'})
    expect(compiled.columns).toEqual(['platform', 'value'])
    expect(compiled.params).toEqual(['/platform', 'bits', '/region'])
    expect((await queryPoints(catalog, q)).rows).toEqual([
      {platform: 'a', value: 0.1},
      {platform: 'b', value: 0.2},
    ])
  })
})

const GOLDEN: Record<string, PointsQuery> = {
  'minute-rate-by-host': {key: 'api.requests', bucket: 'minute', agg: 'rate', by: ['host'], from: '2026-05-01T10:00:30Z', to: '2026-05-01T10:05:00Z'},
  'none-p90-where': {key: 'api.latency', bucket: 'none', agg: 'p90', by: ['region'], filters: [{dimension: 'platform', op: 'in', value: ['web', 'ios']}]},
  'hour-last-entity-limit': {key: 'game.players', bucket: 'hour', agg: 'last', entityKind: 'game', entityId: '7', granularity: 'hourly', limit: 24},
  'week-avg-data-range': {key: 'game.players', bucket: 'week', agg: 'avg', by: ['platform'], to: '2026-06-01'},
}

describe('golden SQL of raw points queries', () => {
  for (const [name, q] of Object.entries(GOLDEN)) {
    it(`${name} on DuckDB`, async () => {
      const c = compilePointsQuery(q)
      await expect(`${c.sql}\n-- params: ${JSON.stringify(c.params)}\n`).toMatchFileSnapshot(`__snapshots__/golden-points/${name}.sql`)
    })
    it(`${name} on ClickHouse`, async () => {
      const c = compilePointsQuery(q, {dialect: 'clickhouse', pointsTable: '`metricat`.metric_points'})
      expect(c.params).toEqual([])
      await expect(`${c.sql}\n`).toMatchFileSnapshot(`__snapshots__/golden-points/${name}.clickhouse.sql`)
    })
  }
})
