// What the ClickHouse differential files check: each request compiled for DuckDB and for
// ClickHouse, run on the same rows, gives the same rows (numbers to 1e-9 relative: ClickHouse adds
// in another order); and the copy of a DuckDB table to the cluster that both sides then read.
import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'

import type {MetricDefinition} from '../../src/catalog/types.js'
import {clickhouseLiteral} from '../../src/query/dialect.js'
import {compileMetricQuery} from '../../src/query/index.js'
import type {MetricQuery} from '../../src/query/types.js'
import {ClickHouseWarehouse} from '../../src/warehouse/clickhouse.js'
import {pooled} from '../pooled.js'
import type {ClickHouseCluster} from './cluster.js'
import {sharedCluster} from './shared-cluster.js'

function close(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))
  return a === b
}

/** One line per request whose ClickHouse rows differ from DuckDB's (none: the engines agree). */
export async function differingAnswers(
  queries: MetricQuery[],
  lookup: (id: string) => MetricDefinition | undefined,
  duck: DuckDBConnection,
  ch: ClickHouseWarehouse,
  concurrency = 4,
): Promise<string[]> {
  const problems: string[] = []
  // the ClickHouse side `concurrency` at a time while DuckDB (one connection) answers one by one
  const answers = pooled(queries, concurrency, async (q) => (await ch.query(compileMetricQuery(q, lookup, {dialect: 'clickhouse'}).sql)).rows)
  answers.catch(() => {})
  for (const [i, q] of queries.entries()) {
    const d = compileMetricQuery(q, lookup)
    const expected = (await duck.runAndReadAll(d.sql, d.params as never)).getRowObjectsJson().map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && ['value', 'previous_value', 'growth_pct'].includes(k) ? Number(v) : v])),
    )
    const got: Record<string, unknown>[] = (await answers)[i]!.map((r) => ({...r, partial: r.partial === 1}))
    const same = expected.length === got.length && expected.every((r, j) => Object.keys(r).every((k) => close(r[k], got[j]![k])))
    if (!same) problems.push(`${JSON.stringify(q)}: ${JSON.stringify(expected.slice(0, 3))} vs ${JSON.stringify(got.slice(0, 3))} (${expected.length} vs ${got.length} rows)`)
  }
  return problems
}

/**
 * Copies `table` of the DuckDB connection to `target` (`database.table`) on the first server of
 * `cluster`, replacing it there: a MergeTree ordered by `orderBy` with `columns` (name -> ClickHouse
 * type, in the order given). DateTime values go as `YYYY-MM-DD HH:MM:SS`, Float64 as numbers, NULL
 * as NULL, everything through the one `clickhouseLiteral`.
 */
export async function copyToClickHouse(duck: DuckDBConnection, table: string, cluster: ClickHouseCluster, target: string, columns: Record<string, string>, orderBy: string): Promise<void> {
  const names = Object.keys(columns)
  const select = names.map((n) => (columns[n]!.includes('DateTime') ? `strftime(${n}, '%Y-%m-%d %H:%M:%S') AS ${n}` : n))
  const rows = (await duck.runAndReadAll(`SELECT ${select.join(', ')} FROM ${table}`)).getRowObjectsJson()
  const value = (v: unknown, type: string) => (v === null ? 'NULL' : clickhouseLiteral(type.includes('Float64') ? Number(v) : (v as string | number)))
  await cluster.exec(`CREATE DATABASE IF NOT EXISTS ${target.split('.')[0]}`, 0)
  await cluster.exec(`DROP TABLE IF EXISTS ${target}`, 0)
  await cluster.exec(`CREATE TABLE ${target} (${names.map((n) => `${n} ${columns[n]}`).join(', ')}) ENGINE = MergeTree ORDER BY ${orderBy}`, 0)
  await cluster.exec(`INSERT INTO ${target} VALUES ${rows.map((r) => `(${names.map((n) => value(r[n], columns[n]!)).join(', ')})`).join(', ')}`, 0)
}

/**
 * One table on both engines: made by `create` on an in-memory DuckDB (UTC), then copied to
 * `database`.`table` on the shared cluster's first server (see `copyToClickHouse`); `close` ends both.
 */
export async function tableOnBoth(
  table: string,
  create: string,
  database: string,
  columns: Record<string, string>,
  orderBy: string,
): Promise<{duck: DuckDBConnection; ch: ClickHouseWarehouse; close: () => void}> {
  const instance = await DuckDBInstance.create(':memory:')
  const duck = await instance.connect()
  await duck.run(`SET TimeZone = 'UTC'`)
  await duck.run(create)
  const cluster = await sharedCluster()
  await copyToClickHouse(duck, table, cluster, `${database}.${table}`, columns, orderBy)
  const ch = ClickHouseWarehouse.fromUrl(`clickhouse://127.0.0.1:${cluster.shards[0]!.httpPort}/${database}`)
  return {
    duck,
    ch,
    close: () => {
      ch.close()
      duck.closeSync()
      instance.closeSync()
    },
  }
}
