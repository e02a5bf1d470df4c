import type {Row, SqlValue} from '../db/connection.js'
import type {DialectName} from '../query/dialect.js'

/** A column of a warehouse table, as `tables --columns` and the table map show it. */
export interface PhysicalColumn {
  database_name: string
  /** `main` for the tables metric SQL names without a schema */
  schema_name: string
  table_name: string
  column_name: string
  data_type: string
}

/**
 * Where metric queries run: the engine behind `--warehouse`. The catalog (definitions, versions,
 * points, rollups) always stays in the DuckDB file; a warehouse only runs SQL and describes its
 * tables. `DuckDbWarehouse` is the metricat file itself (with an attached `--warehouse` file);
 * `ClickHouseWarehouse` is a `clickhouse://` URL.
 */
export interface Warehouse {
  /** the SQL dialect the compiler renders for it */
  readonly dialect: DialectName
  /** what to call it in messages: `the DuckDB file`, `ClickHouse at host:port/db` */
  readonly label: string
  /** rows of one read-only statement, all in memory (`params` only where the dialect binds them) */
  query(sql: string, params?: SqlValue[]): Promise<{columns: string[]; rows: Row[]}>
  /** rows chunk by chunk; `onStart` gets the column names first (see Database.stream) */
  stream(
    sql: string,
    params: SqlValue[],
    onRows: (rows: Row[]) => void | Promise<void>,
    onStart?: (columns: string[]) => void | Promise<void>,
    options?: {materialize?: boolean},
  ): Promise<string[]>
  /** the columns of a query's result without reading data: name and type, in order */
  describe(sql: string, params?: SqlValue[]): Promise<{name: string; type: string}[]>
  /** every table of the warehouse with its columns, tables in name order, columns in table order */
  columns(): Promise<PhysicalColumn[]>
  /** stop a query running longer than `ms` with QUERY_TIMEOUT (the server's --query-timeout); undefined: no limit */
  setQueryTimeout?(ms: number | undefined): void
  close(): void
}
