// appendRows (src/catalog/repository.ts) writes each row by the table's columns. A row that names
// a column the table does not have (a column added to the writer without its migration) must fail
// the write, as the INSERT naming its columns did before the appender, not be dropped silently:
// the content hash covers the definition, so the stored row would not say what its hash says.
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {DEFINITIONS_TABLE, appendRows} from '../../src/catalog/repository.js'
import type {Catalog} from '../../src/core/catalog.js'
import {closeDiscarding, newCatalog, tempDir} from '../helpers.js'

let cleanup: () => void
let catalog: Catalog
beforeEach(async () => {
  const tmp = tempDir('metricat-append-')
  cleanup = tmp.cleanup
  catalog = await newCatalog(tmp.dir)
})
afterEach(async () => {
  await closeDiscarding(catalog)
  cleanup()
})

async function row(): Promise<Record<string, unknown>> {
  const columns = await catalog.db.all<{c: string}>(`SELECT column_name AS c FROM duckdb_columns() WHERE schema_name = 'metricat' AND table_name = 'metric_definitions'`)
  const r: Record<string, unknown> = Object.fromEntries(columns.map(({c}) => [c, null]))
  Object.assign(r, {id: 'a/b', fields: JSON.stringify({name: 'b', category: 'a'}), version: 1, content_hash: 'h', created_at: '2026-01-01 00:00:00', updated_at: '2026-01-01 00:00:00'})
  return r
}

describe('appendRows', () => {
  it('appends a row that names exactly the columns', async () => {
    const r = await row()
    await catalog.db.transaction((tx) => appendRows(tx, DEFINITIONS_TABLE, [r]))
    expect((await catalog.get('a/b')).name).toBe('b')
  })

  it('refuses a row naming a column the table does not have, and writes nothing', async () => {
    const r = {...(await row()), unit_system: 'metric'}
    const error = await catalog.db.transaction((tx) => appendRows(tx, DEFINITIONS_TABLE, [r])).catch((e: unknown) => e)
    expect(String((error as Error).message)).toMatch(/metric_definitions has no column unit_system/)
    expect(await catalog.list()).toEqual([])
  })
})
