import {dimensionSpec, type MetricDefinition} from '../catalog/types.js'
import type {Database} from '../db/connection.js'
import {isPlainQualifiedName, quoteIdent} from '../query/quote.js'
import type {PhysicalColumn, Warehouse} from '../warehouse/types.js'

/** Where in a definition a column is read. */
export type ColumnRole = 'expression' | 'filter' | 'dimension' | 'time_column' | 'sql'

/** One metric reading one column of one table, and in which parts of its definition. */
export interface ColumnUse {
  metric: string
  /** the table as the metric names it, lower-cased (`orders`, `main.orders`) */
  table: string
  /** the column as the SQL names it, lower-cased (DuckDB identifiers are case-insensitive) */
  column: string
  used_in: ColumnRole[]
}

export interface TableColumn {
  name: string
  type: string
  /** metrics that read this column, with the parts of their definition that do */
  metrics: {id: string; used_in: ColumnRole[]}[]
}

export interface TableMapEntry {
  /** `orders` for a table in a `main` schema, else `schema.table` */
  table: string
  database: string
  schema: string
  /** false for a table that metrics name but the database does not hold */
  exists: boolean
  columns: TableColumn[]
  /** every metric that reads the table (by `table`, `tables` or SQL) */
  metrics: string[]
}


interface SqlNode {
  class?: string
  type?: string
  column_names?: string[]
  table_name?: string
  schema_name?: string
  alias?: string
  [key: string]: unknown
}

/**
 * The columns every metric reads, from DuckDB's own parser (`json_serialize_sql`, walking the
 * COLUMN_REF nodes): never substring matching, so `amount` does not match `amount_usd` or a
 * string literal. Expression, filters, dimensions and time column are columns of the metric's
 * `table`; in `sql` and `sql_by_*` statements a qualified column belongs to the table its
 * qualifier names, an unqualified one to the statement's tables that have such a column
 * (to its only table when the database does not hold the tables).
 */
export async function columnUses(db: Database, metrics: MetricDefinition[], physical: PhysicalColumn[]): Promise<ColumnUse[]> {
  const uses = new Map<string, ColumnUse>()
  const add = (metric: string, table: string, column: string, role: ColumnRole) => {
    const key = `${metric}\u0000${table}\u0000${column}`
    const use = uses.get(key) ?? {metric, table, column, used_in: []}
    if (!use.used_in.includes(role)) use.used_in.push(role)
    uses.set(key, use)
  }
  for (const m of metrics) {
    const table = m.table_name?.trim()
    if (table && isPlainQualifiedName(table)) {
      const t = table.toLowerCase()
      const pieces: [ColumnRole, string | undefined][] = [
        ['expression', m.expression],
        ...(m.filters ?? []).map((f): [ColumnRole, string] => ['filter', f]),
        ...(m.dimensions ?? []).map(dimensionSpec).map((d): [ColumnRole, string] => ['dimension', d.expr?.trim() ? d.expr : quoteIdent(d.name)]),
        ['time_column', m.time_column],
      ]
      for (const [role, sql] of pieces) {
        if (!sql?.trim()) continue
        const tree = await parse(db, `SELECT (${sql}) FROM __t`)
        for (const ref of nodes(tree, 'COLUMN_REF')) add(m.id, t, ref.column_names!.at(-1)!.toLowerCase(), role)
      }
    }
    const statements = [m.sql, ...Object.values(m.sql_variants ?? {}), table && !isPlainQualifiedName(table) ? table : undefined]
    for (const sql of statements) {
      if (!sql?.trim()) continue
      for (const ref of await statementColumns(db, sql, physical)) add(m.id, ref.table, ref.column, 'sql')
    }
  }
  return [...uses.values()]
}

/**
 * Every table of the warehouse (an attached `--warehouse` file, and the `main` schema of the
 * metricat file) with its columns and types and, per column, the metrics that read it; then the
 * tables metrics name that the database does not hold (`exists: false`).
 */
export async function buildTableMap(db: Database, warehouse: Warehouse, metrics: MetricDefinition[]): Promise<TableMapEntry[]> {
  const physical = await warehouse.columns()
  const uses = await columnUses(db, metrics, physical)
  const entries = new Map<string, TableMapEntry>()
  for (const c of physical) {
    const key = `${c.database_name}.${c.schema_name}.${c.table_name}`.toLowerCase()
    let entry = entries.get(key)
    if (!entry) {
      entry = {table: displayName(c), database: c.database_name, schema: c.schema_name, exists: true, columns: [], metrics: []}
      entries.set(key, entry)
    }
    entry.columns.push({name: c.column_name, type: c.data_type, metrics: []})
  }
  const tables = [...entries.values()]
  const resolve = (name: string) => resolveTable(name, tables)
  const missing = new Map<string, TableMapEntry>()
  const entryFor = (name: string): TableMapEntry => {
    const found = resolve(name)
    if (found) return found
    const entry = missing.get(name) ?? {table: name, database: '', schema: '', exists: false, columns: [], metrics: []}
    missing.set(name, entry)
    return entry
  }
  const addMetric = (entry: TableMapEntry, id: string) => {
    if (!entry.metrics.includes(id)) entry.metrics.push(id)
  }
  for (const m of metrics) {
    for (const t of [m.table_name, ...(m.tables ?? [])]) if (t && isPlainQualifiedName(t.trim())) addMetric(entryFor(t.trim().toLowerCase()), m.id)
  }
  for (const use of uses) {
    const entry = entryFor(use.table)
    addMetric(entry, use.metric)
    let column = entry.columns.find((c) => c.name.toLowerCase() === use.column)
    if (!column && !entry.exists) {
      column = {name: use.column, type: '', metrics: []}
      entry.columns.push(column)
    }
    column?.metrics.push({id: use.metric, used_in: use.used_in})
  }
  for (const e of [...tables, ...missing.values()]) {
    e.metrics.sort()
    for (const c of e.columns) c.metrics.sort((a, b) => a.id.localeCompare(b.id))
  }
  return [...tables, ...[...missing.values()].sort((a, b) => a.table.localeCompare(b.table))]
}

/**
 * The metrics that read `column` (case-insensitive), of `table` when given (`orders` also
 * matches `main.orders` and a warehouse's `orders`), ordered by metric id.
 */
export async function findColumnUses(db: Database, warehouse: Warehouse, metrics: MetricDefinition[], column: string, table?: string): Promise<ColumnUse[]> {
  const c = column.trim().toLowerCase()
  const t = table?.trim().toLowerCase()
  const sameTable = (name: string) => !t || name === t || name.split('.').at(-1) === t.split('.').at(-1)
  return (await columnUses(db, metrics, await warehouse.columns()))
    .filter((u) => u.column === c && sameTable(u.table))
    .sort((a, b) => a.metric.localeCompare(b.metric) || a.table.localeCompare(b.table))
}

/** The parse tree of one statement; a statement DuckDB cannot parse reads no columns. */
async function parse(db: Database, sql: string): Promise<unknown> {
  const [row] = await db.all<{j: string}>('SELECT json_serialize_sql($1::VARCHAR) AS j', [sql])
  const tree = JSON.parse(row!.j) as {error?: boolean}
  return tree.error ? {} : tree
}

function* nodes(tree: unknown, kind: string): Generator<SqlNode> {
  if (Array.isArray(tree)) {
    for (const item of tree) yield* nodes(item, kind)
  } else if (tree !== null && typeof tree === 'object') {
    const node = tree as SqlNode
    if ((node.class === kind || node.type === kind) && (kind !== 'COLUMN_REF' || Array.isArray(node.column_names))) yield node
    for (const value of Object.values(node)) yield* nodes(value, kind)
  }
}

async function statementColumns(db: Database, sql: string, physical: PhysicalColumn[]): Promise<{table: string; column: string}[]> {
  const tree = await parse(db, sql.trim().replace(/;\s*$/, ''))
  const tables = [...nodes(tree, 'BASE_TABLE')].filter((n) => typeof n.table_name === 'string')
  const named = tables.map((n) => ({
    table: [n.schema_name, n.table_name].filter(Boolean).join('.').toLowerCase(),
    names: new Set([n.alias, n.table_name].filter((x): x is string => Boolean(x)).map((x) => x.toLowerCase())),
  }))
  const columnsOf = (table: string) => {
    const last = table.split('.').at(-1)
    return new Set(physical.filter((p) => p.table_name.toLowerCase() === last).map((p) => p.column_name.toLowerCase()))
  }
  const out: {table: string; column: string}[] = []
  for (const ref of nodes(tree, 'COLUMN_REF')) {
    const parts = ref.column_names!.map((p) => p.toLowerCase())
    const column = parts.at(-1)!
    if (parts.length > 1) {
      const owner = named.find((n) => n.names.has(parts.at(-2)!))
      if (owner) out.push({table: owner.table, column})
      continue
    }
    const known = named.filter((n) => columnsOf(n.table).has(column))
    if (known.length > 0) for (const n of known) out.push({table: n.table, column})
    else if (named.length === 1 && columnsOf(named[0]!.table).size === 0) out.push({table: named[0]!.table, column})
  }
  return out
}

function displayName(c: PhysicalColumn): string {
  return c.schema_name === 'main' ? c.table_name : `${c.schema_name}.${c.table_name}`
}

/** The table a name resolves to as DuckDB's search path would: the warehouse first, then the metricat file. */
function resolveTable(name: string, tables: TableMapEntry[]): TableMapEntry | undefined {
  const parts = name.toLowerCase().split('.')
  const [db, schema, table] = parts.length === 3 ? parts : parts.length === 2 ? [undefined, parts[0], parts[1]] : [undefined, 'main', parts[0]]
  return tables.find((e) => e.table.split('.').at(-1)!.toLowerCase() === table && e.schema.toLowerCase() === schema && (!db || e.database.toLowerCase() === db))
}
