import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {STARTER_PACK} from '../../src/core/init.js'
import {newCatalog, tempDir} from '../helpers.js'
import {PARAPHRASES} from './paraphrases.js'

// Search answers questions the way people ask them: hit rates over the paraphrase set, on the
// starter pack. Goals: >= 90% of questions find their metric first, all of them in the top 3.

let catalog: Catalog
let cleanup: () => void

beforeAll(async () => {
  const tmp = tempDir('metricat-search-')
  cleanup = tmp.cleanup
  catalog = await newCatalog(tmp.dir)
  await catalog.importPath(STARTER_PACK)
})
afterAll(() => {
  catalog?.close()
  cleanup?.()
})

describe('search over the paraphrase set', () => {
  it(`finds >= 90% of ${PARAPHRASES.length} questions' metrics first and all of them in the top 3`, async () => {
    const misses: string[] = []
    let top1 = 0
    let top3 = 0
    for (const [question, expected] of PARAPHRASES) {
      const ids = (await catalog.search(question)).map((h) => h.id)
      if (ids[0] === expected) top1++
      else misses.push(`"${question}": expected ${expected}, got ${ids.slice(0, 3).join(', ') || 'nothing'}`)
      if (ids.slice(0, 3).includes(expected)) top3++
    }
    const pct = (n: number) => `${((100 * n) / PARAPHRASES.length).toFixed(1)}%`
    console.log(`paraphrase set: ${PARAPHRASES.length} questions, top-1 ${top1}/${PARAPHRASES.length} (${pct(top1)}), top-3 ${top3}/${PARAPHRASES.length} (${pct(top3)})${misses.length > 0 ? `\n  not first: ${misses.join('\n  not first: ')}` : ''}`)
    expect(PARAPHRASES.length).toBeGreaterThanOrEqual(40)
    expect(top1 / PARAPHRASES.length).toBeGreaterThanOrEqual(0.9)
    expect(top3).toBe(PARAPHRASES.length)
  })
})

describe('search ranking', () => {
  it('puts an exact synonym, name or id first with score 100, whatever its case, _ or spacing', async () => {
    expect((await catalog.search('Monthly Recurring Revenue'))[0]).toMatchObject({id: 'revenue/mrr', score: 100, matched: 'synonym'})
    expect((await catalog.search('monthly-revenue'))[0]).toMatchObject({id: 'revenue/mrr', score: 100})
    expect((await catalog.search('revenue/arr'))[0]).toMatchObject({id: 'revenue/arr', score: 100, matched: 'id'})
  })

  it('finds a metric through a former id (alias)', async () => {
    expect((await catalog.search('growth/churn_rate'))[0]).toMatchObject({id: 'revenue/churn_rate', score: 100, matched: 'alias'})
  })

  it('scores other hits below 100, best first', async () => {
    const hits = await catalog.search('how much money did we make')
    expect(hits[0]!.score).toBe(90)
    expect(hits.every((h, i) => i === 0 || h.score <= hits[i - 1]!.score)).toBe(true)
  })

  it('returns nothing for words no metric uses', async () => {
    expect(await catalog.search('xylophone quasar')).toEqual([])
    expect(await catalog.search('   ')).toEqual([])
  })
})
