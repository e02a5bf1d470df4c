// recordChanges (src/db/data-versions.ts): every write bumps the version of the scopes it touched,
// one counter across scopes, one row per scope, and logs each change; inside the writer's
// transaction, so a rollback leaves no trace. Checked on a real file, reopened.
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {openCatalog, type Catalog} from '../../src/core/catalog.js'
import {readChanges, readDataVersion, recordChanges} from '../../src/db/data-versions.js'
import {closeDiscarding, emptyDatabase, tempDir} from '../helpers.js'

let cleanup: () => void
let file: string
let catalog: Catalog
beforeEach(async () => {
  const tmp = tempDir('metricat-versions-')
  cleanup = tmp.cleanup
  file = await emptyDatabase(tmp.dir)
  catalog = await openCatalog({db: file})
})
afterEach(async () => {
  await closeDiscarding(catalog)
  cleanup()
})

async function versions(c: Catalog): Promise<Record<string, number>> {
  const rows = await c.db.all<{scope: string; v: number; stamped: boolean}>(
    `SELECT scope, version::INTEGER AS v, changed_at IS NOT NULL AS stamped FROM mc.metricat.data_versions ORDER BY scope`,
  )
  expect(rows.every((r) => r.stamped)).toBe(true)
  return Object.fromEntries(rows.map((r) => [r.scope, r.v]))
}

describe('recordChanges', () => {
  it('inserts new scopes and moves existing ones to the next version, leaving the others', async () => {
    expect(await catalog.db.transaction((tx) => recordChanges(tx, [{scope: 'table:a', kind: 'replace'}, {scope: 'table:b', kind: 'replace'}]))).toBe(1)
    expect(await versions(catalog)).toEqual({'table:a': 1, 'table:b': 1})
    const v = await catalog.db.transaction((tx) =>
      recordChanges(tx, [
        {scope: 'table:b', kind: 'append', ranges: [{column: 'at', lo: '2025-01-01 00:00:00', hi: '2025-02-01 00:00:00'}]},
        {scope: 'table:c', kind: 'replace'},
        {scope: 'table:b', kind: 'append'},
      ]),
    )
    expect(v).toBe(2)
    expect(await versions(catalog)).toEqual({'table:a': 1, 'table:b': 2, 'table:c': 2})
    expect(await readDataVersion(catalog.db, ['table:a'])).toBe(1)
    expect(await readDataVersion(catalog.db, '*')).toBe(2)

    catalog.close()
    catalog = await openCatalog({db: file, readOnly: true})
    expect(await versions(catalog)).toEqual({'table:a': 1, 'table:b': 2, 'table:c': 2})
    const logged = await readChanges(catalog.db, 'table:b', 1)
    expect(logged.map((c) => [c.version, c.kind, c.column, c.lo?.slice(0, 10) ?? null])).toEqual([
      [2, 'append', 'at', '2025-01-01'],
      [2, 'append', null, null],
    ])
  })

  it('writes nothing when the transaction rolls back', async () => {
    await catalog.db.transaction((tx) => recordChanges(tx, [{scope: 'table:a', kind: 'replace'}]))
    const failed = await catalog.db
      .transaction(async (tx) => {
        await recordChanges(tx, [{scope: 'table:a', kind: 'replace'}, {scope: 'table:z', kind: 'replace'}])
        throw new Error('stop')
      })
      .catch((e: unknown) => e)
    expect(String(failed)).toMatch(/stop/)
    expect(await versions(catalog)).toEqual({'table:a': 1})
    expect(await readChanges(catalog.db, 'table:z', 0)).toEqual([])
  })
})
