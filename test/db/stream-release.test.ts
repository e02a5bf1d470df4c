// A streaming result that is not read to its end (a sink that stops it: the server's row cap, a
// failed write) must not keep the DuckDB instance alive past `close()`. If it does, reopening the
// file in the same process (tests, which run many commands in one process, do) makes a second
// instance on the file, and when the garbage collector finally ends the first one, its shutdown
// writes its stale state over the file: rows written in between are lost.
import path from 'node:path'
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {Database} from '../../src/db/connection.js'
import {tempDir} from '../helpers.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

let dir: string
let cleanup: () => void
beforeEach(() => ({dir, cleanup} = tempDir()))
afterEach(() => cleanup())

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('a stream stopped by its consumer', () => {
  it.each([['the write connection', 0], ['a pooled read connection', 2]])('on %s leaves nothing behind that outlives close()', async (_, readers) => {
    const file = path.join(dir, 'stream.duckdb')
    let db = await Database.open(file)
    await db.run('CREATE TABLE t AS SELECT 1 AS x')
    if (readers > 0) await db.openReadPool(readers)
    const stop = new Error('stop')
    await expect(db.stream('SELECT * FROM range(200000)', [], () => Promise.reject(stop))).rejects.toBe(stop)
    // the connection it ran on answers the next query
    expect(await db.query('SELECT 42 AS n', [])).toEqual({columns: ['n'], rows: [{n: 42}]})
    db.close()

    db = await Database.open(file)
    await db.run('INSERT INTO t VALUES (2)')
    db.close()
    await collectGarbage()

    db = await Database.open(file)
    try {
      expect(await db.all('SELECT x FROM t ORDER BY x')).toEqual([{x: 1}, {x: 2}])
    } finally {
      db.close()
    }
  })
})
