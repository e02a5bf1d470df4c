import type {Database} from '../db/connection.js'

interface SqlNode {
  class?: string
  function_name?: string
  [key: string]: unknown
}

// The aggregate function names of this DuckDB build (count(*) parses as count_star), read once per database.
const aggregateNames = new WeakMap<Database, Promise<Set<string>>>()

function namesOf(db: Database): Promise<Set<string>> {
  let names = aggregateNames.get(db)
  if (!names) {
    names = db
      .all<{name: string}>(`SELECT DISTINCT lower(function_name) AS name FROM duckdb_functions() WHERE function_type = 'aggregate'`)
      .then((rows) => new Set(rows.map((r) => r.name)))
    aggregateNames.set(db, names)
  }
  return names
}

/**
 * Aggregate functions of every DuckDB build (a test checks each is one in the build installed):
 * an expression calling one of them is an aggregate without reading the function catalog, which
 * costs 20-50 ms of CPU in a cold process. Any other function name is looked up there.
 */
export const CORE_AGGREGATES: ReadonlySet<string> = new Set([
  'sum', 'count', 'count_star', 'avg', 'mean', 'min', 'max', 'median', 'fsum', 'favg', 'sumkahan', 'kahan_sum',
  'any_value', 'first', 'last', 'arbitrary', 'string_agg', 'group_concat', 'list', 'array_agg', 'bool_and', 'bool_or',
  'approx_count_distinct', 'approx_quantile', 'stddev', 'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop',
  'quantile', 'quantile_cont', 'quantile_disc', 'mode', 'arg_max', 'arg_min', 'argmax', 'argmin', 'max_by', 'min_by', 'product',
])

/** Scalar functions of every DuckDB build (tested as above): calling only these (and operators) is no aggregate. */
export const CORE_SCALARS: ReadonlySet<string> = new Set([
  'nullif', 'round', 'abs', 'floor', 'ceil', 'greatest', 'least', 'lower', 'upper', 'trim', 'concat',
  'length', 'date_trunc', 'date_part', 'datediff', 'date_diff', 'epoch', 'epoch_ms', 'year', 'month', 'day', 'strftime',
  'to_timestamp', 'contains', 'starts_with', 'regexp_matches', 'hash', 'ln', 'log', 'exp', 'sqrt', 'power', 'sign',
])

/** An operator (`+`, `*`, `||`, `~~`, ...) parses as a function named by its symbol; none aggregates. */
const isOperator = (name: string) => !/^[a-z_]/.test(name)

/**
 * The function names an expression calls outside any subquery and window: `SUM(x) * 12`,
 * `COUNT(DISTINCT id)` and `SUM(CASE ... END)` call sum, count; `sum(x) OVER ()` and
 * `(SELECT max(y) FROM t)` call nothing that aggregates the expression's rows.
 */
function calledFunctions(node: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(node)) {
    for (const n of node) calledFunctions(n, into)
    return into
  }
  if (node === null || typeof node !== 'object') return into
  const n = node as SqlNode
  if (n.class === 'SUBQUERY' || n.class === 'WINDOW') return into
  if (n.class === 'FUNCTION' && typeof n.function_name === 'string') into.add(n.function_name.toLowerCase())
  for (const v of Object.values(n)) calledFunctions(v, into)
  return into
}

/**
 * Of `expressions`, those that already are aggregates, decided by DuckDB's own parser
 * (`json_serialize_sql`) and its function catalog (`duckdb_functions()`, read only when an
 * expression calls a function in neither CORE_AGGREGATES nor CORE_SCALARS and none of the first), never by pattern
 * matching. An expression that does not parse as one select item is not an aggregate (binding it
 * later reports the real error).
 */
export async function aggregateExpressions(db: Database, expressions: string[]): Promise<Set<string>> {
  const out = new Set<string>()
  const distinct = [...new Set(expressions.filter((e) => e.trim() !== ''))]
  if (distinct.length === 0) return out
  // one statement for any number of expressions; each one is a bound value, never SQL text
  const rows = await db.all<{e: string; j: string}>(
    `SELECT e, json_serialize_sql('SELECT ' || e) AS j FROM (SELECT unnest(from_json($1, '["VARCHAR"]')) AS e)`,
    [JSON.stringify(distinct)],
  )
  for (const {e, j} of rows) {
    const parsed = JSON.parse(j) as {error?: boolean; statements?: {node?: {select_list?: unknown[]; from_table?: {type?: string}}}[]}
    const statement = parsed.statements?.length === 1 ? parsed.statements[0]!.node : undefined
    if (parsed.error || !statement || statement.select_list?.length !== 1 || statement.from_table?.type !== 'EMPTY') continue
    const called = calledFunctions(statement.select_list)
    if ([...called].some((f) => CORE_AGGREGATES.has(f))) out.add(e)
    else if ([...called].every((f) => isOperator(f) || CORE_SCALARS.has(f))) continue
    else {
      const names = await namesOf(db)
      if ([...called].some((f) => names.has(f))) out.add(e)
    }
  }
  return out
}
