import {dimensionName, type MetricDefinition} from '../catalog/types.js'
import {dialectFor} from '../query/dialect.js'
import {parenthesize} from '../query/quote.js'
import type {CompiledQuery} from '../query/types.js'
import type {Warehouse} from '../warehouse/types.js'

export interface SqlColumn {
  name: string
  /** DuckDB type name, e.g. DATE, TIMESTAMP, DOUBLE, DECIMAL(18,2), VARCHAR */
  type: string
}

/** Which column of a SQL metric's result becomes `period`, and what becomes `value`. */
export interface SqlShape {
  period?: string
  value?: {column: string} | {expression: string}
}

// DuckDB type names, and ClickHouse's (Date, DateTime, UInt64, Float64, Decimal(...), Nullable(...))
const TIME_TYPE = /^(Nullable\()?(DATE|TIMESTAMP)/i
const NUMERIC_TYPE = /^(Nullable\()?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL|U?INT\d+)/i

/**
 * The result-shape rule for metrics computed by running their SQL (a `sql` metric, a variant, or
 * a ratio with `sql` and no numerator/denominator), so that `month, mrr` reads as `period, value`:
 *
 * - `period`: the column named `period`, else the first column of type DATE or TIMESTAMP.
 * - `value`: the column named `value`; else the column named as the metric (`mrr` for revenue/mrr);
 *   else, when the metric has an `expression`, that expression over the SQL's columns
 *   (`churned_mrr / beginning_mrr * 100`); else the one numeric column that is neither the period
 *   nor a declared dimension. Several candidates and no rule to choose: no `value` (the result
 *   keeps its own column names rather than a guessed number).
 * - every other column stays, in its order, between `period` and `value` (dimensions).
 */
export function chooseSqlShape(def: MetricDefinition, columns: SqlColumn[], options: {useExpression: boolean}): SqlShape {
  const shape: SqlShape = {}
  const named = (name: string) => columns.find((c) => c.name.toLowerCase() === name.toLowerCase())
  shape.period = (named('period') ?? columns.find((c) => TIME_TYPE.test(c.type)))?.name
  const byName = named('value') ?? named(def.name)
  if (byName && byName.name !== shape.period) shape.value = {column: byName.name}
  else if (options.useExpression && def.expression?.trim()) shape.value = {expression: def.expression.trim()}
  else {
    const dims = new Set((def.dimensions ?? []).map((d) => dimensionName(d).toLowerCase()))
    const numeric = columns.filter((c) => c.name !== shape.period && NUMERIC_TYPE.test(c.type) && !dims.has(c.name.toLowerCase()))
    if (numeric.length === 1) shape.value = {column: numeric[0]!.name}
  }
  return shape
}

/**
 * A SQL metric's compiled query, wrapped so its result has the standard shape (see
 * `chooseSqlShape`): `period` (a DATE), the other columns, `value` (a DOUBLE). Unchanged when the
 * SQL already returns `period` and `value`, or when its columns cannot be read without running it
 * (the query then reports its own error).
 *
 * With `limit` (`compiled` then being the SQL without it): the latest `limit` periods, every row of
 * each, sorted by period, as `--limit` keeps on any metric; a result without a period column, or
 * one whose columns cannot be read, keeps its first `limit` rows.
 */
export async function shapeSqlQuery(
  warehouse: Warehouse,
  def: MetricDefinition,
  compiled: CompiledQuery,
  options: {useExpression: boolean; limit?: number},
): Promise<CompiledQuery> {
  let columns: SqlColumn[]
  const quoteIdent = dialectFor(warehouse.dialect).quoteIdent
  try {
    columns = await warehouse.describe(compiled.sql, compiled.params)
  } catch {
    return options.limit === undefined ? compiled : latestPeriods(compiled, undefined, options.limit, warehouse.dialect, quoteIdent)
  }
  const shape = chooseSqlShape(def, columns, options)
  const shaped = shapeColumns(compiled, columns, shape, quoteIdent)
  if (options.limit === undefined) return shaped
  // the shaped result's columns: those the shape wrote, or the SQL's own when it kept them
  const names = shaped.columns.length > 0 ? shaped.columns : columns.map((c) => c.name)
  return latestPeriods(shaped, shape.period === undefined ? undefined : names, options.limit, warehouse.dialect, quoteIdent)
}

/** `compiled` with its columns renamed and cast to the standard shape (see `shapeSqlQuery`). */
function shapeColumns(compiled: CompiledQuery, columns: SqlColumn[], shape: SqlShape, quoteIdent: (name: string) => string): CompiledQuery {
  const periodOk = shape.period === undefined || (shape.period === 'period' && /^(DATE|Nullable\(Date\))$/i.test(columns.find((c) => c.name === 'period')!.type))
  const valueOk = shape.value === undefined || ('column' in shape.value && shape.value.column === 'value')
  if (periodOk && valueOk) return compiled
  const select: string[] = []
  const out: string[] = []
  if (shape.period !== undefined) {
    select.push(`CAST(q.${quoteIdent(shape.period)} AS DATE) AS period`)
    out.push('period')
  }
  const valueColumn = shape.value && 'column' in shape.value ? shape.value.column : undefined
  for (const c of columns) {
    if (c.name === shape.period || c.name === valueColumn) continue
    // a column named like a standard one would collide with it; the standard one wins
    if ((c.name === 'period' && shape.period !== undefined) || (c.name === 'value' && shape.value !== undefined)) continue
    select.push(`q.${quoteIdent(c.name)}`)
    out.push(c.name)
  }
  if (shape.value !== undefined) {
    // the expression is reviewed definition SQL over the query's columns, like any metric expression
    select.push(`CAST(${'column' in shape.value ? `q.${quoteIdent(shape.value.column)}` : parenthesize(shape.value.expression)} AS DOUBLE) AS value`)
    out.push('value')
  }
  return {...compiled, sql: `SELECT ${select.join(', ')}\nFROM (\n${compiled.sql}\n) AS q`, columns: out}
}

/**
 * The latest `rows` periods of a shaped result with a `period` column among its `columns`, every row
 * of each, sorted by period and then by its other columns; or, without a period (no `columns`), its
 * first `rows` rows.
 * A row whose period is NULL is in no period and is not kept. `rows` was checked by the compiler (a
 * whole number from 1 to its maximum), so it is written as a literal, as the compiler writes LIMIT.
 */
function latestPeriods(shaped: CompiledQuery, columns: string[] | undefined, rows: number, dialect: Warehouse['dialect'], quoteIdent: (name: string) => string): CompiledQuery {
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`bad limit reached the SQL shape: ${rows}`)
  if (columns === undefined) return {...shaped, sql: `SELECT * FROM (\n${shaped.sql}\n) AS q\nLIMIT ${rows}`}
  const order = ['period', ...columns.filter((c) => c !== 'period')].map((c) => `s.${quoteIdent(c)}`).join(', ')
  // ClickHouse has no window functions before 21.x (the server the tests run is 18.16): the cut
  // is the earliest of the latest periods, from the same SQL read again
  const keep =
    dialect === 'clickhouse'
      ? `WHERE s.period >= (SELECT min(p) FROM (SELECT DISTINCT period AS p FROM (\n${shaped.sql}\n) AS t WHERE period IS NOT NULL ORDER BY p DESC LIMIT ${rows}))`
      : `WHERE s.period IS NOT NULL\nQUALIFY dense_rank() OVER (ORDER BY s.period DESC) <= ${rows}`
  return {...shaped, sql: `SELECT * FROM (\n${shaped.sql}\n) AS s\n${keep}\nORDER BY ${order}`}
}
