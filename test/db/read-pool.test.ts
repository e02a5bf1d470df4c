import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {Database} from '../../src/db/connection.js'
import {tempDir} from '../helpers.js'

// Each connection that runs queries (the server's read pool, and the catalog connection of a CLI
// command or script) keeps each query's prepared statement for the next call with the same SQL.
// What it answers must stay what a fresh statement would: new data, a replaced table, other
// parameter values and types, a warehouse attached later.

describe.each([
  ['the read pool', 1],
  ['the catalog connection (no pool)', 0],
])('prepared statements reused by %s', (_, poolSize) => {
  let dir: string
  let cleanup: () => void
  let db: Database
  beforeEach(async () => {
    ;({dir, cleanup} = tempDir())
    db = await Database.open(path.join(dir, 'pool.duckdb'))
    // one reader (or none): every query below runs on the same connection, so each reuses the statement
    if (poolSize > 0) await db.openReadPool(poolSize)
    await db.run('CREATE TABLE t AS SELECT 1 AS x')
  })
  afterEach(() => {
    db.close()
    cleanup()
  })

  const sum = async () => (await db.query('SELECT sum(x)::INTEGER AS s FROM t')).rows[0]!.s

  it('see rows written since', async () => {
    expect(await sum()).toBe(1)
    await db.run('INSERT INTO t VALUES (2), (3)')
    expect(await sum()).toBe(6)
  })

  it('see a table replaced since, even with another column type', async () => {
    expect(await sum()).toBe(1)
    await db.run("CREATE OR REPLACE TABLE t AS SELECT 2.5::DOUBLE AS x UNION ALL SELECT 4.5")
    expect(await sum()).toBe(7)
    await db.run('DROP TABLE t')
    await expect(sum()).rejects.toThrow(/t does not exist/)
    await db.run('CREATE TABLE t AS SELECT 10 AS x')
    expect(await sum()).toBe(10)
  })

  it('take each call\'s parameters, of whatever type', async () => {
    const value = async (v: string | number | null) => (await db.query('SELECT $1 AS v', [v])).rows[0]!.v
    expect(await value(1)).toBe(1)
    expect(await value('a')).toBe('a')
    expect(await value(null)).toBe(null)
    expect((await db.query('SELECT count(*)::INTEGER AS n FROM t WHERE x = $1', [1])).rows[0]!.n).toBe(1)
    expect((await db.query('SELECT count(*)::INTEGER AS n FROM t WHERE x = $1', [2])).rows[0]!.n).toBe(0)
  })

  it('read a warehouse attached afterwards first, as fresh statements do', async () => {
    expect(await sum()).toBe(1)
    const warehouse = await Database.open(path.join(dir, 'warehouse.duckdb'))
    await warehouse.run('CREATE TABLE main.t AS SELECT 100 AS x')
    warehouse.close()
    await db.attachWarehouse(path.join(dir, 'warehouse.duckdb'))
    expect(await sum()).toBe(100)
  })

  it('still refuse anything but a SELECT, every time', async () => {
    for (let i = 0; i < 2; i++) await expect(db.query('DELETE FROM t')).rejects.toThrow(/not a SELECT/)
    expect(await sum()).toBe(1)
  })

  it('see what a transaction committed, and nothing of one rolled back', async () => {
    expect(await sum()).toBe(1)
    await db.transaction(async (tx) => {
      await tx.run('INSERT INTO t VALUES (5)')
    })
    expect(await sum()).toBe(6)
    await expect(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (100)')
        throw new Error('stop')
      }),
    ).rejects.toThrow('stop')
    expect(await sum()).toBe(6)
  })
})
