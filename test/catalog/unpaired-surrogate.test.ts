// A YAML (or JSON) string may spell an unpaired UTF-16 surrogate ("\ud800"), which is no
// character at all. The catalog's rows are appended as UTF-8 text, which cannot hold one: DuckDB
// stores U+FFFD in its place, so the stored definition would differ from its history row and
// from the content hash computed from the file. Such a text is refused at load, naming file:line.
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {CatalogError} from '../../src/errors.js'
import {closeDiscarding, newCatalog, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let catalog: Catalog
beforeEach(async () => {
  ;({dir, cleanup} = tempDir('metricat-surrogate-'))
  catalog = await newCatalog(dir)
})
afterEach(async () => {
  await closeDiscarding(catalog)
  cleanup()
})

const METRIC = `name: s
type: count
table: orders
time_column: ordered_at
expression: "*"
description: "lone \\ud800 surrogate"
`

async function versions(): Promise<number> {
  const [row] = await catalog.db.all<{n: number}>(`SELECT count(*)::INTEGER AS n FROM mc.metricat.metric_versions`)
  return row!.n
}

describe('a text holding an unpaired surrogate', () => {
  it('is refused by an import, naming the file and line, and nothing is written', async () => {
    const root = path.join(dir, 'metrics')
    mkdirSync(path.join(root, 'sales'), {recursive: true})
    writeFileSync(path.join(root, 'sales', 's.yml'), METRIC)
    writeFileSync(path.join(root, 'sales', 'fine.yml'), METRIC.replace('name: s', 'name: fine').replace('\\ud800', 'é'))
    const error = (await catalog.importPath(root).catch((e: unknown) => e)) as CatalogError
    expect(error).toBeInstanceOf(CatalogError)
    expect(error.message).toMatch(/s\.yml:6:\d+\b.*unpaired UTF-16 surrogate/)
    expect(await catalog.list()).toEqual([])
    expect(await versions()).toBe(0)
  })

  it('is refused in an admin import document and in a put body', async () => {
    const doc = (await catalog.importDocuments([{file: 'sales/s.yml', text: METRIC, category: 'sales'}]).catch((e: unknown) => e)) as CatalogError
    expect(doc).toBeInstanceOf(CatalogError)
    expect(doc.message).toMatch(/sales\/s\.yml:6:\d+\b.*unpaired UTF-16 surrogate/)
    const put = (await catalog.putMetric({name: 's', category: 'sales', type: 'count', table: 'orders', time_column: 'ordered_at', expression: '*', synonyms: ['a\udc00b']}).catch((e: unknown) => e)) as CatalogError
    expect(put).toBeInstanceOf(CatalogError)
    expect(put.message).toMatch(/unpaired UTF-16 surrogate/)
    expect(await versions()).toBe(0)
  })

  it('a character outside the BMP (a surrogate pair) is kept as it is', async () => {
    const {metric} = await catalog.putMetric({name: 's', category: 'sales', type: 'count', table: 'orders', time_column: 'ordered_at', expression: '*', description: 'pair 𝔘 🎉'})
    expect(metric.description).toBe('pair 𝔘 🎉')
    expect((await catalog.history('sales/s'))[0]!.definition.description).toBe('pair 𝔘 🎉')
  })
})
