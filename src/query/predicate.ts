import type {DialectName} from './dialect.js'
import type {FilterOp, FilterScalar} from './types.js'

/** Collects bound values; `add` returns the placeholder (`$n`). Render in text order so $n ascend. */
export interface ParamSink {
  add(value: FilterScalar): string
}

/** A request filter on one dimension's SQL. `text`: the dimension is text (a point's JSON dimension), so values compare as text. */
export interface Predicate {
  /** SQL for the dimension (reviewed text, a quoted column, or `json_extract_string(...)`) */
  sql: string
  op: FilterOp
  value?: FilterScalar | FilterScalar[]
  text?: boolean
}

/**
 * The one filter -> SQL function (metric queries and points queries): values are bound, never
 * inlined. `!=` and `not_in` keep rows whose dimension is NULL, as analysts expect. On a text
 * dimension a value is compared as its text, and `> >= < <=` with a number compare the text as a
 * number (TRY_CAST: text that is no number matches nothing; the number goes in as text, since a
 * bound integer past int64 would not bind).
 */
export function renderPredicate(p: Predicate, params: ParamSink, dialect: DialectName = 'duckdb'): string {
  const d = p.sql
  if (dialect === 'clickhouse') return renderClickHousePredicate(p, params)
  const bind = (v: FilterScalar): string => params.add(p.text && typeof v !== 'string' ? String(v) : v)
  const one = (): string => bind(p.value as FilterScalar)
  const list = (): string => (p.value as FilterScalar[]).map(bind).join(', ')
  const ordered = (op: string): string => (p.text && typeof p.value === 'number' ? `TRY_CAST(${d} AS DOUBLE) ${op} CAST(${one()} AS DOUBLE)` : `${d} ${op} ${one()}`)
  switch (p.op) {
    case '=':
      return `${d} = ${one()}`
    case '!=':
      return `${d} IS DISTINCT FROM ${one()}`
    case '>':
      return ordered('>')
    case '>=':
      return ordered('>=')
    case '<':
      return ordered('<')
    case '<=':
      return ordered('<=')
    case 'in':
      return `${d} IN (${list()})`
    case 'not_in':
      return `(${d} NOT IN (${list()}) OR ${d} IS NULL)`
    case 'contains':
      return p.text ? `contains(${d}, ${one()})` : `contains(CAST(${d} AS VARCHAR), ${one()})`
    case 'is_null':
      return `${d} IS NULL`
    case 'not_null':
      return `${d} IS NOT NULL`
  }
}

/**
 * The same filter on ClickHouse, where `params` inlines each value (18.16 has no bound
 * parameters and no IS DISTINCT FROM). On a text dimension (a point's dimension on a ClickHouse
 * points store) values compare as their text and `> >= < <=` with a number compare the text as a
 * number (toFloat64OrNull: text that is no number matches nothing), as on DuckDB.
 */
function renderClickHousePredicate(p: Predicate, params: ParamSink): string {
  const d = p.sql
  const bind = (v: FilterScalar): string => params.add(p.text && typeof v !== 'string' ? String(v) : v)
  const one = (): string => bind(p.value as FilterScalar)
  const list = (): string => (p.value as FilterScalar[]).map(bind).join(', ')
  const ordered = (op: string): string =>
    p.text && typeof p.value === 'number' ? `toFloat64OrNull(${d}) ${op} toFloat64(${params.add(p.value)})` : `${d} ${op} ${one()}`
  switch (p.op) {
    case '=':
      return `${d} = ${one()}`
    case '!=':
      return `(${d} != ${one()} OR ${d} IS NULL)`
    case '>':
      return ordered('>')
    case '>=':
      return ordered('>=')
    case '<':
      return ordered('<')
    case '<=':
      return ordered('<=')
    case 'in':
      return `${d} IN (${list()})`
    case 'not_in':
      return `(${d} NOT IN (${list()}) OR ${d} IS NULL)`
    case 'contains':
      return p.text ? `position(${d}, ${one()}) > 0` : `position(toString(${d}), ${one()}) > 0`
    case 'is_null':
      return `${d} IS NULL`
    case 'not_null':
      return `${d} IS NOT NULL`
  }
}
