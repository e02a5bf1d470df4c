import type {DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement, DuckDBResult, DuckDBResultReader, DuckDBValue} from '@duckdb/node-api'
import {existsSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {CatalogError} from '../errors.js'

/** Alias of the metricat file inside DuckDB; catalog tables are `mc.metricat.<table>`. */
export const STORE = 'mc'

// DuckDB's StatementType.SELECT (the enum is not imported: see `Database.open` on require()).
const SELECT_STATEMENT = 1

/** How many prepared statements each connection keeps for `stream` (see `Database.statements`). */
const STATEMENTS_PER_CONNECTION = 64

// BIGINT, UBIGINT, HUGEINT, UHUGEINT, DECIMAL (DuckDBTypeId values)
const NUMERIC_AS_TEXT = new Set([5, 9, 16, 32, 19])

export type SqlValue = string | number | boolean | null | bigint
export type Row = Record<string, unknown>

/** How to open the metricat file. */
export interface OpenOptions {
  /** attach READ_ONLY: many read-only processes may share the file; nothing can be written */
  readOnly?: boolean
  /** how long to keep retrying while another process holds a conflicting lock (default 0: fail at once) */
  waitMs?: number
  /** stop waiting early for this lock holder (e.g. a server the command can go through instead) */
  giveUp?: (holder: LockHolder) => boolean
  /** called once, when the first attempt finds the file locked and waiting begins */
  onWait?: (holder: LockHolder) => void
  /** DuckDB's memory_limit, e.g. `4GB` (default: DuckDB's, 80% of the machine's memory) */
  memoryLimit?: string
}

/** The process holding a DuckDB file lock, as far as the lock error and /proc tell. */
export interface LockHolder {
  pid?: number
  /** its command line, where the platform shows it (Linux /proc) */
  command?: string
}

/**
 * One DuckDB file, one instance per process (two instances on one file corrupt it). Writes and
 * catalog reads run in order on one connection (the queue keeps a transaction's statements from
 * interleaving with others); with a read pool (`openReadPool`, the server), metric queries run on
 * their own connections, so one slow query does not hold up catalog reads or writes.
 */
/** Per file (absolute path): how many writes this process made to it (see `Database.writeGeneration`). */
const WRITES_BY_FILE = new Map<string, {n: number}>()

export class Database {
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false
  private readers: DuckDBConnection[] = []
  private idleReaders: DuckDBConnection[] = []
  private waitingForReader: ((c: DuckDBConnection) => void)[] = []
  private searchPath: string | undefined
  private queryTimeoutMs: number | undefined
  /** set by `interruptAll`: statements that fail from now on were stopped, not wrong */
  private interrupted = false
  /** this file's write count in this process, shared by every handle on the file (see `writeGeneration`) */
  private readonly writes: {n: number}
  /**
   * Prepared SELECTs (`stream`, `query`), per connection (the read pool's and the catalog
   * connection), by SQL text (least recently used first): a server answers the same few queries
   * over and over, and preparing one (parse, bind, plan) costs about as much as running it on
   * small data. DuckDB binds a statement again by itself when a table it reads has changed since
   * (replaced, dropped and re-created: test/db/read-pool.test.ts).
   */
  private statements = new Map<DuckDBConnection, Map<string, DuckDBPreparedStatement>>()

  private constructor(
    readonly file: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    readonly readOnly: boolean,
  ) {
    let counter = file === ':memory:' ? undefined : WRITES_BY_FILE.get(file)
    if (!counter) {
      counter = {n: 0}
      if (file !== ':memory:') WRITES_BY_FILE.set(file, counter)
    }
    this.writes = counter
  }

  /**
   * Grows after every statement this process ran on the file that is not a SELECT (a write of any
   * kind, by metricat or by raw SQL, on any handle of the file in this process), once it has
   * finished (after COMMIT for a transaction). While a process has the file open no other process
   * can write it (DuckDB locks the file: one writer, or any number of read-only readers), so what
   * this process read from the file (data_through, rollup states) stays true until this grows:
   * memos of it are kept under it alone, with no round trip to the file per request.
   */
  get writeGeneration(): number {
    return this.writes.n
  }

  /**
   * ATTACH another DuckDB file read-only and put it first on the search path, so unqualified
   * table names in metric SQL resolve there. Catalog tables stay reachable as `metricat.*`.
   */
  async attachWarehouse(file: string): Promise<void> {
    const wh = path.resolve(file)
    try {
      await this.run(`ATTACH ${quoteLiteral(wh)} AS warehouse (READ_ONLY)`)
      this.searchPath = `SET search_path = 'warehouse.main,${STORE}.main'`
      await this.run(this.searchPath)
      this.forgetStatements()
      for (const reader of this.readers) await reader.run(this.searchPath)
    } catch (error) {
      throw translateOpenError(error, wh)
    }
  }

  /**
   * Opens `file` (`:memory:` for a throwaway catalog). With `readOnly` the file is attached
   * READ_ONLY. While another process holds a conflicting lock, retries until `waitMs` has passed
   * (or `giveUp` says so), then fails with DB_LOCKED naming the holder.
   */
  static async open(file: string, options: OpenOptions = {}): Promise<Database> {
    const {DuckDBInstance} = duckdbApi()
    const abs = file === ':memory:' ? file : path.resolve(file)
    const readOnly = Boolean(options.readOnly) && abs !== ':memory:'
    // The file is attached under a fixed alias rather than opened as the main database: DuckDB
    // names the main database after the file, and a file called metricat.duckdb would make
    // `metricat.<table>` ambiguous between that database and the catalog schema.
    let instance: DuckDBInstance
    try {
      instance = await DuckDBInstance.create(':memory:', options.memoryLimit ? {memory_limit: options.memoryLimit} : undefined)
    } catch (error) {
      throw new CatalogError('BAD_REQUEST', `bad memory limit ${JSON.stringify(options.memoryLimit)}: ${firstLine(String((error as Error).message))}; expected e.g. 4GB or 512MB`, {memoryLimit: options.memoryLimit}, {cause: error})
    }
    const connection = await instance.connect()
    const deadline = Date.now() + (options.waitMs ?? 0)
    try {
      // Every timestamp metricat writes or prints is UTC, whatever TZ the process runs under
      // (with ICU loaded, DuckDB otherwise takes the TZ of the process for now() and casts).
      await execute(connection, `SET GLOBAL TimeZone = 'UTC'`, [])
      for (let attempt = 0; ; attempt++) {
        try {
          await execute(connection, `ATTACH ${quoteLiteral(abs)} AS ${STORE}${readOnly ? ' (READ_ONLY)' : ''}`, [])
          break
        } catch (error) {
          const holder = lockHolder(error)
          if (!holder || Date.now() >= deadline || options.giveUp?.(holder)) throw error
          if (attempt === 0) options.onWait?.(holder)
          await delay(Math.min(250, 25 * 2 ** attempt, Math.max(1, deadline - Date.now())))
        }
      }
      await execute(connection, `USE ${STORE}`, [])
    } catch (error) {
      connection.closeSync()
      instance.closeSync()
      throw translateOpenError(error, abs)
    }
    return new Database(abs, instance, connection, readOnly)
  }

  /**
   * Opens `size` more connections for `query` and `stream` (metric and points queries), so up to
   * `size` of them run at once beside the write connection. Reads on them see committed data only.
   * Call it before `lockDown` (the connections are configured with SET/USE).
   */
  async openReadPool(size: number): Promise<void> {
    for (let i = this.readers.length; i < size; i++) {
      const c = await this.instance.connect()
      await execute(c, `USE ${STORE}`, [])
      if (this.searchPath) await execute(c, this.searchPath, [])
      this.readers.push(c)
      this.releaseReader(c)
    }
  }

  /** Interrupts a query (`query`/`stream`) that runs longer than `ms` with QUERY_TIMEOUT; undefined: no limit. */
  setQueryTimeout(ms: number | undefined): void {
    this.queryTimeoutMs = ms
  }

  /**
   * Closes the door to the file system for everything that runs from here on: no reading or
   * writing files (read_csv, COPY ... TO, ATTACH, INSTALL), except the files in `readable`
   * (what `load` was asked to read), and no SET that could reopen it. Call it once every file
   * the process needs is attached and every setting is made: DuckDB refuses both afterwards.
   * The attached catalog and warehouse files stay readable (and the catalog writable).
   */
  async lockDown(readable: string[] = []): Promise<void> {
    await this.exclusive(async () => {
      if (readable.length > 0) {
        await this.runUnqueued(`SET allowed_paths = [${readable.map((f) => quoteLiteral(path.resolve(f))).join(', ')}]`, [])
      }
      await this.runUnqueued('SET enable_external_access = false', [])
      await this.runUnqueued('SET lock_configuration = true', [])
    })
  }

  /** Runs `fn` after every statement queued before it; nothing else runs on the connection meanwhile. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn).catch((error: unknown) => {
      throw this.stoppedError(error)
    })
    this.queue = next.catch(() => undefined)
    return next
  }

  /** After `interruptAll`, a statement that failed was stopped by it: UNAVAILABLE, not a bug or a bad query. */
  private stoppedError(error: unknown): unknown {
    if (!this.interrupted || error instanceof CatalogError) return error
    return new CatalogError('UNAVAILABLE', 'the request was stopped because the server is shutting down; retry shortly', {}, {cause: error})
  }

  async all<T = Row>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    return this.exclusive(() => this.allUnqueued<T>(sql, params))
  }

  /**
   * Rows as JSON-ready objects with column names (see `stream`), all in memory: for results
   * known to be small. Runs on a pooled read connection when there is a pool.
   */
  async query(sql: string, params: SqlValue[] = []): Promise<{columns: string[]; rows: Row[]}> {
    const rows: Row[] = []
    const columns = await this.stream(
      sql,
      params,
      (chunk) => {
        for (const row of chunk) rows.push(row)
      },
      undefined,
      {materialize: true},
    )
    return {columns, rows}
  }

  /**
   * Runs one read-only statement (a SELECT, which DuckDB checks once it has parsed it: anything
   * else is refused before it runs) and hands its rows to `onRows` chunk by chunk (about 2,048 rows
   * each) as DuckDB produces them, so a large result never sits in memory whole; `onStart` gets
   * the column names first. 64-bit integers and decimals come back as numbers (DuckDB's JSON
   * conversion gives strings for them, which no caller wants), dates as `YYYY-MM-DD`, timestamps
   * as ISO text. Runs on a pooled read connection when there is a pool, under the query time limit.
   * `materialize`: DuckDB computes the whole result before the first chunk (faster for a result the
   * caller keeps in memory anyway: the query runs on all threads in one go); otherwise it computes
   * the rows as they are fetched.
   */
  async stream(
    sql: string,
    params: SqlValue[],
    onRows: (rows: Row[]) => void | Promise<void>,
    onStart?: (columns: string[]) => void | Promise<void>,
    options: {materialize?: boolean} = {},
  ): Promise<string[]> {
    return this.withReader(async (connection) => {
      if (this.interrupted) throw new CatalogError('UNAVAILABLE', 'the server is shutting down; retry shortly', {})
      let prepared: DuckDBPreparedStatement | undefined
      let result: DuckDBResult | undefined
      let finished = false
      let timedOut = false
      const timer = this.queryTimeoutMs
        ? setTimeout(() => {
            timedOut = true
            connection.interrupt()
          }, this.queryTimeoutMs)
        : undefined
      try {
        prepared = await this.cachedStatement(connection, sql)
        if (params.length > 0) prepared.bind(params as DuckDBValue[])
        result = options.materialize ? await prepared.run() : await prepared.stream()
        const columns = result.columnNames()
        const numeric = result.columnTypes().map((t) => NUMERIC_AS_TEXT.has(t.typeId))
        await onStart?.(columns)
        for await (const rows of result.yieldRowObjectJson()) {
          if (numeric.some(Boolean)) {
            for (const row of rows) {
              columns.forEach((c, i) => {
                if (numeric[i] && row[c] !== null) row[c] = Number(row[c])
              })
            }
          }
          await onRows(rows as Row[])
        }
        finished = true
        return columns
      } catch (error) {
        if (timedOut) {
          const seconds = +(this.queryTimeoutMs! / 1000).toFixed(3)
          throw new CatalogError('QUERY_TIMEOUT', `the query ran longer than ${seconds} s and was stopped; narrow it (a shorter range, a coarser grain, fewer dimensions)`, {timeout_seconds: seconds}, {cause: error})
        }
        throw this.stoppedError(error)
      } finally {
        if (timer) clearTimeout(timer)
        // A streaming result left unread holds its connection's context, and with it the whole
        // DuckDB instance, until the garbage collector takes it: past `close()`, so a reopen of the
        // file in this process makes a second instance, and the first one's late shutdown then
        // writes its stale state over the file (data written in between is lost). Stop and drain it.
        if (!finished && result && !options.materialize) await releaseStream(connection, result)
      }
    })
  }

  /**
   * `sql` prepared on `connection` (a SELECT), from that connection's cache, with no parameters
   * bound: the read pool's and the catalog connection's alike (a CLI command or script that asks
   * the same question twice prepares it once; preparing a metric query over a small rollup table
   * cost about as much as running it).
   */
  private async cachedStatement(connection: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
    let cache = this.statements.get(connection)
    if (!cache) this.statements.set(connection, (cache = new Map()))
    let prepared = cache.get(sql)
    if (prepared) {
      cache.delete(sql)
      prepared.clearBindings()
    } else {
      prepared = await prepare(connection, sql, [], {selectOnly: true})
      if (cache.size >= STATEMENTS_PER_CONNECTION) {
        const [oldest, statement] = cache.entries().next().value!
        cache.delete(oldest)
        statement.destroySync()
      }
    }
    cache.set(sql, prepared)
    return prepared
  }

  private forgetStatements(): void {
    for (const cache of this.statements.values()) for (const statement of cache.values()) statement.destroySync()
    this.statements.clear()
  }

  async run(sql: string, params: SqlValue[] = []): Promise<void> {
    await this.exclusive(() => this.runUnqueued(sql, params))
  }

  /** Statements inside `fn` must use the `tx` handle, which bypasses the queue the transaction holds. */
  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      await execute(this.connection, 'BEGIN TRANSACTION', [])
      const tx: Tx = {
        all: (sql, params) => this.allUnqueued(sql, params ?? []),
        run: (sql, params) => this.runUnqueued(sql, params ?? []),
        script: (sql) => runScript(this.connection, sql),
        changes: async (sql, params) => (await execute(this.connection, sql, params ?? [])).rowsChanged,
        describe: (sql) => describe(this.connection, sql),
        connection: this.connection,
      }
      try {
        const result = await fn(tx)
        await execute(this.connection, 'COMMIT', [])
        return result
      } catch (error) {
        await execute(this.connection, 'ROLLBACK', []).catch(() => undefined)
        throw error
      } finally {
        this.writes.n++
      }
    })
  }

  /** Interrupts whatever runs on the write connection. */
  interrupt(): void {
    this.connection.interrupt()
  }

  /** Interrupts every running statement (shutdown); queries stopped this way fail with UNAVAILABLE. */
  interruptAll(): void {
    this.interrupted = true
    this.connection.interrupt()
    for (const reader of this.readers) reader.interrupt()
  }

  /** Whether no statement runs or waits, on the write connection or the read pool. */
  async idle(): Promise<boolean> {
    if (this.idleReaders.length < this.readers.length) return false
    return Promise.race([this.exclusive(async () => true), delay(10).then(() => false)])
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.forgetStatements()
    for (const reader of this.readers) reader.closeSync()
    this.connection.closeSync()
    this.instance.closeSync()
  }

  private async withReader<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.readers.length === 0) return this.exclusive(() => fn(this.connection))
    const connection = this.idleReaders.pop() ?? (await new Promise<DuckDBConnection>((resolve) => this.waitingForReader.push(resolve)))
    try {
      return await fn(connection)
    } finally {
      this.releaseReader(connection)
    }
  }

  private releaseReader(connection: DuckDBConnection): void {
    const next = this.waitingForReader.shift()
    if (next) next(connection)
    else this.idleReaders.push(connection)
  }

  private async allUnqueued<T>(sql: string, params: SqlValue[]): Promise<T[]> {
    const reader = await execute(this.connection, sql, params, {onWrite: this.countWrite})
    return reader.getRowObjectsJson() as T[]
  }

  private async runUnqueued(sql: string, params: SqlValue[]): Promise<void> {
    await execute(this.connection, sql, params, {onWrite: this.countWrite})
  }

  private readonly countWrite = () => {
    this.writes.n++
  }
}

/**
 * The one way a statement runs: prepared, so the text must be exactly one statement (DuckDB
 * refuses to prepare several at once, where `connection.run` would run every statement of a
 * script), then bound and executed. `selectOnly` refuses anything but a SELECT before it runs.
 */
async function execute(connection: DuckDBConnection, sql: string, params: SqlValue[], options: {selectOnly?: boolean; onWrite?: () => void} = {}): Promise<DuckDBResultReader> {
  const prepared = await prepare(connection, sql, params, options)
  try {
    return await prepared.runAndReadAll()
  } finally {
    // also when it failed: a statement may have changed something before it did
    if (options.onWrite && prepared.statementType !== SELECT_STATEMENT) options.onWrite()
    prepared.destroySync()
  }
}

/** Ends a streaming result that was not read to its end (see `Database.stream`): interrupted, then fetched until DuckDB closes it. */
async function releaseStream(connection: DuckDBConnection, result: DuckDBResult): Promise<void> {
  connection.interrupt()
  try {
    while (((await result.fetchChunk())?.rowCount ?? 0) > 0) {
      // an interrupted stream ends at once; this only reads what was already produced
    }
  } catch {
    // interrupted: the stream is closed either way
  }
}

/** `sql` prepared (exactly one statement; with `selectOnly`, a SELECT) and bound; the caller destroys it. */
async function prepare(connection: DuckDBConnection, sql: string, params: SqlValue[], options: {selectOnly?: boolean} = {}): Promise<DuckDBPreparedStatement> {
  let prepared: DuckDBPreparedStatement
  try {
    prepared = await connection.prepare(sql)
  } catch (error) {
    if (/Cannot prepare multiple statements/i.test(String((error as Error)?.message))) {
      throw new CatalogError('BAD_REQUEST', 'refusing to run SQL text that holds more than one statement', {}, {cause: error})
    }
    throw error
  }
  try {
    if (options.selectOnly && prepared.statementType !== SELECT_STATEMENT) {
      throw new CatalogError('BAD_REQUEST', 'refusing to run a statement that is not a SELECT where only a query may run', {})
    }
    if (params.length > 0) prepared.bind(params as DuckDBValue[])
    return prepared
  } catch (error) {
    prepared.destroySync()
    throw error
  }
}

export interface Tx {
  all<T = Row>(sql: string, params?: SqlValue[]): Promise<T[]>
  run(sql: string, params?: SqlValue[]): Promise<void>
  /** Several statements, one prepared statement at a time: only for SQL metricat ships (migrations). */
  script(sql: string): Promise<void>
  /** Runs one statement (prepared, like `run`) and returns how many rows it inserted, updated or deleted. */
  changes(sql: string, params?: SqlValue[]): Promise<number>
  /** The result columns of a SELECT (name and type, a JSON column as `JSON`), from preparing it: nothing runs. */
  describe(sql: string): Promise<{name: string; type: string}[]>
  connection: DuckDBConnection
}

async function describe(connection: DuckDBConnection, sql: string): Promise<{name: string; type: string}[]> {
  const prepared = await prepare(connection, sql, [], {selectOnly: true})
  try {
    const columns: {name: string; type: string}[] = []
    for (let i = 0; i < prepared.columnCount; i++) {
      const type = prepared.columnType(i)
      columns.push({name: prepared.columnName(i), type: type.alias ?? type.toString()})
    }
    return columns
  } finally {
    prepared.destroySync()
  }
}

async function runScript(connection: DuckDBConnection, script: string): Promise<void> {
  const extracted = await connection.extractStatements(script)
  for (let i = 0; i < extracted.count; i++) {
    const prepared = await extracted.prepare(i)
    try {
      await prepared.run()
    } finally {
      prepared.destroySync()
    }
  }
}

let api: typeof import('@duckdb/node-api') | undefined

/**
 * @duckdb/node-api, loaded once: the one-file build of it beside this module when there is one
 * (`npm run build` makes dist/db/duckdb-api.cjs, which loads in half the CPU of the package's ~180
 * files), else the package. Everything that needs its values (types, classes) takes them from here,
 * so a process holds one copy. require(), not import(): importing this CommonJS code from ESM makes
 * Node scan its re-exports for export names first, some 40 ms of every cold command.
 */
export function duckdbApi(): typeof import('@duckdb/node-api') {
  if (!api) {
    const require = createRequire(import.meta.url)
    const bundle = new URL('./duckdb-api.cjs', import.meta.url)
    api = (existsSync(bundle) ? require(fileURLToPath(bundle)) : require('@duckdb/node-api')) as typeof import('@duckdb/node-api')
  }
  return api
}

/** A SQL string literal, for the few statements (ATTACH) that take no parameters. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

function translateOpenError(error: unknown, file: string): Error {
  const message = error instanceof Error ? error.message : String(error)
  const holder = lockHolder(error)
  if (holder) {
    return new CatalogError('DB_LOCKED', `${file} is locked by ${describeHolder(holder)}`, {file, pid: holder.pid, command: holder.command}, {cause: error})
  }
  if (/Permission denied/i.test(message)) {
    return new CatalogError('BAD_REQUEST', `cannot open ${file}: permission denied`, {file}, {cause: error})
  }
  if (/No such file or directory|Cannot open file|cannot open file/i.test(message)) {
    return new CatalogError('BAD_REQUEST', `cannot open ${file}: ${firstLine(message)}`, {file}, {cause: error})
  }
  if (/not a valid DuckDB database|Serialization Error|IO Error/i.test(message)) {
    return new CatalogError('BAD_REQUEST', `cannot open ${file}: ${firstLine(message)}`, {file}, {cause: error})
  }
  return error instanceof Error ? error : new Error(message)
}

/** "process 123 (node bin/run.js import metrics/)", or "another process" when the PID is unknown. */
export function describeHolder(holder: LockHolder): string {
  return holder.pid ? `process ${holder.pid}${holder.command ? ` (${holder.command})` : ''}` : 'another process'
}

/** The holder of a conflicting file lock, when `error` is DuckDB's lock error; undefined otherwise. */
function lockHolder(error: unknown): LockHolder | undefined {
  const message = error instanceof Error ? error.message : String(error)
  if (!/Could not set lock on file/i.test(message)) return undefined
  const pid = Number(/PID (\d+)/.exec(message)?.[1]) || undefined
  return {pid, command: pid ? commandOf(pid) : undefined}
}

function commandOf(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').replace(/\s+/g, ' ')
    return text.length > 120 ? `${text.slice(0, 119)}…` : text || undefined
  } catch {
    return undefined
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export function firstLine(message: string): string {
  return message.split('\n')[0]!.trim()
}
