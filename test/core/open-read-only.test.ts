import {existsSync} from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {openCatalog} from '../../src/core/catalog.js'
import {Database} from '../../src/db/connection.js'
import {MIGRATIONS} from '../../src/db/migrations/index.js'
import {migrate} from '../../src/db/migrator.js'
import {CatalogError} from '../../src/errors.js'
import {FIXTURES, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
beforeEach(() => ({dir, cleanup} = tempDir()))
afterEach(() => cleanup())

describe('openCatalog({readOnly: true})', () => {
  it('reads the catalog and refuses every write', async () => {
    const db = path.join(dir, 'ro.duckdb')
    const writer = await openCatalog({db, create: true})
    await writer.importPath(path.join(FIXTURES, 'metrics'))
    writer.close()
    const reader = await openCatalog({db, readOnly: true})
    try {
      expect(reader.db.readOnly).toBe(true)
      expect((await reader.list()).map((m) => m.id)).toContain('revenue/mrr')
      await expect(reader.delete('revenue/arr')).rejects.toThrow(/read-only/i)
    } finally {
      reader.close()
    }
  })

  it('never creates a missing file', async () => {
    const db = path.join(dir, 'missing.duckdb')
    await expect(openCatalog({db, readOnly: true})).rejects.toMatchObject({code: 'NOT_FOUND', message: expect.stringMatching(/^no metricat database at .*missing\.duckdb; run `metricat init`/)})
    expect(existsSync(db)).toBe(false)
  })

  it('migrates a file made by an older schema (briefly read-write), then reads it read-only', async () => {
    const db = path.join(dir, 'old.duckdb')
    const old = await Database.open(db)
    await migrate(old, MIGRATIONS.slice(0, 1))
    old.close()
    const reader = await openCatalog({db, readOnly: true})
    try {
      expect(reader.db.readOnly).toBe(true)
      const [{v}] = await reader.db.all<{v: number}>('SELECT max(version)::INTEGER AS v FROM metricat.schema_version')
      expect(v).toBe(MIGRATIONS.at(-1)!.version)
    } finally {
      reader.close()
    }
  })

  it('refuses a file from a newer metricat, read-only too', async () => {
    const db = path.join(dir, 'new.duckdb')
    const newer = await Database.open(db)
    await migrate(newer, [...MIGRATIONS, {version: 999, name: 'future', sql: 'SELECT 1'}])
    newer.close()
    const error = await openCatalog({db, readOnly: true}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CatalogError)
    expect((error as CatalogError).code).toBe('DB_TOO_NEW')
  })

  it('stores and reads timestamps in UTC whatever TZ the process has', async () => {
    const db = path.join(dir, 'tz.duckdb')
    const catalog = await openCatalog({db, create: true})
    try {
      const [{tz}] = await catalog.db.all<{tz: string}>(`SELECT current_setting('TimeZone') AS tz`)
      expect(tz).toBe('UTC')
    } finally {
      catalog.close()
    }
  })
})
