import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {Database} from '../../src/db/connection.js'
import {MIGRATIONS, type Migration} from '../../src/db/migrations/index.js'
import {migrate, migrationChecksum} from '../../src/db/migrator.js'
import {CatalogError} from '../../src/errors.js'
import {emptyDatabase, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
beforeEach(() => ({dir, cleanup} = tempDir()))
afterEach(() => cleanup())

async function withDb<T>(file: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await Database.open(file)
  try {
    return await fn(db)
  } finally {
    db.close()
  }
}

async function catalogTables(db: Database): Promise<string[]> {
  const rows = await db.all<{t: string}>(
    `SELECT table_name AS t FROM information_schema.tables WHERE table_catalog = 'mc' AND table_schema = 'metricat' ORDER BY 1`,
  )
  return rows.map((r) => r.t)
}

describe('migrate', () => {
  it('creates every catalog table in an empty file and records each migration with its checksum', async () => {
    const file = path.join(dir, 'new.duckdb')
    await withDb(file, async (db) => {
      expect(await migrate(db)).toBe(MIGRATIONS.at(-1)!.version)
      expect(await catalogTables(db)).toEqual(expect.arrayContaining(['metric_definitions', 'metric_versions', 'schema_version']))
      const rows = await db.all<{version: number; checksum: string}>('SELECT version, checksum FROM metricat.schema_version ORDER BY version')
      expect(rows).toEqual(MIGRATIONS.map((m) => ({version: m.version, checksum: migrationChecksum(m)})))
    })
  })

  // an up-to-date database below: a copy of the run's empty catalog (`openCatalog` made it with `migrate`,
  // whose result the test above checks) instead of migrating a new file again
  it('is a no-op on an up-to-date database', async () => {
    const file = await emptyDatabase(dir, 'again.duckdb')
    await withDb(file, async (db) => {
      expect(await migrate(db)).toBe(MIGRATIONS.at(-1)!.version)
      const [{n}] = await db.all<{n: number}>('SELECT count(*)::INTEGER AS n FROM metricat.schema_version')
      expect(n).toBe(MIGRATIONS.length)
    })
  })

  it.each(MIGRATIONS.slice(0, -1).map((m) => [m.version]))('upgrades a database made at schema version %i and keeps its data', async (version) => {
    const file = path.join(dir, `v${version}.duckdb`)
    await withDb(file, async (db) => {
      await migrate(db, MIGRATIONS.filter((m) => m.version <= version))
      await db.run(
        `INSERT INTO metricat.metric_definitions (id, name, category, version, content_hash, created_at, updated_at)
         VALUES ('a/b', 'b', 'a', 1, 'h', now()::TIMESTAMP, now()::TIMESTAMP)`,
      )
    })
    await withDb(file, async (db) => {
      expect(await migrate(db)).toBe(MIGRATIONS.at(-1)!.version)
      const rows = await db.all<{id: string}>('SELECT id FROM metricat.metric_definitions')
      expect(rows).toEqual([{id: 'a/b'}])
    })
  })

  it('refuses a database from a newer metricat', async () => {
    const file = await emptyDatabase(dir, 'newer.duckdb')
    await withDb(file, async (db) => {
      await db.run(`INSERT INTO metricat.schema_version VALUES (999, 'future', 'x', now()::TIMESTAMP)`)
    })
    await withDb(file, async (db) => {
      const error = await migrate(db).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CatalogError)
      expect((error as CatalogError).code).toBe('DB_TOO_NEW')
      expect((error as CatalogError).message).toMatch(/schema version 999, newer than this metricat supports/)
    })
  })

  it('refuses a database whose applied migration was edited', async () => {
    const file = await emptyDatabase(dir, 'edited.duckdb')
    const edited: Migration[] = MIGRATIONS.map((m, i) => (i === 0 ? {...m, sql: `${m.sql}\n-- edited`} : m))
    await withDb(file, async (db) => {
      await expect(migrate(db, edited)).rejects.toThrow(/does not match this metricat's migration 1/)
    })
  })

  it('leaves the file unchanged when a migration fails', async () => {
    const file = path.join(dir, 'failing.duckdb')
    await withDb(file, (db) => migrate(db, MIGRATIONS.slice(0, 1)))
    const broken: Migration[] = [
      ...MIGRATIONS.slice(0, 1),
      {version: 2, name: 'adds-a-table', sql: 'CREATE TABLE metricat.half_done (x INTEGER);'},
      {version: 3, name: 'broken', sql: 'CREATE TABLE metricat.oops (x INTEGER); SELECT * FROM no_such_table;'},
    ]
    await withDb(file, async (db) => {
      await expect(migrate(db, broken)).rejects.toThrow(/migration 3 \(broken\) failed, nothing was changed/)
    })
    await withDb(file, async (db) => {
      expect(await catalogTables(db)).toEqual(['metric_definitions', 'metric_versions', 'schema_version'])
      const rows = await db.all<{version: number}>('SELECT version FROM metricat.schema_version')
      expect(rows).toEqual([{version: 1}])
    })
  })
})

describe('migrate with a gap', () => {
  let gapDir: string
  let gapCleanup: () => void
  beforeEach(() => ({dir: gapDir, cleanup: gapCleanup} = tempDir()))
  afterEach(() => gapCleanup())

  it('applies a migration numbered below the newest applied one that was never applied', async () => {
    const file = path.join(gapDir, 'gap.duckdb')
    await withDb(file, (db) => migrate(db, MIGRATIONS.filter((m) => m.version !== 3)))
    await withDb(file, async (db) => {
      expect(await migrate(db)).toBe(MIGRATIONS.at(-1)!.version)
      const rows = await db.all<{version: number}>('SELECT version FROM metricat.schema_version ORDER BY version')
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version))
    })
  })
})
