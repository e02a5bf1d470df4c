import {fileURLToPath} from 'node:url'

import {DEMO_TABLES, DEMO_WAREHOUSE_SQL} from '../demo/warehouse.js'
import {quoteIdent} from '../query/quote.js'
import type {Catalog} from './catalog.js'

/** The starter pack shipped with metricat (`metrics/` at the package root). */
export const STARTER_PACK = fileURLToPath(new URL('../../metrics', import.meta.url))

export interface InitResult {
  db: string
  schema_version: number
  starter?: {added: number; changed: number; unchanged: number}
  warehouse?: {table: string; rows: number}[]
}

/**
 * Opening the catalog already created and migrated the file; `demo` also imports the starter
 * pack and (re)generates the deterministic demo warehouse in `main` (one transaction for the
 * tables, one for the metrics; the import is checked before the tables are written).
 */
export async function initCatalog(catalog: Catalog, options: {demo?: boolean; progress?: (message: string) => void} = {}): Promise<InitResult> {
  const [{v}] = await catalog.db.all<{v: number}>('SELECT max(version)::INTEGER AS v FROM mc.metricat.schema_version')
  const result: InitResult = {db: catalog.file, schema_version: v}
  if (!options.demo) return result
  // Check the starter pack against the catalog first, so a conflict (say, a synonym already
  // taken) fails before the demo tables are written rather than after.
  await catalog.importPath(STARTER_PACK, {source: 'yaml', dryRun: true})
  options.progress?.('Generating the demo warehouse...')
  await catalog.db.transaction(async (tx) => {
    for (const statement of DEMO_WAREHOUSE_SQL) await tx.run(statement)
  })
  result.warehouse = []
  for (const table of DEMO_TABLES) {
    const [{n}] = await catalog.db.all<{n: number}>(`SELECT count(*)::INTEGER AS n FROM mc.main.${quoteIdent(table)}`)
    result.warehouse.push({table, rows: n})
  }
  const plan = await catalog.importPath(STARTER_PACK, {source: 'yaml'})
  result.starter = {added: plan.added.length, changed: plan.changed.length, unchanged: plan.unchanged.length}
  return result
}
