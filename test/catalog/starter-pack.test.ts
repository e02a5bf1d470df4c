import {readFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {listMetricFiles} from '../../src/catalog/yaml.js'
import type {Catalog} from '../../src/core/catalog.js'
import {STARTER_PACK} from '../../src/core/init.js'
import {closeDiscarding, newCatalog, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let catalog: Catalog
beforeEach(async () => {
  ;({dir, cleanup} = tempDir())
  catalog = await newCatalog(dir)
})
afterEach(async () => {
  await closeDiscarding(catalog)
  cleanup()
})

describe('starter pack (metrics/)', () => {
  it('holds the starter metrics, and passes schema and catalog checks', async () => {
    const report = await catalog.validate(STARTER_PACK)
    expect(report.problems).toEqual([])
    const names = (await listMetricFiles(STARTER_PACK)).map((f) => path.basename(f, '.yml'))
    expect(names).toEqual(expect.arrayContaining([
      'total_revenue', 'mrr', 'arr', 'churn_rate', 'active_users', 'feature_adoption', 'new_customers', 'upsell_expansion',
      'pipeline_value', 'support_resolution_time', 'infrastructure_cost',
    ]))
  })

  it('round-trips byte for byte: import metrics/ then export reproduces every file', async () => {
    await catalog.importPath(STARTER_PACK)
    const out = path.join(dir, 'exported')
    const files = await catalog.exportMetrics({dir: out})
    const sources = await listMetricFiles(STARTER_PACK)
    expect(files.map((f) => path.relative(out, f.path)).sort()).toEqual(sources.map((f) => path.relative(STARTER_PACK, f)).sort())
    for (const source of sources) {
      const rel = path.relative(STARTER_PACK, source)
      expect(readFileSync(path.join(out, rel), 'utf8'), rel).toBe(readFileSync(source, 'utf8'))
    }
  })
})
