// A read-only command on a file at an older schema migrates it read-write first; when another
// process holds the file (here a reader, which lets our read-only open through but not the
// migration), the lock error says that the file needs migrating, not only who holds it.
// Spawns one node process: the lock must be held by another process.
import type {ChildProcess} from 'node:child_process'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {openCatalog} from '../../src/core/catalog.js'
import {Database} from '../../src/db/connection.js'
import {MIGRATIONS} from '../../src/db/migrations/index.js'
import {migrate} from '../../src/db/migrator.js'
import {CatalogError} from '../../src/errors.js'
import {holdLock, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string
let holder: ChildProcess

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = path.join(dir, 'old.duckdb')
  const old = await Database.open(db)
  await migrate(old, MIGRATIONS.slice(0, 1))
  old.close()
  holder = await holdLock(db, {readOnly: true})
})
afterAll(() => {
  holder?.kill('SIGKILL')
  cleanup()
})

describe('a read-only open of a file that needs migrating, while another process holds it', () => {
  it('fails with DB_LOCKED naming the holder and the migration it waits for', async () => {
    const error = await openCatalog({db, readOnly: true, waitMs: 0}).then(
      (c) => {
        c.close()
        return undefined
      },
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(CatalogError)
    const e = error as CatalogError
    expect(e.code).toBe('DB_LOCKED')
    expect(e.message).toContain(`${db} is locked by process ${holder.pid}`)
    expect(e.message).toContain(`needs migrating from catalog schema version 1 to ${MIGRATIONS.at(-1)!.version}`)
    expect(e.details).toMatchObject({file: db, pid: holder.pid, version: 1, target: MIGRATIONS.at(-1)!.version})
  })
})
