import type {DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement, DuckDBResultReader, DuckDBValue} from '@duckdb/node-api'
import {createRequire} from 'node:module'
import path from 'node:path'

import {CatalogError} from '../errors.js'

/** Alias of the metricat file inside DuckDB; catalog tables are `mc.metricat.<table>`. */
export const STORE = 'mc'

// DuckDB's StatementType.SELECT (the enum is not imported: see `Database.open` on require()).
const SELECT_STATEMENT = 1

// BIGINT, UBIGINT, HUGEINT, UHUGEINT, DECIMAL (DuckDBTypeId values)
const NUMERIC_AS_TEXT = new Set([5, 9, 16, 32, 19])

export type SqlValue = string | number | boolean | null | bigint
export type Row = Record<string, unknown>

/**
 * One DuckDB file, one instance per process (two instances on one file corrupt it), and one
 * connection through which every statement runs in order. DuckDB serialises statements on a
 * connection anyway; the queue keeps a transaction's statements from interleaving with others.
 */
export class Database {
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false

  private constructor(
    readonly file: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  /**
   * ATTACH another DuckDB file read-only and put it first on the search path, so unqualified
   * table names in metric SQL resolve there. Catalog tables stay reachable as `metricat.*`.
   */
  async attachWarehouse(file: string): Promise<void> {
    const wh = path.resolve(file)
    try {
      await this.run(`ATTACH ${quoteLiteral(wh)} AS warehouse (READ_ONLY)`)
      await this.run(`SET search_path = 'warehouse.main,${STORE}.main'`)
    } catch (error) {
      throw translateOpenError(error, wh)
    }
  }

  static async open(file: string): Promise<Database> {
    // require(), not import(): importing this CommonJS package from ESM makes Node scan each of
    // its re-exported files for export names first, some 40 ms of every cold command.
    const {DuckDBInstance} = createRequire(import.meta.url)('@duckdb/node-api') as typeof import('@duckdb/node-api')
    const abs = file === ':memory:' ? file : path.resolve(file)
    // The file is attached under a fixed alias rather than opened as the main database: DuckDB
    // names the main database after the file, and a file called metricat.duckdb would make
    // `metricat.<table>` ambiguous between that database and the catalog schema.
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    try {
      await execute(connection, `ATTACH ${quoteLiteral(abs)} AS ${STORE}`, [])
      await execute(connection, `USE ${STORE}`, [])
    } catch (error) {
      connection.closeSync()
      instance.closeSync()
      throw translateOpenError(error, abs)
    }
    return new Database(abs, instance, connection)
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
    const next = this.queue.then(fn, fn)
    this.queue = next.catch(() => undefined)
    return next
  }

  async all<T = Row>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    return this.exclusive(() => this.allUnqueued<T>(sql, params))
  }

  /**
   * Runs one read-only statement (a SELECT, which DuckDB checks once it has parsed it: anything
   * else is refused before it runs) and returns its rows as JSON-ready objects with column names. 64-bit integers and decimals come back as
   * numbers (DuckDB's JSON conversion gives strings for them, which no caller wants), dates
   * as `YYYY-MM-DD`, timestamps as ISO text.
   */
  async query(sql: string, params: SqlValue[] = []): Promise<{columns: string[]; rows: Row[]}> {
    return this.exclusive(async () => {
      const reader = await execute(this.connection, sql, params, {selectOnly: true})
      const columns = reader.columnNames()
      const numeric = reader.columnTypes().map((t) => NUMERIC_AS_TEXT.has(t.typeId))
      const rows = reader.getRowObjectsJson() as Row[]
      if (numeric.some(Boolean)) {
        for (const row of rows) {
          columns.forEach((c, i) => {
            if (numeric[i] && row[c] !== null) row[c] = Number(row[c])
          })
        }
      }
      return {columns, rows}
    })
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
        connection: this.connection,
      }
      try {
        const result = await fn(tx)
        await execute(this.connection, 'COMMIT', [])
        return result
      } catch (error) {
        await execute(this.connection, 'ROLLBACK', []).catch(() => undefined)
        throw error
      }
    })
  }

  interrupt(): void {
    this.connection.interrupt()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.connection.closeSync()
    this.instance.closeSync()
  }

  private async allUnqueued<T>(sql: string, params: SqlValue[]): Promise<T[]> {
    const reader = await execute(this.connection, sql, params)
    return reader.getRowObjectsJson() as T[]
  }

  private async runUnqueued(sql: string, params: SqlValue[]): Promise<void> {
    await execute(this.connection, sql, params)
  }
}

/**
 * The one way a statement runs: prepared, so the text must be exactly one statement (DuckDB
 * refuses to prepare several at once, where `connection.run` would run every statement of a
 * script), then bound and executed. `selectOnly` refuses anything but a SELECT before it runs.
 */
async function execute(connection: DuckDBConnection, sql: string, params: SqlValue[], options: {selectOnly?: boolean} = {}): Promise<DuckDBResultReader> {
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
    return await prepared.runAndReadAll()
  } finally {
    prepared.destroySync()
  }
}

export interface Tx {
  all<T = Row>(sql: string, params?: SqlValue[]): Promise<T[]>
  run(sql: string, params?: SqlValue[]): Promise<void>
  /** Several statements, one prepared statement at a time: only for SQL metricat ships (migrations). */
  script(sql: string): Promise<void>
  /** Runs one statement (prepared, like `run`) and returns how many rows it inserted, updated or deleted. */
  changes(sql: string, params?: SqlValue[]): Promise<number>
  connection: DuckDBConnection
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

/** A SQL string literal, for the few statements (ATTACH) that take no parameters. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

function translateOpenError(error: unknown, file: string): Error {
  const message = error instanceof Error ? error.message : String(error)
  if (/Could not set lock on file/i.test(message)) {
    const pid = /PID (\d+)/.exec(message)?.[1]
    return new CatalogError(
      'DB_LOCKED',
      `${file} is locked by another process${pid ? ` (PID ${pid})` : ''}; stop it, or send the command through the running server with --server URL.`,
      {file, pid: pid ? Number(pid) : undefined},
      {cause: error},
    )
  }
  if (/No such file or directory|Cannot open file|cannot open file/i.test(message)) {
    return new CatalogError('BAD_REQUEST', `cannot open ${file}: ${firstLine(message)}`, {file}, {cause: error})
  }
  if (/not a valid DuckDB database|Serialization Error|IO Error/i.test(message)) {
    return new CatalogError('BAD_REQUEST', `cannot open ${file}: ${firstLine(message)}`, {file}, {cause: error})
  }
  return error instanceof Error ? error : new Error(message)
}

export function firstLine(message: string): string {
  return message.split('\n')[0]!.trim()
}
