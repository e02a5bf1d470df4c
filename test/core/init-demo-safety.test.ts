import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {STARTER_PACK, initCatalog} from '../../src/core/init.js'
import {readDataVersion} from '../../src/db/data-versions.js'
import {CatalogError} from '../../src/errors.js'
import {closeDiscarding, demoDatabase, newCatalog, sharedDemo, tempDir} from '../helpers.js'

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

const count = async (table: string) => (await catalog.db.all<{n: number}>(`SELECT count(*)::INTEGER AS n FROM mc.main.${table}`))[0]!.n

describe('init --demo never destroys user data', () => {
  it('refuses, listing them, when a user table has a demo name or a starter metric was edited; --force replaces them', async () => {
    // the pack first: import refuses an expression that does not bind to an existing table
    await catalog.importPath(STARTER_PACK)
    await catalog.db.run(`CREATE TABLE main.orders AS SELECT i AS id FROM range(1000) AS t(i)`)
    const [mrr] = await catalog.exportMetrics({ids: ['revenue/mrr']})
    const edited = mrr!.yaml.replace(/^description: .*$/m, 'description: our own MRR definition')
    expect(edited).not.toBe(mrr!.yaml)
    await catalog.importDocuments([{file: 'mrr.yml', text: edited, category: 'revenue'}])

    const error = await initCatalog(catalog, {demo: true}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CatalogError)
    expect(error).toMatchObject({code: 'CONFLICT', details: {tables: ['orders'], metrics: ['revenue/mrr']}})
    expect((error as Error).message).toMatch(/^init --demo would overwrite table main\.orders and metric revenue\/mrr \(edited since the starter pack\) in .*; nothing was changed$/)
    expect(await count('orders')).toBe(1000)
    expect((await catalog.get('revenue/mrr')).description).toBe('our own MRR definition')
    expect((await catalog.db.all(`SELECT 1 FROM duckdb_tables() WHERE database_name = 'mc' AND table_name = 'subscriptions'`)).length).toBe(0)

    const before = await readDataVersion(catalog.db, ['table:orders'])
    const forced = await initCatalog(catalog, {demo: true, force: true})
    expect(forced.warehouse?.find((t) => t.table === 'orders')?.rows).toBeGreaterThan(1000)
    // the tables were replaced: rollups over them go stale, cached results are not reused
    expect(await readDataVersion(catalog.db, ['table:orders', 'table:subscriptions'])).toBeGreaterThan(before)
    const changes = await catalog.db.all<{scope: string; kind: string}>(`SELECT scope, kind FROM mc.metricat.data_changes WHERE scope IN ('table:orders', 'table:tickets') ORDER BY scope`)
    expect(changes).toEqual([{scope: 'table:orders', kind: 'replace'}, {scope: 'table:tickets', kind: 'replace'}])
    expect(forced.warehouse_kept).toBe(false)
    expect((await catalog.get('revenue/mrr')).description).not.toBe('our own MRR definition')
  }, 300_000)

  it('runs again over its own untouched demo data, and refuses once rows were added to a demo table', async () => {
    // a copy of the run's shared demo database, which `initCatalog(catalog, {demo: true})` made
    catalog.close()
    catalog = await openCatalog({db: await demoDatabase(dir)})
    const again = await initCatalog(catalog, {demo: true})
    expect(again.starter).toMatchObject({added: 0, changed: 0})
    // untouched demo tables are kept, not generated again
    expect(again.warehouse_kept).toBe(true)
    expect(again.warehouse).toEqual((await sharedDemo()).init.warehouse)
    const before = await count('tickets')
    await catalog.db.run(`INSERT INTO main.tickets SELECT * FROM main.tickets LIMIT 1`)
    await expect(initCatalog(catalog, {demo: true})).rejects.toMatchObject({code: 'CONFLICT', details: {tables: ['tickets'], metrics: []}})
    expect(await count('tickets')).toBe(before + 1)
  }, 300_000)
})
