/**
 * A local ClickHouse cluster for tests and benches: N `clickhouse-server` processes (2 shards by
 * default) on free ports of 127.0.0.1, each with its own temporary config and data folder, one
 * `remote_servers` cluster over them, and tables copied from a DuckDB file:
 *
 *   <database>_shard.<table>  MergeTree on every server, holding that server's share of the rows
 *   <database>.<table>        Distributed over the shards' tables, on every server
 *
 * so a metric's `table: orders` against `clickhouse://127.0.0.1:<port>/<database>` reads all the
 * rows through the Distributed table. Rows are dealt round-robin (row i goes to shard i % N), so
 * every shard holds part of every table. Servers run in UTC unless `timezone` says otherwise.
 *
 * Copying keeps every value exact: rows go over HTTP in ClickHouse's RowBinary format (doubles as
 * their 8 bytes; a text format would be parsed by 18.16's fast, not exactly rounding, float
 * parser). Types: BIGINT→Int64, INTEGER→Int32, DOUBLE→Float64, VARCHAR→String, BOOLEAN→UInt8
 * (0/1), DATE→Date, TIMESTAMP→DateTime; a column that holds a NULL becomes Nullable(...).
 * Differences that could change a number are refused rather than copied: DateTime has whole
 * seconds (DuckDB's TIMESTAMP has microseconds), Date and DateTime start in 1970, and any other
 * DuckDB type is an error naming the column.
 *
 * Servers are stopped by PID: `stop()`, the test process exiting, or the test process dying (each
 * server runs under a small shell that kills it when the test process's pipe to it closes).
 *
 * Known ClickHouse 18.16 defects on a cluster (found with this harness): `sumKahan(x)` over a
 * Distributed table kills the initiating server (segfault in Connection::sendCancel after
 * "Unknown BlockInfo field number", with or without GROUP BY) - the shard's partial sumKahan state
 * does not survive the network; `sum`, `uniqExact`, `argMax`, `groupArray` states do. A crash
 * shows as `fetch failed` on every later query; the server's log is `<root>/shardN/server.log`.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {request as httpRequest} from 'node:http'
import {createRequire} from 'node:module'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {DuckDBInstance} from '@duckdb/node-api'

/** Where `clickhouse-server` is looked for: $CLICKHOUSE_SERVER, then these paths. */
const SERVER_CANDIDATES = ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server', '/usr/local/bin/clickhouse-server']

function serverBinary(): string | undefined {
  const fromEnv = process.env.CLICKHOUSE_SERVER
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined
  return SERVER_CANDIDATES.find((file) => existsSync(file))
}

/**
 * Why the ClickHouse tests cannot run here (one line), or null when a `clickhouse-server` binary
 * is installed. Use as `describe.skipIf(clickhouseAvailable() !== null)`.
 */
export function clickhouseAvailable(): string | null {
  if (serverBinary()) return null
  return process.env.CLICKHOUSE_SERVER
    ? `ClickHouse tests skipped: CLICKHOUSE_SERVER=${process.env.CLICKHOUSE_SERVER} does not exist`
    : 'ClickHouse tests skipped: no clickhouse-server installed (apt-get install clickhouse-server, or set CLICKHOUSE_SERVER)'
}

export interface Shard {
  /** http://127.0.0.1:<http port> */
  http: string
  httpPort: number
  tcpPort: number
  /** the clickhouse-server process */
  pid: number
}

export interface LoadedTable {
  table: string
  rows: number
  /** ClickHouse column types, in DuckDB's column order */
  columns: {name: string; type: string}[]
}

export interface ClickHouseCluster {
  /** clickhouse://127.0.0.1:<first shard's http port>/<database>: metricat's warehouse URL */
  url: string
  /** the database holding the Distributed tables */
  database: string
  /** the database holding each shard's MergeTree tables */
  shardDatabase: string
  /** the `remote_servers` cluster name */
  cluster: string
  /** the temporary folder (shardN/config.xml, shardN/server.log, shardN/data), removed by stop() */
  root: string
  shards: Shard[]
  /** what was copied from DuckDB */
  tables: LoadedTable[]
  /** Runs a statement (DDL, INSERT ... SELECT) on a shard (default the first), `database` current. */
  exec(sql: string, shard?: number): Promise<void>
  /** Runs a SELECT on a shard (default the first), `database` current; returns its rows (64-bit integers as strings). */
  query<T = Record<string, unknown>>(sql: string, shard?: number): Promise<T[]>
  /**
   * Another database on the same servers, (re)created empty: `<database>` (Distributed tables) and
   * `<database>_shard` (MergeTree) on every server, with the tables of `duckdb` copied as
   * `startCluster` copies them. The result is this cluster seen from that database (`url`,
   * `exec`, `query`); its `stop()` does nothing (the servers belong to this cluster).
   */
  addDatabase(options: {database: string; duckdb?: string; tables?: string[]}): Promise<ClickHouseCluster>
  /** Kills every server by PID and removes the temporary folder. Safe to call twice. */
  stop(): Promise<void>
}

/** What `attachCluster` needs to reach running servers (a `ClickHouseCluster` through JSON). */
export type ClusterDescription = Pick<ClickHouseCluster, 'database' | 'shardDatabase' | 'cluster' | 'root' | 'shards' | 'tables'>

export interface ClusterOptions {
  /** number of shards (servers), default 2 */
  shards?: number
  /** database of the Distributed tables, default `metricat` */
  database?: string
  /** a DuckDB file whose tables (schema `main`) are copied into the cluster */
  duckdb?: string
  /** which tables of `duckdb` to copy (default all of schema `main`) */
  tables?: string[]
  /** settings for every query of every server's default profile (e.g. {max_threads: 2}) */
  profile?: Record<string, string | number>
  /** the servers' time zone (default UTC; another one tests that metricat's answers do not depend on it) */
  timezone?: string
}

const CLUSTER = 'metricat'
const live = new Set<number>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const pid of live) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  })
}

/**
 * Starts the cluster, waits until every server answers /ping and copies the tables. On any
 * failure the servers already started are stopped before the error is thrown.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<ClickHouseCluster> {
  const binary = serverBinary()
  if (!binary) throw new Error(clickhouseAvailable()!)
  const count = options.shards ?? 2
  const database = options.database ?? 'metricat'
  const shardDatabase = `${database}_shard`
  const root = mkdtempSync(path.join(tmpdir(), 'metricat-clickhouse-'))
  const servers: Launched[] = []
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    for (const server of servers) {
      // unref'd while running (an idle cluster must not keep a process alive); waiting for the
      // watchdog's exit must, or node would end here with the await pending
      server.child.ref()
      server.child.stdin?.end()
    }
    await Promise.all(servers.map((s) => s.done))
    for (const server of servers) live.delete(server.pid)
    rmSync(root, {recursive: true, force: true})
  }
  installExitHook()
  try {
    const ports = await freePorts(count * 2)
    const shards: Shard[] = []
    for (let i = 0; i < count; i++) {
      const httpPort = ports[2 * i]
      const tcpPort = ports[2 * i + 1]
      shards.push({http: `http://127.0.0.1:${httpPort}`, httpPort, tcpPort, pid: 0})
    }
    for (let i = 0; i < count; i++) {
      const dir = path.join(root, `shard${i + 1}`)
      mkdirSync(path.join(dir, 'data'), {recursive: true})
      mkdirSync(path.join(dir, 'tmp'), {recursive: true})
      writeFileSync(path.join(dir, 'config.xml'), serverConfig(dir, shards[i], shards, options.timezone ?? 'UTC'))
      writeFileSync(path.join(dir, 'users.xml'), usersConfig(options.profile ?? {}))
      const server = launch(binary, dir, options.timezone ?? 'UTC')
      servers.push(server)
      shards[i].pid = await server.pidReady
      live.add(shards[i].pid)
    }
    await Promise.all(shards.map((shard, i) => waitForPing(shard, servers[i], path.join(root, `shard${i + 1}`, 'server.log'))))

    const tables = await createDatabase(shards, database, options.duckdb, options.tables)
    return handle({database, shardDatabase, cluster: CLUSTER, root, shards, tables}, stop)
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * A cluster started elsewhere (another process: see test/clickhouse/shared-cluster.ts), from its
 * description (`JSON.parse(JSON.stringify(cluster))`). Its `stop()` does nothing: the servers
 * belong to the process that started them.
 */
export function attachCluster(description: ClusterDescription): ClickHouseCluster {
  return handle(description, async () => {})
}

function handle(description: ClusterDescription, stop: () => Promise<void>): ClickHouseCluster {
  const {shards, database} = description
  return {
    ...description,
    url: `clickhouse://127.0.0.1:${shards[0]!.httpPort}/${database}`,
    exec: async (sql: string, shard = 0) => {
      await post(shards[shard]!, sql, undefined, database)
    },
    query: async <T>(sql: string, shard = 0): Promise<T[]> => {
      const text = await post(shards[shard]!, `${sql} FORMAT JSONEachRow`, undefined, database)
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as T)
    },
    addDatabase: async (options) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.database)) throw new Error(`bad ClickHouse database name ${options.database}`)
      const tables = await createDatabase(shards, options.database, options.duckdb, options.tables, true)
      return handle({...description, database: options.database, shardDatabase: `${options.database}_shard`, tables}, async () => {})
    },
    stop,
  }
}

/** `<database>` and `<database>_shard` on every server (dropped first when `replace`), then the copied tables. */
async function createDatabase(shards: Shard[], database: string, duckdb: string | undefined, only: string[] | undefined, replace = false): Promise<LoadedTable[]> {
  const shardDatabase = `${database}_shard`
  await Promise.all(
    shards.map(async (shard) => {
      if (replace) {
        await post(shard, `DROP DATABASE IF EXISTS ${database}`)
        await post(shard, `DROP DATABASE IF EXISTS ${shardDatabase}`)
      }
      await post(shard, `CREATE DATABASE ${shardDatabase}`)
      await post(shard, `CREATE DATABASE ${database}`)
    }),
  )
  return duckdb ? copyTables(duckdb, only, shards, database, shardDatabase) : []
}

/**
 * Each server runs under `sh`, which prints the server's PID, then waits for its stdin to close
 * (our `stop()`, or this process ending in any way, even SIGKILL), kills the server by PID and
 * removes its folder. SIGKILL: the data folder is temporary, so there is nothing to flush.
 */
const WATCHDOG = `"$@" </dev/null >"$LOG" 2>&1 &
pid=$!
echo "$pid"
read -r _ || true
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rm -rf "$DIR"
rmdir "$ROOT" 2>/dev/null
exit 0`

interface Launched {
  child: ChildProcess
  pid: number
  pidReady: Promise<number>
  done: Promise<void>
  exited: () => boolean
}

function launch(binary: string, dir: string, timezone: string): Launched {
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'clickhouse-watchdog', binary, `--config-file=${path.join(dir, 'config.xml')}`], {
    cwd: dir,
    env: {...process.env, LOG: path.join(dir, 'server.log'), DIR: dir, ROOT: path.dirname(dir), TZ: timezone},
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let exited = false
  const done = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true
    resolve()
  }))
  const server: Launched = {child, pid: 0, done, exited: () => exited, pidReady: Promise.resolve(0)}
  server.pidReady = new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split('\n')
      if (line.length > 1) {
        server.pid = Number(line[0])
        resolve(server.pid)
      }
    })
    child.once('exit', () => reject(new Error('the ClickHouse watchdog shell exited before starting the server')))
  })
  // the pipe to the watchdog must not keep this process alive
  ;(child.stdin as unknown as {unref?: () => void}).unref?.()
  child.unref()
  return server
}

async function waitForPing(shard: Shard, server: {exited: () => boolean; pid: number}, log: string): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      const response = await fetch(`${shard.http}/ping`)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    let running = !server.exited()
    try {
      process.kill(server.pid, 0)
    } catch {
      running = false
    }
    if (!running || Date.now() > deadline) {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).slice(-5).join('\n') : ''
      throw new Error(`clickhouse-server on port ${shard.httpPort} ${running ? 'did not answer /ping within 30 s' : 'exited'}${tail ? `:\n${tail}` : ''}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** A POST to a server's HTTP interface (node:http: a RowBinary body is sent as is, not copied as fetch does). */
function post(shard: Shard, sql: string, body?: Uint8Array, database?: string): Promise<string> {
  const params = new URLSearchParams()
  if (body) params.set('query', sql)
  if (database) params.set('database', database)
  return new Promise<string>((resolve, reject) => {
    // a new connection per request: a kept-alive one may be closed by the server (keep_alive_timeout)
    // just as it is reused, which fails the request with "socket hang up"
    const request = httpRequest({host: '127.0.0.1', port: shard.httpPort, method: 'POST', path: `/?${params}`, agent: false}, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', reject)
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        if (response.statusCode === 200) resolve(text)
        else reject(new Error(`ClickHouse (port ${shard.httpPort}): ${text.trim().split('\n')[0]}\n  in: ${sql.slice(0, 300)}`))
      })
    })
    request.on('error', reject)
    request.end(body ?? sql)
  })
}

/** `count` distinct free TCP ports of 127.0.0.1 (held together, so they differ, then released). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({length: count}, () =>
      new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        const server = createServer()
        server.once('error', reject)
        server.listen(0, '127.0.0.1', () => resolve(server))
      }),
    ),
  )
  const ports = servers.map((s) => (s.address() as {port: number}).port)
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  return ports
}

function serverConfig(dir: string, self: Shard, all: Shard[], timezone: string): string {
  const shards = all
    .map((s) => `      <shard><replica><host>127.0.0.1</host><port>${s.tcpPort}</port></replica></shard>`)
    .join('\n')
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${self.httpPort}</http_port>
  <tcp_port>${self.tcpPort}</tcp_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <users_config>${dir}/users.xml</users_config>
  <mark_cache_size>268435456</mark_cache_size>
  <timezone>${timezone}</timezone>
  <remote_servers>
    <${CLUSTER}>
${shards}
    </${CLUSTER}>
  </remote_servers>
</yandex>
`
}

function usersConfig(profile: Record<string, string | number>): string {
  const settings = Object.entries(profile)
    .map(([key, value]) => {
      if (!/^[a-z_]+$/.test(key)) throw new Error(`bad ClickHouse setting name ${key}`)
      return `<${key}>${String(value).replace(/[<>&]/g, '')}</${key}>`
    })
    .join('')
  return `<?xml version="1.0"?>
<yandex>
  <profiles><default>${settings}</default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default></default></quotas>
</yandex>
`
}

// ---------------------------------------------------------------------------------------------
// Copying tables from DuckDB

type Kind = 'Int64' | 'Int32' | 'Float64' | 'String' | 'UInt8' | 'Date' | 'DateTime'

const KIND: Record<string, Kind> = {
  BIGINT: 'Int64',
  INTEGER: 'Int32',
  DOUBLE: 'Float64',
  VARCHAR: 'String',
  BOOLEAN: 'UInt8',
  DATE: 'Date',
  TIMESTAMP: 'DateTime',
}

/** Largest integer a JS number holds exactly. */
const EXACT = 2 ** 53

/**
 * Per column: what DuckDB selects (so that JS receives plain numbers where it can: BigInt is slow)
 * and the checks that make the copy exact, as SQL aggregates that must all be 0.
 */
function columnPlan(c: string, kind: Kind): {select: string; checks: Record<string, string>} {
  switch (kind) {
    case 'Int64':
      // exact as a double when within ±2^53; the aggregates below prove it for this table
      return {select: `CAST(${c} AS DOUBLE)`, checks: {'an integer beyond ±2^53 (the copy goes through a JS number)': `count(*) FILTER (abs(${c}) > ${EXACT})`}}
    case 'UInt8':
      return {select: `CAST(${c} AS UTINYINT)`, checks: {}}
    case 'Date':
      return {
        select: `CAST(${c} - DATE '1970-01-01' AS INTEGER)`,
        checks: {"a date outside ClickHouse's Date range (1970-01-01..2149-06-06)": `count(*) FILTER (${c} < DATE '1970-01-01' OR ${c} > DATE '2149-06-06')`},
      }
    case 'DateTime':
      return {
        select: `CAST(epoch_us(${c}) // 1000000 AS UINTEGER)`,
        checks: {
          "a timestamp with a fraction of a second (ClickHouse 18.16's DateTime keeps whole seconds)": `count(*) FILTER (epoch_us(${c}) % 1000000 <> 0)`,
          "a timestamp outside ClickHouse's DateTime range (1970..2106)": `count(*) FILTER (${c} < TIMESTAMP '1970-01-01' OR ${c} >= TIMESTAMP '2106-02-07')`,
        },
      }
    case 'String':
      // the UTF-8 bytes as DuckDB holds them (no decoding to a JS string and encoding back)
      return {select: `encode(${c})`, checks: {}}
    default:
      return {select: c, checks: {}}
  }
}

type Encode = (w: RowBinaryWriter, value: unknown) => void

const ENCODE: Record<Kind, Encode> = {
  Int64: (w, v) => w.i64(v as number),
  Int32: (w, v) => w.i32(v as number),
  Float64: (w, v) => w.f64(v as number),
  UInt8: (w, v) => w.u8(v as number),
  Date: (w, v) => w.u16(v as number),
  DateTime: (w, v) => w.u32(v as number),
  String: (w, v) => w.bytes(v as Uint8Array),
}

const FLUSH_BYTES = 8 * 1024 * 1024

async function copyTables(file: string, only: string[] | undefined, shards: Shard[], database: string, shardDatabase: string): Promise<LoadedTable[]> {
  const instance = await DuckDBInstance.create(file, {access_mode: 'READ_ONLY'})
  const connection = await instance.connect()
  try {
    const listed = (await connection.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name`))
      .getRows()
      .map((r) => String(r[0]))
    const tables = only ?? listed
    for (const table of tables) if (!listed.includes(table)) throw new Error(`${file} has no table main.${table}`)
    const loaded: LoadedTable[] = []
    for (const table of tables) loaded.push(await copyTable(connection, table, shards, database, shardDatabase))
    return loaded
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

type Connection = Awaited<ReturnType<DuckDBInstance['connect']>>
type Vector = {getItem(index: number): unknown}
type BlobVector = {getItemBytes(index: number): Uint8Array | null}

async function copyTable(connection: Connection, table: string, shards: Shard[], database: string, shardDatabase: string): Promise<LoadedTable> {
  const quoted = `"${table.replace(/"/g, '""')}"`
  const described = (await connection.runAndReadAll(`DESCRIBE ${quoted}`)).getRowObjects() as {column_name: string; column_type: string}[]
  const kinds = described.map((d) => {
    const kind = KIND[d.column_type]
    if (!kind) throw new Error(`main.${table}.${d.column_name}: DuckDB type ${d.column_type} has no exact ClickHouse copy here (expected ${Object.keys(KIND).join(', ')})`)
    return kind
  })
  const names = described.map((d) => d.column_name)
  const ident = (n: string) => `"${n.replace(/"/g, '""')}"`
  const plans = names.map((n, i) => columnPlan(ident(n), kinds[i]))
  const probes: {column: string; what: string; sql: string}[] = []
  names.forEach((n, i) => {
    probes.push({column: n, what: 'NULL', sql: `count(*) - count(${ident(n)})`})
    for (const [what, sql] of Object.entries(plans[i].checks)) probes.push({column: n, what, sql})
  })
  const counts = (await connection.runAndReadAll(`SELECT ${probes.map((p) => p.sql).join(', ')} FROM ${quoted}`)).getRows()[0].map(Number)
  const nullable = new Set<string>()
  probes.forEach((probe, i) => {
    if (counts[i] === 0) return
    if (probe.what === 'NULL') nullable.add(probe.column)
    else throw new Error(`main.${table}.${probe.column}: ${counts[i]} rows hold ${probe.what}; the copy would not be exact`)
  })
  const columns = names.map((name, i) => ({name, type: nullable.has(name) ? `Nullable(${kinds[i]})` : kinds[i]}))
  const columnSql = columns.map((c) => `\`${c.name}\` ${c.type}`).join(', ')
  for (const shard of shards) {
    await post(shard, `CREATE TABLE ${shardDatabase}.\`${table}\` (${columnSql}) ENGINE = MergeTree() ORDER BY tuple()`)
    await post(shard, `CREATE TABLE ${database}.\`${table}\` AS ${shardDatabase}.\`${table}\` ENGINE = Distributed(${CLUSTER}, ${shardDatabase}, \`${table}\`, rand())`)
  }
  const encoders: Encode[] = columns.map((c, i) => {
    const encode = ENCODE[kinds[i]]
    return nullable.has(c.name)
      ? (w, v) => {
          if (v === null) w.u8(1)
          else {
            w.u8(0)
            encode(w, v)
          }
        }
      : encode
  })

  const writers = shards.map(() => new RowBinaryWriter())
  const pending: Promise<unknown>[] = []
  const insert = `INSERT INTO ${shardDatabase}.\`${table}\` FORMAT RowBinary`
  const flush = (i: number) => {
    const body = writers[i].take()
    if (body.length > 0) pending.push(post(shards[i], insert, body))
  }
  const result = await connection.stream(`SELECT ${plans.map((p) => p.select).join(', ')} FROM ${quoted}`)
  const width = encoders.length
  const count = shards.length
  // a string column's values as bytes (getItemBytes of its BLOB vector), the others as numbers
  const read = kinds.map((kind) => (kind === 'String' ? (v: Vector, r: number) => (v as unknown as BlobVector).getItemBytes(r) : (v: Vector, r: number) => v.getItem(r)))
  let rows = 0
  for (;;) {
    const chunk = await result.fetchChunk()
    const size = chunk?.rowCount ?? 0
    if (size === 0) break
    const vectors = Array.from({length: width}, (_, c) => chunk!.getColumnVector(c))
    for (let r = 0; r < size; r++, rows++) {
      const shard = rows % count
      const w = writers[shard]
      w.ensure(1024)
      for (let c = 0; c < width; c++) encoders[c](w, read[c](vectors[c], r))
      if (w.length > FLUSH_BYTES) flush(shard)
    }
  }
  for (let i = 0; i < shards.length; i++) flush(i)
  await Promise.all(pending)
  return {table, rows, columns}
}

/** RowBinary: little-endian fixed-width numbers, strings as LEB128 length + UTF-8 bytes. */
class RowBinaryWriter {
  private buffer = Buffer.allocUnsafe(FLUSH_BYTES + 1024 * 1024)
  length = 0

  /** Room for `n` more bytes; a row's fixed-width values fit in 1024, strings ensure their own. */
  ensure(n: number): void {
    if (this.length + n <= this.buffer.length) return
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + n))
    this.buffer.copy(bigger, 0, 0, this.length)
    this.buffer = bigger
  }

  /** The bytes written so far; the writer goes on in a new buffer. */
  take(): Buffer {
    const out = this.buffer.subarray(0, this.length)
    this.buffer = Buffer.allocUnsafe(FLUSH_BYTES + 1024 * 1024)
    this.length = 0
    return out
  }

  u8(v: number): void {
    this.buffer[this.length++] = v
  }

  u16(v: number): void {
    this.length = this.buffer.writeUInt16LE(v, this.length)
  }

  u32(v: number): void {
    this.length = this.buffer.writeUInt32LE(v, this.length)
  }

  i32(v: number): void {
    this.length = this.buffer.writeInt32LE(v, this.length)
  }

  /** an integer within ±2^53, as Int64 */
  i64(v: number): void {
    const low = v % 4294967296
    const lo = low < 0 ? low + 4294967296 : low
    const hi = (v - lo) / 4294967296
    this.length = this.buffer.writeUInt32LE(lo, this.length)
    this.length = this.buffer.writeInt32LE(hi, this.length)
  }

  f64(v: number): void {
    this.length = this.buffer.writeDoubleLE(v, this.length)
  }

  /** a String: its UTF-8 bytes */
  bytes(value: Uint8Array): void {
    this.ensure(value.length + 10)
    let n = value.length
    while (n >= 0x80) {
      this.buffer[this.length++] = (n & 0x7f) | 0x80
      n >>>= 7
    }
    this.buffer[this.length++] = n
    this.buffer.set(value, this.length)
    this.length += value.length
  }
}

// ---------------------------------------------------------------------------------------------
// chdb: embedded ClickHouse (current releases) as an opt-in second target
//
// Not a dependency: the npm package weighs ~540 MB with its native library, adds ~40 s to
// `npm ci`, and npm records only the installing platform's optional @chdb/lib-* package in
// package-lock.json. Install it locally to use this mode: `npm install --no-save chdb` (or point
// METRICAT_CHDB at an installed `chdb` package folder).

type ChdbModule = {Session: new (path?: string) => {query(sql: string, format?: string): string; cleanup(): void}}

function loadChdb(): ChdbModule | string {
  try {
    const require = createRequire(import.meta.url)
    return require(process.env.METRICAT_CHDB || 'chdb') as ChdbModule
  } catch {
    return 'chdb tests skipped: the chdb package is not installed (npm install --no-save chdb, or set METRICAT_CHDB)'
  }
}

/** Why the chdb target cannot run here (one line), or null when the `chdb` package loads. */
export function chdbAvailable(): string | null {
  const loaded = loadChdb()
  return typeof loaded === 'string' ? loaded : null
}

export interface ChdbTarget {
  /** the database holding the tables */
  database: string
  tables: LoadedTable[]
  /** Runs a SELECT in the embedded server, `database` current; rows as JSONEachRow gives them. */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>
  exec(sql: string): Promise<void>
  /** Removes the session's folder. */
  stop(): Promise<void>
}

/**
 * The tables of a DuckDB file in an embedded chdb session (a temporary folder), with the same
 * column types as the cluster (`startCluster`): rows go through a Parquet file, which keeps
 * doubles and microsecond timestamps exact, and are cast to the cluster's types on insert.
 */
export async function startChdb(options: {duckdb: string; tables?: string[]; database?: string}): Promise<ChdbTarget> {
  const chdb = loadChdb()
  if (typeof chdb === 'string') throw new Error(chdb)
  const database = options.database ?? 'metricat'
  const root = mkdtempSync(path.join(tmpdir(), 'metricat-chdb-'))
  const session = new chdb.Session(path.join(root, 'session'))
  const run = (sql: string, format = 'CSV') => {
    try {
      return session.query(sql, format)
    } catch (error) {
      throw new Error(`chdb: ${String((error as Error).message ?? error).split('\n')[0]}\n  in: ${sql.slice(0, 300)}`)
    }
  }
  run(`CREATE DATABASE IF NOT EXISTS ${database}`)
  const instance = await DuckDBInstance.create(options.duckdb, {access_mode: 'READ_ONLY'})
  const connection = await instance.connect()
  const loaded: LoadedTable[] = []
  try {
    const listed = (await connection.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name`)).getRows().map((r) => String(r[0]))
    for (const table of options.tables ?? listed) {
      const quoted = `"${table.replace(/"/g, '""')}"`
      const described = (await connection.runAndReadAll(`DESCRIBE ${quoted}`)).getRowObjects() as {column_name: string; column_type: string}[]
      const nulls = (await connection.runAndReadAll(`SELECT ${described.map((d) => `count(*) - count("${d.column_name.replace(/"/g, '""')}")`).join(', ')} FROM ${quoted}`)).getRows()[0]!.map(Number)
      const columns = described.map((d, i) => {
        const kind = KIND[d.column_type]
        if (!kind) throw new Error(`main.${table}.${d.column_name}: DuckDB type ${d.column_type} has no exact ClickHouse copy here`)
        return {name: d.column_name, type: nulls[i]! > 0 ? `Nullable(${kind})` : kind}
      })
      const file = path.join(root, `${table}.parquet`)
      await connection.run(`COPY ${quoted} TO '${file.replace(/'/g, "''")}' (FORMAT parquet)`)
      const columnSql = columns.map((c) => `\`${c.name}\` ${c.type}`).join(', ')
      run(`CREATE TABLE ${database}.\`${table}\` (${columnSql}) ENGINE = MergeTree ORDER BY tuple()`)
      // Parquet TIMESTAMP arrives as DateTime64(6): whole seconds were checked by the cluster's copy rules
      run(`INSERT INTO ${database}.\`${table}\` SELECT ${columns.map((c) => `CAST(\`${c.name}\` AS ${c.type})`).join(', ')} FROM file('${file.replace(/'/g, "\\'")}', Parquet)`)
      const rows = Number(run(`SELECT count() FROM ${database}.\`${table}\``).trim())
      loaded.push({table, rows, columns})
    }
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
  let stopped = false
  return {
    database,
    tables: loaded,
    query: async <T>(sql: string) =>
      run(`USE ${database}; ${sql}`, 'JSONEachRow')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as T),
    exec: async (sql: string) => {
      run(`USE ${database}; ${sql}`)
    },
    stop: async () => {
      if (stopped) return
      stopped = true
      session.cleanup()
      rmSync(root, {recursive: true, force: true})
    },
  }
}
