import {cpSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {STARTER_PACK} from '../../src/core/init.js'
import {CatalogError} from '../../src/errors.js'
import {closeDiscarding, newCatalog, tempDir} from '../helpers.js'

// A catalog extends search's business vocabulary with `vocabulary:` in metrics/metrics.yml.

let dir: string
let cleanup: () => void
let catalog: Catalog
let pack: string

beforeEach(async () => {
  ;({dir, cleanup} = tempDir('metricat-vocabulary-'))
  catalog = await newCatalog(dir)
  pack = path.join(dir, 'metrics')
  cpSync(STARTER_PACK, pack, {recursive: true})
})
afterEach(async () => {
  await closeDiscarding(catalog)
  cleanup()
})

function addVocabulary(yaml: string): void {
  const index = path.join(pack, 'metrics.yml')
  writeFileSync(index, readFileSync(index, 'utf8').replace(/^categories:/m, `vocabulary:\n${yaml}categories:`))
}

describe('vocabulary in metrics.yml', () => {
  it('makes search understand the catalog\'s own words', async () => {
    await catalog.importPath(pack)
    expect(await catalog.search('gmv')).toEqual([])
    expect(await catalog.search('headcount')).toEqual([])
    addVocabulary('  gmv: [revenue]\n  headcount: [active users]\n')
    const plan = await catalog.importPath(pack)
    expect(plan).toMatchObject({applied: true, vocabulary: {words: 2, changed: true}})
    expect((await catalog.search('gmv by region'))[0]!.id).toBe('revenue/total_revenue')
    expect((await catalog.search('what is our headcount'))[0]!.id).toBe('product_usage/active_users')
  })

  it('is imported once: the same index again changes nothing', async () => {
    addVocabulary('  gmv: [revenue]\n')
    await catalog.importPath(pack)
    expect(await catalog.importPath(pack)).toMatchObject({applied: false, vocabulary: {words: 1, changed: false}})
  })

  it('round-trips through export --dir', async () => {
    addVocabulary('  gmv: [revenue, sales revenue]\n')
    await catalog.importPath(pack)
    const out = path.join(dir, 'exported')
    await catalog.exportMetrics({dir: out})
    expect(readFileSync(path.join(out, 'metrics.yml'), 'utf8')).toContain('vocabulary:\n  gmv:\n    - revenue\n    - sales revenue\n')
  })

  it('refuses a malformed vocabulary with the file, line and field, and stores nothing', async () => {
    addVocabulary('  gmv: revenue\n')
    const error = (await catalog.importPath(pack).catch((e: unknown) => e)) as CatalogError
    expect(error).toBeInstanceOf(CatalogError)
    expect(error.code).toBe('VALIDATION')
    expect(error.message).toMatch(/metrics\.yml:\d+:\d+ \/vocabulary\/gmv: .*list/)
    expect(await catalog.vocabulary()).toEqual({})
    expect(await catalog.list()).toEqual([])
  })
})
