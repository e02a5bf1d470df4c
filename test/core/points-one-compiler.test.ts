// Points metrics go through the same resolve -> plan -> render as table metrics: --compare,
// ratio/derived over points, time aggregation of gauges, data_through, values.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {ingestPoints} from '../../src/core/points.js'
import {newCatalog, tempDir} from '../helpers.js'

let catalog: Catalog
let cleanup: () => void

const point = (metricKey: string, date: string, value: number, platform: string) => ({metricKey, date, value, dimensions: {platform}})

beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  catalog = await newCatalog(t.dir)
  await ingestPoints(catalog, {
    points: [
      point('game.players', '2026-01-05', 10, 'steam'),
      point('game.players', '2026-01-20', 5, 'steam'),
      point('game.players', '2026-01-07', 3, 'switch'),
      point('game.players', '2026-02-11', 12, 'steam'),
      point('game.players', '2026-03-02', 7, 'steam'),
      point('game.sessions', '2026-01-09', 40, 'steam'),
      point('game.sessions', '2026-01-10', 20, 'switch'),
      point('game.sessions', '2026-02-03', 24, 'steam'),
      point('game.sessions', '2026-03-01', 14, 'steam'),
    ],
  })
  await catalog.importDocuments([
    {file: 'players.yml', category: 'games', text: 'name: players\ntype: sum\nunit: users\npoints_key: game.players\ngrain: month\ndimensions:\n  - platform\n'},
    {file: 'sessions.yml', category: 'games', text: 'name: sessions\ntype: sum\npoints_key: game.sessions\ngrain: month\ndimensions:\n  - platform\n'},
    {file: 'per.yml', category: 'games', text: 'name: sessions_per_player\ntype: ratio\nnumerator: games/sessions\ndenominator: games/players\ndimensions:\n  - platform\n'},
    {file: 'double.yml', category: 'games', text: 'name: double_players\ntype: derived\nformula: games/players * 2\n'},
    // a gauge: one reading per day; a month is its last reading, not the sum of its days
    {file: 'online.yml', category: 'games', text: 'name: online\ntype: max\npoints_key: game.players\ngrain: day\ntime_aggregation: last\ndimensions:\n  - platform\n'},
  ])
})
afterAll(() => {
  catalog.close()
  cleanup()
})

const pick = (rows: Record<string, unknown>[], ...keys: string[]) => rows.map((r) => keys.map((k) => r[k]))

describe('points metrics through the one compiler', () => {
  it('--compare previous adds previous_value and growth_pct', async () => {
    const result = await catalog.queryMetric({metric: 'games/players', compare: 'previous', from: '2026-02-01', to: '2026-04-01'})
    expect(result.columns).toEqual(['period', 'value', 'previous_value', 'growth_pct'])
    expect(pick(result.rows, 'period', 'value', 'previous_value')).toEqual([
      ['2026-02-01', 12, 18],
      ['2026-03-01', 7, 12],
    ])
    expect(result.rows[0]!.growth_pct).toBeCloseTo(((12 - 18) / 18) * 100, 10)
    expect(result.rows[1]!.growth_pct).toBeCloseTo(((7 - 12) / 12) * 100, 10)
  })

  it('a ratio of two points metrics, by a dimension', async () => {
    const result = await catalog.queryMetric({metric: 'games/sessions_per_player', by: ['platform'], from: '2026-01-01', to: '2026-02-01'})
    expect(pick(result.rows, 'period', 'platform')).toEqual([
      ['2026-01-01', 'steam'],
      ['2026-01-01', 'switch'],
    ])
    expect(result.rows[0]!.value).toBeCloseTo(40 / 15, 10)
    expect(result.rows[1]!.value).toBeCloseTo(20 / 3, 10)
  })

  it('a derived formula over a points metric', async () => {
    const result = await catalog.queryMetric({metric: 'games/double_players', grain: 'quarter'})
    expect(pick(result.rows, 'period', 'value')).toEqual([['2026-01-01', 2 * (18 + 12 + 7)]])
  })

  it('a gauge with time_aggregation last is its last reading of the period, per dimension', async () => {
    const result = await catalog.queryMetric({metric: 'games/online', grain: 'month', by: ['platform'], from: '2026-01-01', to: '2026-02-01'})
    // the last day with any reading in January is the 20th: steam 5; switch had none that day
    expect(pick(result.rows, 'period', 'platform', 'value')).toEqual([
      ['2026-01-01', 'steam', 5],
      ['2026-01-01', 'switch', null],
    ])
  })

  it('carries data_through (also in show) and the metric unit', async () => {
    const result = await catalog.queryMetric({metric: 'games/players', from: '2026-01-01', to: '2026-06-01'})
    expect(result.data_through).toBe('2026-03-02T00:00:00Z')
    expect(result.unit).toBe('users')
    expect(result.rows.map((r) => r.period)).toEqual(['2026-01-01', '2026-02-01', '2026-03-01'])
    expect((await catalog.show('games/players')) as {data_through?: string}).toMatchObject({data_through: '2026-03-02T00:00:00Z'})
  })

  it('lists dimension values of points and warns about a value no point has', async () => {
    const values = await catalog.dimensionValues('games/players', 'platform')
    expect(values.values).toEqual([{value: 'steam', rows: 4}, {value: 'switch', rows: 1}])
    const result = await catalog.queryMetric({metric: 'games/players', filters: [{dimension: 'platform', op: '=', value: 'stem'}]})
    expect(result.warnings.join('\n')).toMatch(/no row has platform = stem; did you mean steam\?/)
  })

  it('numeric comparisons on point dimensions compare them as numbers', async () => {
    await ingestPoints(catalog, {points: [{metricKey: 'game.levels', date: '2026-01-01', value: 1, dimensions: {level: '9'}}, {metricKey: 'game.levels', date: '2026-01-01', value: 2, dimensions: {level: '10'}}]})
    await catalog.importDocuments([{file: 'levels.yml', category: 'games', text: 'name: levels\ntype: sum\npoints_key: game.levels\ndimensions:\n  - level\n'}])
    const result = await catalog.queryMetric({metric: 'games/levels', filters: [{dimension: 'level', op: '>', value: 9}]})
    expect(pick(result.rows, 'value')).toEqual([[2]])
  })
})
