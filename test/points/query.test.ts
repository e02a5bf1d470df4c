import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {compilePointsQuery, ingestPoints, queryPoints, type PointsQuery} from '../../src/core/points.js'
import {CatalogError} from '../../src/errors.js'
import {newCatalog, tempDir} from '../helpers.js'

let cleanup: () => void
let catalog: Catalog

// Hand-computed expectations below refer to these points.
const SALES = [
  {date: '2026-01-05', value: 10, dimensions: {platform: 'steam', region: 'EU', tier: 3}},
  {date: '2026-01-05', value: 5, dimensions: {platform: 'epic', region: 'EU'}},
  {date: '2026-01-06', value: 7, dimensions: {platform: 'steam', region: 'US', tier: 1}},
  {date: '2026-01-08', value: 3, dimensions: {platform: 'steam', region: 'EU'}},
  {date: '2026-01-12', value: 20, dimensions: {platform: 'steam', region: 'EU'}},
  {date: '2026-02-01', value: 8, dimensions: {platform: 'epic', region: 'US'}},
  {date: '2026-03-10', value: 2, dimensions: {region: 'EU'}},
  {date: '2026-04-15', value: 1, dimensions: {platform: 'steam', region: 'EU'}},
].map((p) => ({metricKey: 'sales', granularity: 'day', ...p}))

const HITS = [
  {metricKey: 'hits', date: '2026-01-05T10:15:00Z', value: 1},
  {metricKey: 'hits', date: '2026-01-05T10:45:00Z', value: 2},
  {metricKey: 'hits', date: '2026-01-05T14:00:00+02:00', value: 5},
]

const PLAYERS = [
  {metricKey: 'players', date: '2026-01-01', value: 10, entityKind: 'game', entityId: '1', dataSourceId: 'steam'},
  {metricKey: 'players', date: '2026-01-01', value: 20, entityKind: 'game', entityId: '2', dataSourceId: 'steam'},
  {metricKey: 'players', date: '2026-01-01', value: 99, entityKind: 'app', entityId: '2', dataSourceId: 'other'},
]

beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  catalog = await newCatalog(t.dir)
  await ingestPoints(catalog, {points: [...SALES, ...HITS, ...PLAYERS]})
})
afterAll(() => {
  catalog.close()
  cleanup()
})

const rows = async (q: PointsQuery) => (await queryPoints(catalog, q)).rows
const series = async (q: PointsQuery) => (await rows(q)).map((r) => [r.period, r.value])

describe('queryPoints buckets', () => {
  it('sums by day over [from, to), filling an empty day with 0', async () => {
    expect(await series({key: 'sales', from: '2026-01-05', to: '2026-01-09'})).toEqual([
      ['2026-01-05', 15],
      ['2026-01-06', 7],
      ['2026-01-07', 0],
      ['2026-01-08', 3],
    ])
  })

  it('by week, Monday-based, over the data range', async () => {
    const weeks = await series({key: 'sales', bucket: 'week'})
    expect(weeks).toHaveLength(15)
    expect(weeks.slice(0, 4)).toEqual([
      ['2026-01-05', 25],
      ['2026-01-12', 20],
      ['2026-01-19', 0],
      ['2026-01-26', 8],
    ])
    expect(weeks).toContainEqual(['2026-03-09', 2])
    expect(weeks.at(-1)).toEqual(['2026-04-13', 1])
  })

  it('by month, quarter and year', async () => {
    expect(await series({key: 'sales', bucket: 'month'})).toEqual([
      ['2026-01-01', 45],
      ['2026-02-01', 8],
      ['2026-03-01', 2],
      ['2026-04-01', 1],
    ])
    expect(await series({key: 'sales', bucket: 'quarter'})).toEqual([
      ['2026-01-01', 55],
      ['2026-04-01', 1],
    ])
    expect(await series({key: 'sales', bucket: 'year'})).toEqual([['2026-01-01', 56]])
  })

  it('by hour, in UTC, with ISO timestamps as periods', async () => {
    expect(await series({key: 'hits', bucket: 'hour'})).toEqual([
      ['2026-01-05T10:00:00Z', 3],
      ['2026-01-05T11:00:00Z', 0],
      ['2026-01-05T12:00:00Z', 5],
    ])
  })

  it('with bucket none, one row per group and no period', async () => {
    const result = await queryPoints(catalog, {key: 'sales', bucket: 'none'})
    expect(result.columns).toEqual(['value'])
    expect(result.rows).toEqual([{value: 56}])
    expect(await rows({key: 'sales', bucket: 'none', by: ['platform']})).toEqual([
      {platform: 'epic', value: 13},
      {platform: 'steam', value: 41},
      {platform: null, value: 2},
    ])
  })

  it('counts a range from the middle of a period only from `from` on', async () => {
    expect(await series({key: 'sales', bucket: 'month', from: '2026-01-06', to: '2026-02-01'})).toEqual([['2026-01-01', 30]])
  })

  it('returns no rows for an unknown key without a range, and empty buckets with one', async () => {
    expect(await rows({key: 'nope'})).toEqual([])
    expect(await series({key: 'nope', bucket: 'month', from: '2026-01-01', to: '2026-03-01'})).toEqual([
      ['2026-01-01', 0],
      ['2026-02-01', 0],
    ])
  })
})

describe('queryPoints aggregations', () => {
  const month = (agg: PointsQuery['agg']) => series({key: 'sales', bucket: 'month', agg})

  it('count fills empty buckets with 0', async () => {
    expect(await series({key: 'sales', bucket: 'month', agg: 'count', from: '2026-01-01', to: '2026-06-01'})).toEqual([
      ['2026-01-01', 5],
      ['2026-02-01', 1],
      ['2026-03-01', 1],
      ['2026-04-01', 1],
      ['2026-05-01', 0],
    ])
  })

  it('avg, min and max leave empty buckets null', async () => {
    expect(await series({key: 'sales', agg: 'avg', from: '2026-01-05', to: '2026-01-09'})).toEqual([
      ['2026-01-05', 7.5],
      ['2026-01-06', 7],
      ['2026-01-07', null],
      ['2026-01-08', 3],
    ])
    expect(await month('min')).toEqual([
      ['2026-01-01', 3],
      ['2026-02-01', 8],
      ['2026-03-01', 2],
      ['2026-04-01', 1],
    ])
    expect((await month('max'))[0]).toEqual(['2026-01-01', 20])
  })

  it('last takes the value with the latest date in the bucket', async () => {
    expect(await month('last')).toEqual([
      ['2026-01-01', 20],
      ['2026-02-01', 8],
      ['2026-03-01', 2],
      ['2026-04-01', 1],
    ])
    expect(await series({key: 'sales', bucket: 'month', agg: 'last', from: '2026-05-01', to: '2026-06-01'})).toEqual([['2026-05-01', null]])
  })
})

describe('queryPoints filters and groups', () => {
  it('splits by a dimension, filling every group in every period', async () => {
    expect((await rows({key: 'sales', bucket: 'month', by: ['platform']})).map((r) => [r.period, r.platform, r.value])).toEqual([
      ['2026-01-01', 'epic', 5],
      ['2026-01-01', 'steam', 40],
      ['2026-01-01', null, 0],
      ['2026-02-01', 'epic', 8],
      ['2026-02-01', 'steam', 0],
      ['2026-02-01', null, 0],
      ['2026-03-01', 'epic', 0],
      ['2026-03-01', 'steam', 0],
      ['2026-03-01', null, 2],
      ['2026-04-01', 'epic', 0],
      ['2026-04-01', 'steam', 1],
      ['2026-04-01', null, 0],
    ])
  })

  it('splits by two dimensions', async () => {
    const result = await queryPoints(catalog, {key: 'sales', bucket: 'none', by: ['region', 'platform'], filters: [{dimension: 'platform', op: 'not_null'}]})
    expect(result.columns).toEqual(['region', 'platform', 'value'])
    expect(result.rows).toEqual([
      {region: 'EU', platform: 'epic', value: 5},
      {region: 'EU', platform: 'steam', value: 34},
      {region: 'US', platform: 'epic', value: 8},
      {region: 'US', platform: 'steam', value: 7},
    ])
  })

  it('filters on dimension values', async () => {
    const month = {key: 'sales', bucket: 'month' as const, from: '2026-01-01', to: '2026-03-01'}
    expect(await series({...month, filters: [{dimension: 'platform', op: '=', value: 'steam'}]})).toEqual([
      ['2026-01-01', 40],
      ['2026-02-01', 0],
    ])
    expect(await series({...month, filters: [{dimension: 'region', op: 'in', value: ['US']}]})).toEqual([
      ['2026-01-01', 7],
      ['2026-02-01', 8],
    ])
    expect(await series({...month, filters: [{dimension: 'region', op: '!=', value: 'EU'}]})).toEqual([
      ['2026-01-01', 7],
      ['2026-02-01', 8],
    ])
    expect(await series({key: 'sales', bucket: 'none', filters: [{dimension: 'platform', op: 'is_null'}]})).toEqual([[undefined, 2]])
    expect(await series({key: 'sales', bucket: 'none', filters: [{dimension: 'platform', op: 'not_in', value: ['steam']}]})).toEqual([[undefined, 15]])
    expect(await series({key: 'sales', bucket: 'none', filters: [{dimension: 'platform', op: 'contains', value: 'ea'}]})).toEqual([[undefined, 41]])
  })

  it('compares numeric dimension values as numbers', async () => {
    expect(await series({key: 'sales', bucket: 'none', filters: [{dimension: 'tier', op: '>=', value: 2}]})).toEqual([[undefined, 10]])
    expect(await series({key: 'sales', bucket: 'none', filters: [{dimension: 'tier', op: '=', value: 1}]})).toEqual([[undefined, 7]])
  })

  it('filters on entity and data source', async () => {
    expect(await series({key: 'players', bucket: 'none', entityId: '2'})).toEqual([[undefined, 119]])
    expect(await series({key: 'players', bucket: 'none', entityKind: 'game', entityId: '2'})).toEqual([[undefined, 20]])
    expect(await series({key: 'players', bucket: 'none', dataSourceId: 'steam'})).toEqual([[undefined, 30]])
    expect(await series({key: 'sales', bucket: 'none', granularity: 'month'})).toEqual([[undefined, 0]])
  })

  it('returns the SQL and its bound parameters', async () => {
    const result = await queryPoints(catalog, {key: 'sales', bucket: 'month', by: ['platform'], filters: [{dimension: 'region', op: '=', value: 'EU'}]})
    expect(result.params).toEqual(['/platform', 'sales', '/region', 'EU'])
    expect(result.sql).toContain('json_extract_string(dimensions, $1) AS "d1"')
  })
})

const INJECTION = ['a"b', "'; drop table metricat.metric_points --", 'line\nbreak', 'ünï 🎲', 'a/b~c', '$.x']

describe('request input never becomes SQL text', () => {
  it.each(INJECTION)('a dimension key %j is bound, in by and in filters', async (key) => {
    const compiled = compilePointsQuery({key: 'weird', bucket: 'none', by: [key], filters: [{dimension: key, op: '=', value: `v'${key}`}]})
    expect(compiled.sql).not.toContain(key)
    expect(compiled.sql).not.toContain(`v'`)
    await ingestPoints(catalog, {points: [{metricKey: 'weird', date: '2026-01-01', value: 4, dimensions: {[key]: `v'${key}`}}]})
    const result = await queryPoints(catalog, {key: 'weird', bucket: 'none', by: [key], filters: [{dimension: key, op: '=', value: `v'${key}`}]})
    expect(result.rows).toEqual([{[key]: `v'${key}`, value: 4}])
  })

  it('keeps a dimension key that looks like an internal column alias apart', async () => {
    await ingestPoints(catalog, {points: [{metricKey: 'alias', date: '2026-01-01', value: 1, dimensions: {d1: 'x', d2: 'y'}}]})
    expect(await rows({key: 'alias', bucket: 'none', by: ['d2', 'd1']})).toEqual([{d2: 'y', d1: 'x', value: 1}])
  })

  it('binds the metric key, entity fields and range too', () => {
    const q: PointsQuery = {key: "k'; --", entityKind: "e'", entityId: "i'", dataSourceId: "s'", from: '2026-01-01', to: '2026-02-01'}
    const {sql} = compilePointsQuery(q)
    expect(sql).not.toMatch(/k'|e'|i'|s'|2026/)
  })
})

describe('points query checks', () => {
  const reject = async (q: unknown, code: string, message: RegExp) => {
    const error = await queryPoints(catalog, q as PointsQuery).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CatalogError)
    expect((error as CatalogError).code).toBe(code)
    expect((error as CatalogError).message).toMatch(message)
  }

  it('rejects unknown fields, buckets and aggregations', async () => {
    await reject({key: 'sales', bukket: 'day'}, 'VALIDATION', /unknown field "bukket"/)
    await reject({key: 'sales', bucket: 'second'}, 'VALIDATION', /\/bucket/)
    await reject({key: 'sales', agg: 'median'}, 'VALIDATION', /\/agg/)
    await reject({bucket: 'day'}, 'VALIDATION', /key/)
  })

  it('rejects bad dates, an empty range and too many buckets', async () => {
    await reject({key: 'sales', from: 'last week'}, 'BAD_REQUEST', /bad date "last week" for from/)
    await reject({key: 'sales', from: '2026-02-01', to: '2026-01-01'}, 'BAD_REQUEST', /must be before/)
    await reject({key: 'sales', bucket: 'hour', from: '2000-01-01', to: '2100-01-01'}, 'BAD_REQUEST', /more than 200000 hour buckets/)
  })

  it('rejects filters whose value does not fit the operator, and by keys that clash', async () => {
    await reject({key: 'sales', filters: [{dimension: 'a', op: 'in', value: 'x'}]}, 'BAD_REQUEST', /needs a non-empty list/)
    await reject({key: 'sales', filters: [{dimension: 'a', op: '='}]}, 'BAD_REQUEST', /needs one value/)
    await reject({key: 'sales', by: ['value']}, 'BAD_REQUEST', /clash/)
    await reject({key: 'sales', by: ['a', 'a']}, 'BAD_REQUEST', /twice/)
  })
})
