import {createHash} from 'node:crypto'

import {CatalogError} from '../errors.js'
import {type Database, firstLine} from './connection.js'
import {MIGRATIONS, type Migration} from './migrations/index.js'

export function migrationChecksum(m: Migration): string {
  return createHash('sha256').update(m.sql).digest('hex')
}

interface AppliedRow {
  version: number
  name: string
  checksum: string
}

/**
 * The migrations `db` still needs, without changing anything (works on a read-only file).
 * Refuses a database written by a newer metricat, and one whose applied migrations were edited,
 * removed or reordered.
 */
export async function pendingMigrations(db: Database, migrations: Migration[] = MIGRATIONS): Promise<{current: number; pending: Migration[]}> {
  const known = Math.max(0, ...migrations.map((m) => m.version))
  const applied = await readApplied(db)
  const current = Math.max(0, ...applied.map((r) => r.version))
  if (current > known) {
    throw new CatalogError(
      'DB_TOO_NEW',
      `${db.file} has catalog schema version ${current}, newer than this metricat supports (${known}); upgrade metricat to open it.`,
      {file: db.file, version: current, supported: known},
    )
  }
  for (const row of applied) {
    const m = migrations.find((x) => x.version === row.version)
    if (!m || m.name !== row.name || migrationChecksum(m) !== row.checksum) {
      throw new CatalogError(
        'MIGRATION_FAILED',
        `${db.file}: applied migration ${row.version} (${row.name}) does not match this metricat's migration ${row.version}; the database was made by a different build.`,
        {file: db.file, version: row.version},
      )
    }
  }
  // Every known migration not applied yet, in order; that includes one numbered below the newest
  // applied (a database made by a build that had 0003 before 0002 landed still gets 0002).
  const done = new Set(applied.map((r) => r.version))
  return {current, pending: migrations.filter((m) => !done.has(m.version)).sort((a, b) => a.version - b.version)}
}

/**
 * Brings the catalog schema up to date in one transaction: either every pending migration and
 * its bookkeeping row commit, or the file is left as it was (see `pendingMigrations` for what is
 * refused). Returns the schema version after migrating.
 */
export async function migrate(db: Database, migrations: Migration[] = MIGRATIONS): Promise<number> {
  const {current, pending} = await pendingMigrations(db, migrations)
  if (pending.length === 0) return current
  let running: Migration | undefined
  try {
    await db.transaction(async (tx) => {
      await tx.run('CREATE SCHEMA IF NOT EXISTS metricat')
      await tx.run(`CREATE TABLE IF NOT EXISTS metricat.schema_version (
        version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, checksum VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)`)
      for (const m of pending) {
        running = m
        await tx.script(m.sql)
        await tx.run('INSERT INTO metricat.schema_version VALUES ($1, $2, $3, current_timestamp::TIMESTAMP)', [
          m.version,
          m.name,
          migrationChecksum(m),
        ])
      }
    })
  } catch (error) {
    if (error instanceof CatalogError) throw error
    const what = running ? `migration ${running.version} (${running.name})` : 'migration'
    throw new CatalogError(
      'MIGRATION_FAILED',
      `${db.file}: ${what} failed, nothing was changed: ${firstLine(error instanceof Error ? error.message : String(error))}`,
      {file: db.file},
      {cause: error},
    )
  }
  return Math.max(current, pending.at(-1)!.version)
}

async function readApplied(db: Database): Promise<AppliedRow[]> {
  // This runs on every open, so it is one query: the bookkeeping table is read directly, and only
  // when that fails (a new, empty file) does a second query ask whether the table exists at all
  // (duckdb_tables() is far cheaper than information_schema).
  try {
    return await db.all<AppliedRow>('SELECT version, name, checksum FROM metricat.schema_version ORDER BY version')
  } catch (error) {
    const exists = await db.all<{n: number}>(
      `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'metricat' AND table_name = 'schema_version'`,
    )
    if (exists[0]!.n === 0) return []
    throw error
  }
}
