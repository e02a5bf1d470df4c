import type {Database, Row, SqlValue} from '../db/connection.js'
import type {PhysicalColumn, Warehouse} from './types.js'

/** The metricat file as the warehouse: its `main` schema and an attached `--warehouse` DuckDB file. */
export class DuckDbWarehouse implements Warehouse {
  readonly dialect = 'duckdb' as const
  readonly label = 'the DuckDB warehouse'

  constructor(private readonly db: Database) {}

  query(sql: string, params: SqlValue[] = []): Promise<{columns: string[]; rows: Row[]}> {
    return this.db.query(sql, params)
  }

  stream(sql: string, params: SqlValue[], onRows: (rows: Row[]) => void | Promise<void>, onStart?: (columns: string[]) => void | Promise<void>, options?: {materialize?: boolean}): Promise<string[]> {
    return this.db.stream(sql, params, onRows, onStart, options)
  }

  async describe(sql: string, params: SqlValue[] = []): Promise<{name: string; type: string}[]> {
    const rows = await this.db.all<{column_name: string; column_type: string}>(`DESCRIBE ${sql}`, params)
    return rows.map((r) => ({name: r.column_name, type: r.column_type}))
  }

  columns(): Promise<PhysicalColumn[]> {
    // The metricat file is attached as `mc`; its own bookkeeping lives in schema `metricat`.
    return this.db.all<PhysicalColumn>(
      `SELECT database_name, schema_name, table_name, column_name, data_type
       FROM duckdb_columns()
       WHERE NOT internal AND (database_name = 'warehouse' OR (database_name = 'mc' AND schema_name = 'main'))
       ORDER BY database_name = 'mc', database_name, schema_name, table_name, column_index`,
    )
  }

  setQueryTimeout(ms: number | undefined): void {
    this.db.setQueryTimeout(ms)
  }

  close(): void {
    // the Database belongs to the catalog, which closes it
  }
}
