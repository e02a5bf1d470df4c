// The differential suite on chdb (current ClickHouse, in-process): the compiled ClickHouse SQL must
// run on current releases as on 18.16. chdb is not a dependency (see README "The test cluster"):
// this file skips with one line unless it is installed (npm install --no-save chdb, or METRICAT_CHDB).
import {Catalog} from '../../src/core/catalog.js'
import {Database} from '../../src/db/connection.js'
import type {Row} from '../../src/db/connection.js'
import {clickhouseMessage} from '../../src/warehouse/clickhouse.js'
import type {PhysicalColumn, Warehouse} from '../../src/warehouse/types.js'
import {sharedDemo} from '../helpers.js'
import {type ChdbTarget, chdbAvailable, startChdb} from './cluster.js'
import {differentialSuite} from './differential-suite.js'

const skip = chdbAvailable()
if (skip) console.warn(skip)

/** A chdb session as metricat's warehouse: what ClickHouseWarehouse does over HTTP, in-process. */
class ChdbWarehouse implements Warehouse {
  readonly dialect = 'clickhouse' as const
  readonly label = 'ClickHouse (chdb)'

  constructor(private readonly target: ChdbTarget) {}

  async query(sql: string): Promise<{columns: string[]; rows: Row[]}> {
    let rows: Row[]
    try {
      rows = await this.target.query<Row>(`${sql}\nSETTINGS output_format_json_quote_64bit_integers = 0`)
    } catch (error) {
      throw new Error(clickhouseMessage(error), {cause: error})
    }
    // JSONEachRow names no columns when there are no rows: ask DESCRIBE (current releases take a query)
    const columns = rows.length > 0 ? Object.keys(rows[0]!) : (await this.target.query<{name: string}>(`DESCRIBE (${sql})`)).map((c) => c.name)
    return {columns, rows}
  }

  async stream(sql: string, _params: unknown[], onRows: (rows: Row[]) => void | Promise<void>, onStart?: (columns: string[]) => void | Promise<void>): Promise<string[]> {
    const {columns, rows} = await this.query(sql)
    await onStart?.(columns)
    if (rows.length > 0) await onRows(rows)
    return columns
  }

  async describe(sql: string): Promise<{name: string; type: string}[]> {
    return this.target.query<{name: string; type: string}>(`DESCRIBE (${sql})`)
  }

  async columns(): Promise<PhysicalColumn[]> {
    const rows = (await this.query('SELECT table, name, type FROM system.columns WHERE database = currentDatabase() ORDER BY table, position')).rows as {table: string; name: string; type: string}[]
    return rows.map((r) => ({database_name: this.target.database, schema_name: 'main', table_name: r.table, column_name: r.name, data_type: r.type}))
  }

  close(): void {}
}

let target: Promise<ChdbTarget> | undefined

differentialSuite('DuckDB and chdb (current ClickHouse) agree', skip, async (file) => {
  target ??= sharedDemo().then(({db}) => startChdb({duckdb: db, database: 'demo'}))
  const db = await Database.open(file)
  return new Catalog(db, new ChdbWarehouse(await target))
})
