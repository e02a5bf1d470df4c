// Issue 10 item 6: catalog rules hold under concurrent admin writes (checked inside the
// serialised write transaction, on the rows as they are then).
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {newCatalog, tempDir} from '../helpers.js'

let catalog: Catalog
let cleanup: () => void

beforeAll(async () => {
  const t = tempDir('metricat-sec-race-')
  cleanup = t.cleanup
  catalog = await newCatalog(t.dir)
  await catalog.db.run(`CREATE TABLE mc.main.t AS SELECT DATE '2026-01-01' + CAST(i AS INTEGER) AS day, i::DOUBLE AS amount FROM range(3) r(i)`)
})
afterAll(() => {
  catalog?.close()
  cleanup()
})

const sum = (name: string, extra: Record<string, unknown> = {}) => ({name, category: 'race', type: 'sum', table: 't', time_column: 'day', expression: 'amount', ...extra})

describe('concurrent writes cannot break catalog rules', () => {
  it('two simultaneous creates with one synonym: exactly one succeeds', async () => {
    const results = await Promise.allSettled([
      catalog.putMetric(sum('one', {synonyms: ['shared words']})),
      catalog.putMetric(sum('two', {synonyms: ['Shared Words']})),
    ])
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect(rejected.reason.code).toBe('VALIDATION')
    expect(rejected.reason.message).toMatch(/duplicate synonym/)
    expect((await catalog.lookupSynonym('shared words')).length).toBe(1)
    expect((await catalog.validate()).problems).toEqual([])
  })

  it('deleting a metric while a ratio that reads it is created: one of them is refused, no dangling reference', async () => {
    await catalog.putMetric(sum('num'))
    await catalog.putMetric(sum('den'))
    const results = await Promise.allSettled([
      catalog.delete('race/num'),
      catalog.putMetric({name: 'share', category: 'race', type: 'ratio', numerator: 'race/num', denominator: 'race/den'}),
    ])
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    expect((await catalog.validate()).problems).toEqual([])
    // and the catalog still takes imports (a dangling reference made every import fail)
    const plan = await catalog.importDocuments([{file: 'x.yml', category: 'race', text: 'name: later\ntype: count\ntable: t\ntime_column: day\n'}])
    expect(plan.applied).toBe(true)
  })

  it('the same race through import: a concurrent import cannot reintroduce a shared synonym', async () => {
    const doc = (name: string) => [{file: `${name}.yml`, category: 'race', text: `name: ${name}\ntype: count\ntable: t\ntime_column: day\nsynonyms: [imported twice]\n`}]
    const results = await Promise.allSettled([catalog.importDocuments(doc('i1')), catalog.importDocuments(doc('i2'))])
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    expect((await catalog.lookupSynonym('imported twice')).length).toBe(1)
    expect((await catalog.validate()).problems).toEqual([])
  })
})
