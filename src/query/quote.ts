/**
 * Quote one SQL identifier for DuckDB: wrap in double quotes and double any embedded `"`.
 * This is the only identifier quoting function in metricat; the db layer re-exports it.
 * Throws on an empty name or a NUL character, which no DuckDB identifier can hold.
 */
export function quoteIdent(name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new Error('quoteIdent: empty identifier')
  if (name.includes('\0')) throw new Error('quoteIdent: identifier contains a NUL character')
  return `"${name.replaceAll('"', '""')}"`
}

/**
 * Quote a possibly qualified name (`table`, `schema.table`, `catalog.schema.table`): split on
 * dots and quote each part. Only for names that contain no quoted parts themselves.
 */
export function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdent).join('.')
}

/** A plain (possibly dotted) identifier that `quoteQualified` reproduces without changing its meaning. */
export function isPlainQualifiedName(text: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)*$/.test(text)
}

/**
 * Reviewed SQL text (a definition's expression, filter, time or dimension `expr`) in parentheses,
 * so it cannot bleed into what follows; a closing parenthesis after a `--` comment would be
 * commented out, so text holding one gets a newline before it.
 */
export function parenthesize(sql: string): string {
  const s = sql.trim()
  return s.includes('--') ? `(${s}\n)` : `(${s})`
}

/**
 * A string from a reviewed definition (a points metric's `points_key`, a dimension key's JSON
 * Pointer) as an SQL string literal: quotes doubled (DuckDB reads backslashes literally). Never for
 * request input, which is always bound.
 */
export function quoteLiteral(text: string): string {
  if (text.includes('\0')) throw new Error('quoteLiteral: text contains a NUL character')
  return `'${text.replaceAll("'", "''")}'`
}
