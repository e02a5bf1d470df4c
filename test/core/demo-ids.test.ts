// The demo warehouse numbers its rows in time order (src/demo/warehouse.ts): `orders` and
// `user_events` get their ids from `row_number() OVER ()` over a sorted subquery, which relies on
// DuckDB numbering a streaming window's input in the order the subquery sorted it. If a DuckDB
// release stopped doing so, ids would no longer follow time, and this fails.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {demoDatabase, tempDir} from '../helpers.js'

let catalog: Catalog
let cleanup: () => void

beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  catalog = await openCatalog({db: await demoDatabase(t.dir), readOnly: true})
})
afterAll(() => {
  catalog.close()
  cleanup()
})

describe('demo ids', () => {
  it.each([
    ['orders', 'order_id', 'ordered_at'],
    ['user_events', 'event_id', 'occurred_at'],
    ['tickets', 'ticket_id', 'created_at'],
    ['opportunities', 'opportunity_id', 'created_at'],
    ['subscription_changes', 'change_id', 'changed_at'],
  ])('%s: %s runs 1..n in %s order, and the rows are stored in id order', async (table, id, time) => {
    const [row] = await catalog.db.all<{n: number; lo: number; hi: number; backwards: number; gaps: number; misplaced: number}>(
      `SELECT count(*)::INTEGER AS n, min(${id})::INTEGER AS lo, max(${id})::INTEGER AS hi,
         count(*) FILTER (WHERE prev_time > ${time})::INTEGER AS backwards,
         count(*) FILTER (WHERE ${id} <> prev_id + 1)::INTEGER AS gaps,
         count(*) FILTER (WHERE ${id} <> pos + 1)::INTEGER AS misplaced
       FROM (
         SELECT ${id}, ${time}, rowid AS pos,
           lag(${time}) OVER (ORDER BY ${id}) AS prev_time,
           lag(${id}) OVER (ORDER BY ${id}) AS prev_id
         FROM mc.main.${table}
       )`,
    )
    expect(row!.n).toBeGreaterThan(1000)
    expect(row).toEqual({n: row!.n, lo: 1, hi: row!.n, backwards: 0, gaps: 0, misplaced: 0})
  })
})
