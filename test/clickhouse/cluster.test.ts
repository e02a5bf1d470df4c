import {readFileSync, readdirSync} from 'node:fs'

import {DuckDBInstance} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {DEMO_TABLES} from '../../src/demo/warehouse.js'
import {sharedDemo, tempDir} from '../helpers.js'
import {type ChdbTarget, type ClickHouseCluster, chdbAvailable, clickhouseAvailable, startChdb, startCluster} from './cluster.js'
import {demoCluster, sharedCluster} from './shared-cluster.js'

const skip = clickhouseAvailable()
if (skip) console.warn(skip)

async function duckdbRows<T>(file: string, sql: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(file, {access_mode: 'READ_ONLY'})
  const connection = await instance.connect()
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as T[]
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

describe.skipIf(skip !== null)('the 2-shard ClickHouse test cluster', () => {
  let cluster: ClickHouseCluster
  let demoFile: string

  beforeAll(async () => {
    demoFile = (await sharedDemo()).db
    cluster = await demoCluster()
  })

  it('serves every demo table through a Distributed table with as many rows as DuckDB', async () => {
    expect(cluster.tables.map((t) => t.table).sort()).toEqual([...DEMO_TABLES].sort())
    for (const table of DEMO_TABLES) {
      const [{n: duck}] = await duckdbRows<{n: string}>(demoFile, `SELECT count(*)::VARCHAR AS n FROM main.${table}`)
      const [{n}] = await cluster.query<{n: string}>(`SELECT toString(count()) AS n FROM ${table}`)
      expect(n, table).toBe(duck)
    }
  })

  it('splits every table over both shards', async () => {
    for (const table of DEMO_TABLES) {
      const parts = await Promise.all(cluster.shards.map((_, i) => cluster.query<{n: string}>(`SELECT count() AS n FROM ${cluster.shardDatabase}.${table}`, i)))
      const counts = parts.map(([{n}]) => Number(n))
      expect(counts.every((n) => n > 0), `${table}: ${counts}`).toBe(true)
      expect(counts.reduce((a, b) => a + b)).toBe(cluster.tables.find((t) => t.table === table)!.rows)
    }
  })

  it('copies doubles bit for bit and timestamps, dates, booleans and NULLs as DuckDB holds them', async () => {
    // every value of the table folded into per-column aggregates that differ on a one-ulp change
    const [duck] = await duckdbRows<Record<string, string>>(
      demoFile,
      `SELECT count(*)::VARCHAR AS n, sum(amount)::VARCHAR AS amount, max(unit_price)::VARCHAR AS max_price,
         sum(epoch(ordered_at))::BIGINT::VARCHAR AS seconds FROM main.orders`,
    )
    const [ch] = await cluster.query<Record<string, string>>(
      `SELECT toString(count()) AS n, toString(sum(toUInt32(ordered_at))) AS seconds FROM orders`,
    )
    expect(ch.n).toBe(duck.n)
    expect(ch.seconds).toBe(duck.seconds)
    // exactness row by row: the same (id, value) pairs, compared as bits, on a table with doubles and NULLs
    const duckRows = await duckdbRows<Record<string, unknown>>(
      demoFile,
      `SELECT subscription_id, snapshot_month::VARCHAR AS month, mrr, is_churned::INTEGER AS churned, canceled_at::VARCHAR AS canceled
       FROM main.subscriptions ORDER BY subscription_id, snapshot_month`,
    )
    const chRows = await cluster.query<Record<string, unknown>>(
      `SELECT subscription_id, toString(snapshot_month) AS month, mrr, is_churned AS churned, toString(canceled_at) AS canceled
       FROM subscriptions ORDER BY subscription_id, snapshot_month`,
    )
    expect(chRows.length).toBe(duckRows.length)
    const norm = (r: Record<string, unknown>) => `${r.subscription_id}|${r.month}|${Number(r.mrr)}|${Number(r.churned)}|${r.canceled ?? 'NULL'}`
    const mismatches = chRows.map(norm).filter((row, i) => row !== norm(duckRows[i]))
    expect(mismatches.slice(0, 3)).toEqual([])
    expect(cluster.tables.find((t) => t.table === 'subscriptions')!.columns.find((c) => c.name === 'canceled_at')!.type).toBe('Nullable(Date)')
  })

  it('runs in UTC', async () => {
    const [{tz}] = await cluster.query<{tz: string}>('SELECT timezone() AS tz')
    expect(['UTC', 'Etc/UTC']).toContain(tz)
  })
})

describe.skipIf(skip !== null)('a database of your own on the shared cluster', () => {
  const {dir, cleanup} = tempDir('metricat-ch-database-')
  afterAll(cleanup)

  it('copies text byte for byte: short and long, accents, emoji, quotes, backslashes, empty, NULL', async () => {
    const texts = ['', 'EU', 'Zürich', 'exactly 12 b', 'thirteen byte', "it's \\n not a newline", 'tab\there', '東京 🚀 long enough to leave the inline form']
    const file = `${dir}/text.duckdb`
    const instance = await DuckDBInstance.create(file)
    const connection = await instance.connect()
    await connection.run(`CREATE TABLE t (i INTEGER, s VARCHAR)`)
    const insert = await connection.prepare('INSERT INTO t VALUES ($1, $2)')
    for (const [i, text] of [...texts, null].entries()) {
      insert.bindInteger(1, i)
      if (text === null) insert.bindNull(2)
      else insert.bindVarchar(2, text)
      await insert.run()
    }
    connection.closeSync()
    instance.closeSync()
    const mine = await (await sharedCluster()).addDatabase({database: 'cluster_test_text', duckdb: file})
    expect(mine.url).toMatch(/\/cluster_test_text$/)
    expect(mine.tables[0]!.columns).toEqual([{name: 'i', type: 'Int32'}, {name: 's', type: 'Nullable(String)'}])
    const rows = await mine.query<{i: number; s: string | null; n: string}>('SELECT i, s, toString(length(s)) AS n FROM t ORDER BY i')
    expect(rows.map((r) => r.s)).toEqual([...texts, null])
    expect(rows.slice(0, -1).map((r) => Number(r.n))).toEqual(texts.map((t) => Buffer.byteLength(t)))
  })
})

describe.skipIf(skip !== null)('a cluster of your own', () => {
  const {dir, cleanup} = tempDir('metricat-ch-cluster-')
  afterAll(cleanup)

  it('refuses a DuckDB column it cannot copy exactly, naming it, and leaves no server running', async () => {
    const file = `${dir}/frac.duckdb`
    const instance = await DuckDBInstance.create(file)
    const connection = await instance.connect()
    await connection.run(`CREATE TABLE t AS SELECT TIMESTAMP '2024-01-01 10:00:00.5' AS at`)
    connection.closeSync()
    instance.closeSync()
    const before = livePids()
    await expect(startCluster({duckdb: file})).rejects.toThrow(/main\.t\.at: 1 rows hold a timestamp with a fraction of a second/)
    expect(livePids().filter((pid) => !before.includes(pid))).toEqual([])
  })

  it('stops its servers by PID', async () => {
    const cluster = await startCluster()
    const pids = cluster.shards.map((s) => s.pid)
    expect(pids.every(alive)).toBe(true)
    await cluster.stop()
    expect(pids.filter(alive)).toEqual([])
  })
})

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function livePids(): number[] {
  // clickhouse-server processes of this user, from /proc (no ps dependency)
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('metricat-clickhouse-')
      } catch {
        return false
      }
    })
    .map(Number)
}

const noChdb = chdbAvailable()
if (noChdb) console.warn(noChdb)

describe.skipIf(noChdb !== null)('the demo warehouse in chdb (opt-in)', () => {
  let target: ChdbTarget
  let demoFile: string
  beforeAll(async () => {
    demoFile = (await sharedDemo()).db
    target = await startChdb({duckdb: demoFile, tables: ['orders', 'subscriptions']})
  })
  afterAll(() => target?.stop())

  it('holds the same rows as DuckDB, doubles and timestamps exact', async () => {
    const [duck] = await duckdbRows<Record<string, string>>(demoFile, `SELECT count(*)::VARCHAR AS n, sum(epoch(ordered_at))::BIGINT::VARCHAR AS seconds FROM main.orders`)
    const [ch] = await target.query<Record<string, string>>(`SELECT toString(count()) AS n, toString(sum(toUInt32(ordered_at))) AS seconds FROM orders`)
    expect(ch).toEqual(duck)
    const duckRows = await duckdbRows<Record<string, unknown>>(demoFile, `SELECT subscription_id, snapshot_month::VARCHAR AS month, mrr, canceled_at::VARCHAR AS canceled FROM main.subscriptions ORDER BY 1, 2`)
    const chRows = await target.query<Record<string, unknown>>(`SELECT subscription_id, toString(snapshot_month) AS month, mrr, toString(canceled_at) AS canceled FROM subscriptions ORDER BY 1, 2`)
    const norm = (r: Record<string, unknown>) => `${r.subscription_id}|${r.month}|${Number(r.mrr)}|${r.canceled ?? 'NULL'}`
    expect(chRows.map(norm).filter((row, i) => row !== norm(duckRows[i]!)).slice(0, 3)).toEqual([])
    expect(chRows.length).toBe(duckRows.length)
  })
})
