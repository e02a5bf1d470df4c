// A catalog metric with `points_key` is computed from ingested points by the same queryMetric.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {ingestPoints} from '../../src/core/points.js'
import {newCatalog, tempDir} from '../helpers.js'

let catalog: Catalog
let cleanup: () => void

const point = (date: string, value: number, platform: string) => ({metricKey: 'game.players', date, value, dimensions: {platform}})

// one catalog for the file: its tests only read it (the refused import writes nothing)
beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  catalog = await newCatalog(t.dir)
  await ingestPoints(catalog, {
    points: [
      point('2026-01-05', 10, 'steam'),
      point('2026-01-20', 5, 'steam'),
      point('2026-01-07', 3, 'switch'),
      point('2026-03-02', 7, 'steam'),
    ],
  })
  await catalog.importDocuments([
    {file: 'players.yml', category: 'games', text: 'name: players\ntype: sum\npoints_key: game.players\ngrain: month\ndimensions:\n  - platform\n'},
    {file: 'peak.yml', category: 'games', text: 'name: peak_players\ntype: max\npoints_key: game.players\n'},
    {file: 'p90.yml', category: 'games', text: 'name: p90_players\ntype: median\npoints_key: game.players\n'},
  ])
})
afterAll(() => {
  catalog.close()
  cleanup()
})

describe('points metrics through queryMetric', () => {
  it('sums points by month, gap-filling the empty month with 0', async () => {
    const result = await catalog.queryMetric({metric: 'games/players'})
    expect(result.columns).toEqual(['period', 'value'])
    expect(result.rows).toEqual([
      {period: '2026-01-01', value: 18},
      {period: '2026-02-01', value: 0},
      // the points end on 2026-03-02: March is partial
      {period: '2026-03-01', value: 7, partial: true},
    ])
    expect(result.data_through).toBe('2026-03-02T00:00:00Z')
  })

  it('splits and filters by a declared dimension, named as in the metric', async () => {
    const result = await catalog.queryMetric({metric: 'games/players', by: ['platform'], filters: [{dimension: 'platform', op: '=', value: 'steam'}], from: '2026-01-01', to: '2026-02-01'})
    expect(result.columns).toEqual(['period', 'platform', 'value'])
    expect(result.rows).toEqual([{period: '2026-01-01', platform: 'steam', value: 15}])
  })

  it('uses the type as the aggregation', async () => {
    const result = await catalog.queryMetric({metric: 'games/peak_players', from: '2026-01-01', to: '2026-02-01'})
    expect(result.rows).toEqual([{period: '2026-01-01', value: 10}])
  })

  it('refuses an undeclared dimension and a type with no points aggregation', async () => {
    await expect(catalog.queryMetric({metric: 'games/peak_players', by: ['platform']})).rejects.toThrow('unknown dimension "platform" for games/peak_players; allowed: (none)')
    await expect(catalog.queryMetric({metric: 'games/p90_players'})).rejects.toThrow(/type median; points metrics use one of sum, count, avg, min, max, last/)
  })
})

describe('points metric definitions', () => {
  it('refuses SQL filters and dimension expressions on a points_key metric', async () => {
    const error = await catalog
      .importDocuments([{file: 'bad.yml', category: 'games', text: 'name: bad\ntype: sum\npoints_key: k\nfilters:\n  - value > 2\ndimensions:\n  - name: p\n    expr: upper(p)\n'}])
      .catch((e: unknown) => e)
    expect((error as {problems: {message: string}[]}).problems.map((p) => p.message)).toEqual([
      'a points_key metric cannot have SQL filters; filter points with --where on their dimensions',
      'a points_key metric\'s dimensions are point dimension keys; "expr" does not apply',
    ])
  })
})

describe('points with a warehouse attached', () => {
  it('ingests, queries and lists sources while --warehouse puts another file first on the search path', async () => {
    const t = tempDir()
    try {
      const {Database} = await import('../../src/db/connection.js')
      const {openCatalog} = await import('../../src/core/catalog.js')
      const {addDataSource, listDataSources, queryPoints} = await import('../../src/core/points.js')
      const wh = await Database.open(`${t.dir}/wh.duckdb`)
      await wh.run('CREATE TABLE orders AS SELECT 1 AS x')
      wh.close()
      const c = await openCatalog({db: `${t.dir}/db.duckdb`, warehouse: `${t.dir}/wh.duckdb`, create: true})
      try {
        const result = await ingestPoints(c, {points: [point('2026-01-05', 4, 'steam')]})
        expect(result.inserted).toBe(1)
        expect((await queryPoints(c, {key: 'game.players', bucket: 'none'})).rows).toEqual([{value: 4}])
        await addDataSource(c, {id: 'src1', name: 'src1'})
        expect((await listDataSources(c)).map((s) => s.id)).toEqual(['src1'])
      } finally {
        c.close()
      }
    } finally {
      t.cleanup()
    }
  })
})
