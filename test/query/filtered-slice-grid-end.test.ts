// Without --to, a query's periods run to the period the metric's data ends in, also when the
// request's filters leave a slice whose rows stop earlier: that slice gets its zeros up to there,
// as it does with --to, and `--limit 1` is the metric's latest period, not the slice's last row.
// (Before, the grid ended at the slice's own last row: "fax orders, latest month" answered
// February's 2 instead of April's 0, with exit 0.)
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {emptyDatabase, runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string

const rows = (r: {stdout: string}) => (JSON.parse(r.stdout) as {rows: {period: string; value: number | null}[]}).rows.map((x) => [x.period, x.value])

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = await emptyDatabase(dir)
  const csv = ['ordered_at,channel,amount', '2026-01-10,fax,5', '2026-02-03,fax,7', '2026-02-04,fax,1', '2026-01-05,web,10', '2026-03-07,web,20', '2026-04-09,web,30']
  writeFileSync(path.join(dir, 'orders.csv'), `${csv.join('\n')}\n`)
  expect((await runCommand(['load', 'orders', path.join(dir, 'orders.csv'), '--db', db])).code).toBe(0)
  writeFileSync(
    path.join(dir, 'metrics.yml'),
    [
      '- {name: orders, category: shop, type: count, table: orders, time_column: ordered_at, dimensions: [channel]}',
      '- {name: biggest, category: shop, type: max, table: orders, time_column: ordered_at, expression: amount, dimensions: [channel]}',
      '- {name: players, category: games, type: sum, points_key: game.players, grain: day, dimensions: [platform]}',
    ].join('\n'),
  )
  expect((await runCommand(['import', path.join(dir, 'metrics.yml'), '--db', db])).code).toBe(0)
  const points = [
    {metricKey: 'game.players', date: '2026-05-01', value: 310, dimensions: {platform: 'epic'}},
    {metricKey: 'game.players', date: '2026-05-01', value: 1520, dimensions: {platform: 'steam'}},
    {metricKey: 'game.players', date: '2026-05-04', value: 1405, dimensions: {platform: 'steam'}},
  ]
  expect((await runCommand(['ingest', '-', '--db', db], {input: points.map((p) => JSON.stringify(p)).join('\n')})).code).toBe(0)
})
afterAll(() => cleanup())

const query = (...args: string[]) => runCommand(['query', ...args, '--db', db, '--json'])

describe('a filtered slice whose rows stop before the metric data ends', () => {
  it('is filled with 0 up to the period the data ends in, with or without --to', async () => {
    const open = await query('shop/orders', '--where', 'channel=fax', '--from', '2026-01-01')
    expect(open.code).toBe(0)
    expect(rows(open)).toEqual([['2026-01-01', 1], ['2026-02-01', 2], ['2026-03-01', 0], ['2026-04-01', 0]])
    expect(rows(await query('shop/orders', '--where', 'channel=fax', '--from', '2026-01-01', '--to', '2026-05-01'))).toEqual(rows(open))
    expect(rows(await query('shop/orders', '--where', 'channel=fax'))).toEqual(rows(open))
  })

  it('--limit 1 is the latest period of the metric (0), not the last period the slice has rows in', async () => {
    expect(rows(await query('shop/orders', '--where', 'channel=fax', '--limit', '1'))).toEqual([['2026-04-01', 0]])
    const compared = JSON.parse((await query('shop/orders', '--where', 'channel=fax', '--limit', '2', '--compare', 'previous')).stdout).rows
    expect(compared.map((r: {period: string; value: number; previous_value: number}) => [r.period, r.value, r.previous_value])).toEqual([
      ['2026-03-01', 0, 2],
      ['2026-04-01', 0, 0],
    ])
  })

  it('leaves a max empty (null), not 0, in the periods after the slice', async () => {
    expect(rows(await query('shop/biggest', '--where', 'channel=fax', '--from', '2026-01-01'))).toEqual([['2026-01-01', 5], ['2026-02-01', 7], ['2026-03-01', null], ['2026-04-01', null]])
  })

  it('does the same for a metric computed from points', async () => {
    expect(rows(await query('games/players', '--where', 'platform=epic', '--limit', '1'))).toEqual([['2026-05-04', 0]])
    expect(rows(await query('games/players', '--where', 'platform=epic'))).toEqual(rows(await query('games/players', '--where', 'platform=epic', '--from', '2026-05-01', '--to', '2026-05-05')))
  })

  it('adds no period after the one the data ends in', async () => {
    expect(rows(await query('shop/orders', '--from', '2026-03-01'))).toEqual([['2026-03-01', 1], ['2026-04-01', 1]])
  })
})
