import type {Located} from '../catalog/semantic.js'
import type {MetricDefinition} from '../catalog/types.js'
import type {Database} from '../db/connection.js'
import type {ValidationDetail} from '../errors.js'
import {isTableQuery} from '../query/index.js'
import {isPlainQualifiedName} from '../query/quote.js'

/**
 * What SQL a definition may hold. `sql`, each `sql_by_<variant>` and a `table` that starts with
 * SELECT, WITH or FROM must each be exactly one read-only query (SELECT, WITH ... SELECT, FROM
 * ..., UNION of those); `expression`, each `filters` item, each dimension `expr` and a
 * `time_column` that is not a plain name must each be exactly one SQL expression. DuckDB's own
 * parser decides (`json_serialize_sql`, which serialises SELECT statements only and lists every
 * statement of a script), before anything runs: at validate, import, admin writes and query.
 *
 * This is one of three walls. The second: every statement runs prepared, and DuckDB refuses to
 * prepare more than one statement (see `Database`); a metric query must prepare as a SELECT. The
 * third: the catalog connection has no file system access (`Database.lockDown`).
 */
export interface SqlField {
  /** JSON pointer of the field, in YAML terms (`/sql_by_eu`, `/filters/0`) */
  path: string
  /** the field as a reader names it */
  label: string
  kind: 'query' | 'expression'
  text: string
}

/** Every field of `def` that holds SQL text, with what it must parse as. */
export function definitionSqlFields(def: MetricDefinition): SqlField[] {
  const fields: SqlField[] = []
  const add = (path: string, label: string, kind: SqlField['kind'], text: unknown) => {
    if (typeof text === 'string') fields.push({path, label, kind, text})
  }
  add('/sql', 'sql', 'query', def.sql)
  for (const [name, sql] of Object.entries(def.sql_variants ?? {})) add(`/sql_by_${name}`, `sql_by_${name}`, 'query', sql)
  if (typeof def.table_name === 'string' && isTableQuery(def.table_name)) add('/table', 'table', 'query', def.table_name)
  if (typeof def.expression === 'string' && def.expression.trim() !== '') add('/expression', 'expression', 'expression', def.expression)
  ;(def.filters ?? []).forEach((f, i) => add(`/filters/${i}`, `filters[${i}]`, 'expression', f))
  ;(def.dimensions ?? []).forEach((d, i) => {
    if (typeof d === 'object' && d !== null && typeof d.expr === 'string' && d.expr.trim() !== '') add(`/dimensions/${i}/expr`, `dimension ${d.name} expr`, 'expression', d.expr)
  })
  if (typeof def.time_column === 'string' && !isPlainQualifiedName(def.time_column.trim())) add('/time_column', 'time_column', 'expression', def.time_column)
  return fields
}

/**
 * Parses every SQL field of `metrics` with DuckDB (one round trip for all of them) and returns a
 * problem for each field that is not exactly one read-only query or one expression. Runs nothing.
 */
export async function checkDefinitionSql(db: Pick<Database, 'all'>, metrics: Located[]): Promise<ValidationDetail[]> {
  const fields = metrics.flatMap((m) => definitionSqlFields(m.definition).map((f) => ({m, f})))
  if (fields.length === 0) return []
  // An expression is parsed as the only item of a SELECT without FROM; the newline before the
  // closing parenthesis keeps a trailing `--` comment from swallowing it.
  const texts = fields.map(({f}) => (f.kind === 'query' ? f.text : `SELECT (${f.text}\n)`))
  // Each distinct text is parsed once (catalogs repeat filters, expressions and SQL across
  // metrics; a parse tree serialised is kilobytes of JSON): same text, same parse, same verdict.
  const distinct = [...new Set(texts)]
  const rows = await db.all<{i: number; j: string}>(
    `SELECT i::INTEGER AS i, json_serialize_sql(t) AS j
     FROM (SELECT unnest(from_json($1, '["VARCHAR"]')) AS t, generate_subscripts(from_json($1, '["VARCHAR"]'), 1) AS i)`,
    [JSON.stringify(distinct)],
  )
  const parsed = new Map<string, string>()
  for (const row of rows) parsed.set(distinct[row.i - 1]!, row.j)
  const verdicts = new Map<string, string | undefined>()
  const problems: ValidationDetail[] = []
  fields.forEach(({m, f}, i) => {
    const text = texts[i]!
    // the same text may be checked as a query and as an expression (`sql: SELECT (x\n)` and `expression: x`)
    const key = `${f.kind}:${text}`
    if (!verdicts.has(key)) {
      const json = parsed.get(text)!
      verdicts.set(key, f.kind === 'query' ? queryProblem(json) : expressionProblem(json))
    }
    const why = verdicts.get(key)
    if (why === undefined) return
    const expected = f.kind === 'query' ? 'exactly one read-only query (SELECT, WITH or FROM)' : 'exactly one SQL expression'
    problems.push({
      file: m.file,
      line: m.line,
      column: m.column,
      path: f.path,
      metric: m.definition.id,
      message: `${f.label} must be ${expected}: ${why}`,
    })
  })
  return problems
}

interface Serialized {
  error: boolean
  error_message?: string
  statements?: {node: Record<string, unknown>}[]
}

function parse(json: string): Serialized {
  return JSON.parse(json) as Serialized
}

/**
 * Table functions definition SQL may call: they make rows, none touches a file. The file
 * readers (read_csv, read_parquet, read_text, glob, ...) are refused here with a clear message;
 * DuckDB would refuse them anyway, since the catalog connection has no file system access.
 */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['range', 'generate_series', 'unnest'])

// `FROM 'orders.csv'` is a table name DuckDB turns into a file read (a replacement scan)
const FILE_LIKE = /[/\\]|:\/\/|\.(csv|tsv|txt|parquet|json|ndjson|jsonl|gz|zst|xlsx?|db|duckdb|sqlite)$/i

/** Why a serialised parse is not one read-only query, or undefined when it is. */
function queryProblem(json: string): string | undefined {
  const s = parse(json)
  if (s.error) return refusal(s.error_message)
  const n = s.statements?.length ?? 0
  if (n === 0) return 'it is empty'
  if (n > 1) return `it holds ${n} statements`
  return fileAccess(s.statements![0])
}

/** A table function or file-like table name anywhere in the parse tree, described; else undefined. */
function fileAccess(tree: unknown): string | undefined {
  const stack: unknown[] = [tree]
  while (stack.length > 0) {
    const node = stack.pop()
    if (node === null || typeof node !== 'object') continue
    if (Array.isArray(node)) {
      stack.push(...node)
      continue
    }
    const o = node as Record<string, unknown>
    if (o.type === 'TABLE_FUNCTION') {
      const name = String((o.function as {function_name?: unknown} | undefined)?.function_name ?? '').toLowerCase()
      if (!ALLOWED_TABLE_FUNCTIONS.has(name)) return `it calls the table function ${name}(); definition SQL reads tables only (bring files in with \`metricat load\`)`
    }
    if (o.type === 'BASE_TABLE' && typeof o.table_name === 'string' && FILE_LIKE.test(o.table_name)) {
      return `it reads ${JSON.stringify(o.table_name)}, which names a file; definition SQL reads tables only (bring files in with \`metricat load\`)`
    }
    stack.push(...Object.values(o))
  }
  return undefined
}

/** Why `SELECT (<text>\n)` is not exactly one expression, or undefined when it is. */
function expressionProblem(json: string): string | undefined {
  const s = parse(json)
  if (s.error) return refusal(s.error_message)
  if ((s.statements?.length ?? 0) !== 1) return 'it breaks out of the expression into other statements'
  const node = s.statements![0]!.node
  const plain =
    node.type === 'SELECT_NODE' &&
    Array.isArray(node.select_list) && node.select_list.length === 1 &&
    (node.from_table as {type?: string} | null)?.type === 'EMPTY' &&
    node.where_clause === null && node.having === null && node.qualify === null && node.sample === null &&
    Array.isArray(node.group_expressions) && node.group_expressions.length === 0 &&
    Array.isArray(node.modifiers) && node.modifiers.length === 0 &&
    ((node.cte_map as {map?: unknown[]} | undefined)?.map?.length ?? 0) === 0
  return plain ? fileAccess(node) : 'it breaks out of the expression (a closing parenthesis, FROM, WHERE, ...)'
}

function refusal(message: string | undefined): string {
  if (message && /Only SELECT statements/i.test(message)) return 'it holds a statement that is not a SELECT (COPY, CREATE, INSERT, ATTACH, SET, ...)'
  return message ?? 'DuckDB cannot parse it'
}
