// A read-only command on a file at an older schema migrates it read-write first; when another
// process holds the file (here a reader, which lets our read-only open through but not the
// migration), the lock error says that the file needs migrating, not only who holds it.
// Spawns one node process: the lock must be held by another process.
import {type ChildProcess, spawn} from 'node:child_process'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {openCatalog} from '../../src/core/catalog.js'
import {Database} from '../../src/db/connection.js'
import {MIGRATIONS} from '../../src/db/migrations/index.js'
import {migrate} from '../../src/db/migrator.js'
import {CatalogError} from '../../src/errors.js'
import {ROOT, tempDir} from '../helpers.js'

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
  holder = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import {DuckDBInstance} from '@duckdb/node-api'
       const i = await DuckDBInstance.create(${JSON.stringify(db)}, {access_mode: 'READ_ONLY'}); const c = await i.connect(); console.log('ready')
       process.stdin.resume(); process.stdin.on('end', () => { c.closeSync(); i.closeSync(); process.exit(0) })`,
    ],
    {cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit']},
  )
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve())
    holder.on('exit', (code) => reject(new Error(`holder exited ${code}`)))
  })
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
