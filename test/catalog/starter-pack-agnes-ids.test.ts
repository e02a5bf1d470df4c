// The starter pack carries the ids and categories of the Agnes `da metrics` pack it replaces,
// and keeps the ids it had before as aliases so old references still resolve.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {STARTER_PACK} from '../../src/core/init.js'
import {newCatalog, tempDir} from '../helpers.js'

let catalog: Catalog
let cleanup: () => void
beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  catalog = await newCatalog(t.dir)
  await catalog.importPath(STARTER_PACK)
})
afterAll(() => {
  catalog.close()
  cleanup()
})

const AGNES_IDS = [
  'revenue/total_revenue', 'revenue/mrr', 'revenue/arr', 'revenue/churn_rate',
  'product_usage/active_users', 'product_usage/feature_adoption',
  'sales/new_customers', 'sales/upsell_expansion', 'sales/pipeline_value',
  'operations/support_resolution_time', 'operations/infrastructure_cost',
]

const FORMER_IDS: [string, string][] = [
  ['growth/churn_rate', 'revenue/churn_rate'],
  ['product/active_users', 'product_usage/active_users'],
  ['product/feature_adoption', 'product_usage/feature_adoption'],
  ['product/feature_active_users', 'product_usage/feature_active_users'],
  ['growth/new_customers', 'sales/new_customers'],
  ['revenue/upsell_expansion', 'sales/upsell_expansion'],
  ['support/support_resolution_time', 'operations/support_resolution_time'],
  ['finance/infrastructure_cost', 'operations/infrastructure_cost'],
]

describe('starter pack ids', () => {
  it('holds every id of the Agnes pack', async () => {
    const ids = (await catalog.list()).map((m) => m.id)
    expect(ids).toEqual(expect.arrayContaining(AGNES_IDS))
  })

  it.each(FORMER_IDS)('resolves the former id %s to %s', async (former, current) => {
    expect((await catalog.get(former)).id).toBe(current)
  })

  it.each([
    ['monthly_revenue', 'revenue/mrr'],
    ['recurring_revenue', 'revenue/mrr'],
    ['annual_revenue', 'revenue/arr'],
    ['gross_revenue', 'revenue/total_revenue'],
    ['mau', 'product_usage/active_users'],
    ['adoption_rate', 'product_usage/feature_adoption'],
    ['feature_usage', 'product_usage/feature_adoption'],
    ['customer_acquisition', 'sales/new_customers'],
    ['new_logos', 'sales/new_customers'],
    ['expansion_revenue', 'sales/upsell_expansion'],
    ['resolution_time', 'operations/support_resolution_time'],
    ['cloud_cost', 'operations/infrastructure_cost'],
    // where the renamed metric computes another number, the synonym sits on one that computes it
    ['revenue_churn', 'revenue/revenue_churn_rate'],
    ['mrr_churn', 'revenue/revenue_churn_rate'],
    ['weighted_pipeline', 'sales/weighted_pipeline'],
    ['mttr', 'operations/mean_resolution_time'],
    ['mean_time_to_resolve', 'operations/mean_resolution_time'],
  ])('finds Agnes synonym %s on %s', async (synonym, id) => {
    expect((await catalog.lookupSynonym(synonym)).map((m) => m.id)).toEqual([id])
  })
})
