import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {refreshRollups, rollupStatuses} from '../../src/core/rollups.js'
import {demoDatabase, tempDir} from '../helpers.js'

// Rollups whose numbers would silently go stale without any write: a definition that reads the
// clock (`current_date`, `now()`) computes other rows tomorrow than on the day of the refresh, so a
// rollup of it cannot be kept; the planner must read the raw table.

let dir: string
let cleanup: () => void
let catalog: Catalog

const metric = (id: string, filter: string) => `name: ${id}
type: sum
table: orders
time_column: ordered_at
expression: amount
dimensions: [region]
filters:
  - ${filter}
rollups:
  - grain: month
`

beforeAll(async () => {
  ;({dir, cleanup} = tempDir('metricat-rollup-trust-'))
  catalog = await openCatalog({db: await demoDatabase(dir)})
  await catalog.importDocuments([
    {file: 'recent.yml', text: metric('recent', 'ordered_at < current_date - INTERVAL 45 DAY'), category: 'mine'},
    {file: 'nowish.yml', text: metric('nowish', "ordered_at <= NOW() - INTERVAL '1 day'"), category: 'mine'},
    {file: 'plain.yml', text: metric('plain', "status = 'completed'"), category: 'mine'},
  ])
})
afterAll(() => {
  catalog.close()
  cleanup()
})

describe('rollups of definitions that read the clock', () => {
  it('are unsupported, naming the function; refresh refuses them; a query reads the raw table', async () => {
    const statuses = await rollupStatuses(catalog, [await catalog.get('mine/recent'), await catalog.get('mine/nowish')])
    expect(statuses.map((s) => [s.id, s.status])).toEqual([
      ['mine/recent@month', 'unsupported'],
      ['mine/nowish@month', 'unsupported'],
    ])
    expect(statuses[0]!.reason).toMatch(/current_date/)
    expect(statuses[1]!.reason).toMatch(/now/i)
    await expect(refreshRollups(catalog, ['mine/recent'])).rejects.toMatchObject({code: 'VALIDATION', message: expect.stringMatching(/mine\/recent@month: .*current_date/)})
    const result = await catalog.queryMetric({metric: 'mine/recent', grain: 'month', from: '2026-01-01', to: '2026-04-01'})
    expect(result.rollup?.used).toBeNull()
    expect(result.sql).not.toContain('metricat_rollups')
  })

  it('a definition without the clock still gets its rollup', async () => {
    const [out] = await refreshRollups(catalog, ['mine/plain'])
    expect(out).toMatchObject({id: 'mine/plain@month', mode: 'full'})
    const result = await catalog.queryMetric({metric: 'mine/plain', grain: 'month', from: '2026-01-01', to: '2026-04-01'})
    expect(result.rollup?.used).toBe('mine/plain@month')
  })
})
