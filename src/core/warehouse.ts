import {existsSync} from 'node:fs'
import path from 'node:path'

import type {Located} from '../catalog/semantic.js'
import {dimensionName, type MetricDefinition} from '../catalog/types.js'
import {firstLine, type Tx} from '../db/connection.js'
import {recordChanges, tableScope} from '../db/data-versions.js'
import {CatalogError, type ValidationDetail, noSuchPath} from '../errors.js'
import {compileBindCheck, metricKind, sourceSql} from '../query/index.js'
import {dialectFor} from '../query/dialect.js'
import {quoteIdent} from '../query/quote.js'
import type {Catalog} from './catalog.js'
import type {Warehouse} from '../warehouse/types.js'

export const LOAD_FORMATS = ['csv', 'parquet', 'json', 'ndjson'] as const
export type LoadFormat = (typeof LOAD_FORMATS)[number]

// DuckDB's own readers; the file path is a bound parameter.
const READER: Record<LoadFormat, string> = {
  csv: 'read_csv($1)',
  parquet: 'read_parquet($1)',
  json: 'read_json($1)',
  ndjson: "read_json($1, format = 'newline_delimited')",
}

const EXTENSIONS: Record<string, LoadFormat> = {
  '.csv': 'csv', '.tsv': 'csv', '.txt': 'csv', '.parquet': 'parquet', '.json': 'json', '.ndjson': 'ndjson', '.jsonl': 'ndjson',
}

export interface LoadResult {
  table: string
  file: string
  format: LoadFormat
  rows: number
  mode: 'created' | 'replaced' | 'appended'
}

/**
 * Loads a CSV, Parquet, JSON or NDJSON file into table `main.<table>` of the metricat file, in
 * one transaction: creates the table, appends by column name when it exists, or replaces it.
 */
export async function loadTable(catalog: Catalog, table: string, file: string, options: {replace?: boolean; format?: LoadFormat} = {}): Promise<LoadResult> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) {
    throw new CatalogError('BAD_REQUEST', `bad table name "${table}"; expected letters, digits and _ (not starting with a digit)`, {table})
  }
  if (!existsSync(file)) throw noSuchPath(file, {file})
  const format = options.format ?? EXTENSIONS[path.extname(file).toLowerCase()]
  if (!format) {
    throw new CatalogError('BAD_REQUEST', `cannot tell the format of ${file} from its extension; pass --format ${LOAD_FORMATS.join('|')}`, {file})
  }
  const target = `mc.main.${quoteIdent(table)}`
  const abs = path.resolve(file)
  try {
    return await catalog.db.transaction(async (tx) => {
      const [{n: exists}] = await tx.all<{n: number}>(
        `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE database_name = 'mc' AND schema_name = 'main' AND table_name = $1`,
        [table],
      )
      const append = exists > 0 && !options.replace
      const mode: LoadResult['mode'] = append ? 'appended' : exists ? 'replaced' : 'created'
      let rows: number
      if (append) {
        // Staged first, so the time range of the appended rows is known: a rollup over this table
        // then refreshes only the periods those rows fall in (data_changes).
        const staged = `temp.main.${quoteIdent(`load_${process.pid}_${Date.now()}`)}`
        await tx.run(`CREATE TEMP TABLE ${staged.slice('temp.main.'.length)} AS SELECT * FROM ${READER[format]}`, [abs])
        try {
          const [written] = await tx.all<{Count: string}>(`INSERT INTO ${target} BY NAME SELECT * FROM ${staged}`)
          rows = Number(written?.Count ?? 0)
          await recordChanges(tx, [{scope: tableScope(table)!, kind: 'append', ranges: await timeRanges(tx, staged)}])
        } finally {
          await tx.run(`DROP TABLE IF EXISTS ${staged}`)
        }
      } else {
        // Both statements answer with the number of rows written, as a one-row "Count" result.
        const [written] = await tx.all<{Count: string}>(`CREATE OR REPLACE TABLE ${target} AS SELECT * FROM ${READER[format]}`, [abs])
        rows = Number(written?.Count ?? 0)
        await recordChanges(tx, [{scope: tableScope(table)!, kind: 'replace'}])
      }
      return {table, file: abs, format, rows, mode}
    })
  } catch (error) {
    if (error instanceof CatalogError) throw error
    throw new CatalogError('BAD_REQUEST', `cannot load ${file} as ${format}: ${firstLine(String((error as Error).message ?? error))}`, {file, format}, {cause: error})
  }
}

/** min and max of every DATE and TIMESTAMP column of `relation` (one scan), as logged change ranges. */
async function timeRanges(tx: Tx, relation: string): Promise<{column: string; lo: string | null; hi: string | null}[]> {
  const cols = (await tx.all<{column_name: string; column_type: string}>(`DESCRIBE ${relation}`)).filter((c) => /^(DATE|TIMESTAMP)/.test(c.column_type))
  if (cols.length === 0) return []
  const text = (c: string) => `strftime(CAST(${c} AS TIMESTAMP), '%Y-%m-%d %H:%M:%S.%f')`
  const select = cols.flatMap((c, i) => [`${text(`min(${quoteIdent(c.column_name)})`)} AS lo${i}`, `${text(`max(${quoteIdent(c.column_name)})`)} AS hi${i}`])
  const [row] = await tx.all<Record<string, string | null>>(`SELECT ${select.join(', ')} FROM ${relation}`)
  return cols.map((c, i) => ({column: c.column_name, lo: row![`lo${i}`] ?? null, hi: row![`hi${i}`] ?? null}))
}

/**
 * Binds every metric against the warehouse it runs on (the DuckDB file, or ClickHouse with
 * `--warehouse clickhouse://...`) without reading data (LIMIT 0): its table, the
 * compiled default query (expression, filters, time column), each dimension, `sql` and each
 * variant. Problems name the metric, and its file and line when known.
 */
export async function checkWarehouse(catalog: Catalog, metrics: Located[], pool: Located[] = metrics, options: {importing?: boolean} = {}): Promise<ValidationDetail[]> {
  const problems: ValidationDetail[] = []
  // references (ratio, derived) resolve in `pool`: the checked metrics plus the stored ones
  const byId = new Map(pool.map((m) => [m.definition.id, m.definition]))
  const lookup = (id: string) => byId.get(id) ?? pool.find((m) => m.definition.aliases?.includes(id))?.definition
  const compileOptions = await catalog.compileOptions(pool.map((m) => m.definition))
  // whether a table can be read, per warehouse and source SQL: asked once per check, not once per
  // metric (an import of 1,000 metrics over a few tables)
  const readable = new Map<Warehouse, Map<string, Promise<boolean>>>()
  const canRead = (warehouse: Warehouse, sql: string): Promise<boolean> => {
    let known = readable.get(warehouse)
    if (!known) readable.set(warehouse, (known = new Map()))
    let answer = known.get(sql)
    if (!answer) known.set(sql, (answer = warehouse.query(sql).then(() => true, () => false)))
    return answer
  }
  for (const m of metrics) {
    const def = m.definition
    // where the metric runs (the warehouse; the DuckDB file for points metrics), in its dialect
    const engine = catalog.engineFor(def, lookup)
    const dialectOptions = {...compileOptions, dialect: engine.dialect, pointsTable: engine.pointsTable}
    const report = (what: string, error: unknown) =>
      problems.push({file: m.file, line: m.line, column: m.column, metric: def.id, message: `${def.id}: ${what}: ${firstLine(error instanceof Error ? error.message : String(error))}`})
    const bind = async (what: string, sql: string, params: unknown[] = []) => {
      try {
        await engine.warehouse.query(`SELECT * FROM (${sql.trim().replace(/;\s*$/, '')}) AS q LIMIT 0`, params as never[])
        return true
      } catch (error) {
        report(what, error)
        return false
      }
    }
    if (options.importing) {
      // An import refuses an expression that cannot bind, but only where its table exists: the
      // warehouse may be loaded after the catalog.
      if (!def.table_name || !isComputed(def)) continue
      if (!(await canRead(engine.warehouse, `SELECT * FROM ${sourceSql(def.table_name, dialectFor(engine.dialect))} LIMIT 0`))) continue
    } else {
      if (def.table_name && !(await bind(`table ${def.table_name}`, `SELECT * FROM ${sourceSql(def.table_name, dialectFor(engine.dialect))}`))) continue
      if (def.sql && (await bind('sql', def.sql)) && def.expression && isSqlComputed(def)) {
        await bind('expression over the columns of sql', `SELECT (${def.expression}) AS value FROM (${def.sql.trim().replace(/;\s*$/, '')}) AS q`)
      }
      for (const [name, sql] of Object.entries(def.sql_variants ?? {})) await bind(`sql_by_${name}`, sql)
    }
    if (!isComputed(def)) continue
    let compiled
    try {
      compiled = compileBindCheck({metric: def.id}, lookup, dialectOptions)
    } catch (error) {
      report('cannot compile', error)
      continue
    }
    if (!(await bind('expression, filters and time_column', compiled.sql, compiled.params))) continue
    if (options.importing) continue
    for (const d of def.dimensions ?? []) {
      const name = dimensionName(d)
      try {
        const q = compileBindCheck({metric: def.id, by: [name]}, lookup, dialectOptions)
        await bind(`dimension ${name}`, q.sql, q.params)
      } catch (error) {
        report(`dimension ${name}`, error)
      }
    }
  }
  return problems
}

/** A ratio computed by running its sql (no numerator/denominator): `expression` reads the sql's columns. */
function isSqlComputed(def: MetricDefinition): boolean {
  try {
    return metricKind(def) === 'sql'
  } catch {
    return false
  }
}

function isComputed(def: MetricDefinition): boolean {
  try {
    return ['aggregate', 'ratio', 'derived'].includes(metricKind(def))
  } catch {
    return false
  }
}
