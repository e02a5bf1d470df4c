import {fileURLToPath} from 'node:url'

import {DEMO_TABLES, DEMO_WAREHOUSE_SQL} from '../demo/warehouse.js'
import type {Tx} from '../db/connection.js'
import {recordChanges, tableScope} from '../db/data-versions.js'
import {CatalogError} from '../errors.js'
import {quoteIdent} from '../query/quote.js'
import type {Catalog} from './catalog.js'

/** The starter pack shipped with metricat (`metrics/` at the package root). */
export const STARTER_PACK = fileURLToPath(new URL('../../metrics', import.meta.url))

export interface InitResult {
  db: string
  schema_version: number
  starter?: {added: number; changed: number; unchanged: number}
  warehouse?: {table: string; rows: number}[]
  /** true when the demo tables were already there, untouched, and so were kept as they are */
  warehouse_kept?: boolean
}

/** Marks a demo table `init --demo` made, with a fingerprint of its rows as made. */
const DEMO_MARK = 'metricat demo data; fingerprint '

/**
 * Opening the catalog already created and migrated the file; `demo` also imports the starter
 * pack and (re)generates the deterministic demo warehouse in `main` (one transaction for the
 * tables, one for the metrics; the import is checked before the tables are written).
 * Never overwrites user data unless `force`: a table with a demo table's name that `init --demo`
 * did not make (or that changed since), or a starter metric whose stored definition differs from
 * the pack, makes it fail with CONFLICT listing them, before anything is written.
 */
export async function initCatalog(catalog: Catalog, options: {demo?: boolean; force?: boolean; progress?: (message: string) => void} = {}): Promise<InitResult> {
  const [{v}] = await catalog.db.all<{v: number}>('SELECT max(version)::INTEGER AS v FROM mc.metricat.schema_version')
  const result: InitResult = {db: catalog.file, schema_version: v}
  if (!options.demo) return result
  // Check the starter pack against the catalog first, so a conflict (say, a synonym already
  // taken) fails before the demo tables are written rather than after.
  const plan = await catalog.importPath(STARTER_PACK, {source: 'yaml', dryRun: true})
  const demoTables = await demoTableState(catalog)
  if (!options.force) {
    const tables = demoTables.user
    const metrics = plan.changed.map((c) => c.id)
    if (tables.length > 0 || metrics.length > 0) {
      const what = [
        ...(tables.length > 0 ? [`table${tables.length === 1 ? '' : 's'} ${tables.map((t) => `main.${t}`).join(', ')}`] : []),
        ...(metrics.length > 0 ? [`metric${metrics.length === 1 ? '' : 's'} ${metrics.join(', ')} (edited since the starter pack)`] : []),
      ].join(' and ')
      throw new CatalogError('CONFLICT', `init --demo would overwrite ${what} in ${catalog.file}; nothing was changed`, {
        tables,
        metrics,
        hint: 'use another --db for the demo, or pass --force to replace them with the demo data',
      })
    }
  }
  // Every demo table is there as init --demo made it: nothing to regenerate (--force does anyway).
  result.warehouse_kept = demoTables.intact && !options.force
  if (!result.warehouse_kept) {
    options.progress?.('Generating the demo warehouse...')
    await catalog.db.transaction(async (tx) => {
      for (const statement of DEMO_WAREHOUSE_SQL) await tx.run(statement)
      for (const table of DEMO_TABLES) {
        // COMMENT ON takes no parameters; the text is ours (a fixed prefix and digits)
        await tx.run(`COMMENT ON TABLE mc.main.${quoteIdent(table)} IS '${DEMO_MARK}${await fingerprint(tx, table)}'`)
      }
      // as `load --replace` does: rollups over these tables go stale and rebuild in full, cached results are not reused
      await recordChanges(tx, DEMO_TABLES.map((table) => ({scope: tableScope(table)!, kind: 'replace' as const})))
    })
  }
  result.warehouse = []
  for (const table of DEMO_TABLES) {
    const [{n}] = await catalog.db.all<{n: number}>(`SELECT count(*)::INTEGER AS n FROM mc.main.${quoteIdent(table)}`)
    result.warehouse.push({table, rows: n})
  }
  const applied = await catalog.importPath(STARTER_PACK, {source: 'yaml'})
  result.starter = {added: applied.added.length, changed: applied.changed.length, unchanged: applied.unchanged.length}
  return result
}

/**
 * `user`: demo table names in `main` holding something other than the rows `init --demo` made
 * there; `intact`: every demo table is present with exactly those rows.
 */
async function demoTableState(catalog: Catalog): Promise<{user: string[]; intact: boolean}> {
  const existing = await catalog.db.all<{name: string; comment: string | null}>(
    `SELECT table_name AS name, comment FROM duckdb_tables() WHERE database_name = 'mc' AND schema_name = 'main'`,
  )
  const found: string[] = []
  let intact = true
  for (const table of DEMO_TABLES) {
    const row = existing.find((t) => t.name === table)
    if (!row) {
      intact = false
      continue
    }
    if (row.comment !== `${DEMO_MARK}${await fingerprint(catalog.db, table)}`) found.push(table)
  }
  const views = await catalog.db.all<{name: string}>(`SELECT view_name AS name FROM duckdb_views() WHERE database_name = 'mc' AND schema_name = 'main'`)
  for (const v of views) if (DEMO_TABLES.includes(v.name)) found.push(v.name)
  return {user: found, intact: intact && found.length === 0}
}

/** Row count and an order-independent sum of row hashes: changes when any row is added, removed or edited. */
async function fingerprint(db: Pick<Tx, 'all'>, table: string): Promise<string> {
  const [row] = await db.all<{f: string}>(`SELECT count(*)::VARCHAR || '-' || coalesce(sum(hash(t)), 0)::VARCHAR AS f FROM mc.main.${quoteIdent(table)} AS t`)
  return row!.f
}
