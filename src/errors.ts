import path from 'node:path'

/** The closed set of user-fixable errors. Bugs stay plain `Error` and surface as INTERNAL. */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'VALIDATION'
  | 'BAD_REQUEST'
  | 'CONFLICT'
  | 'DB_LOCKED'
  | 'DB_TOO_NEW'
  | 'MIGRATION_FAILED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'PAYLOAD_TOO_LARGE'
  | 'QUERY_FAILED'
  | 'QUERY_TIMEOUT'
  | 'RESULT_TOO_LARGE'
  | 'UNAVAILABLE'
  | 'RUN_FAILED'
  | 'INTERNAL'

export interface ValidationDetail {
  file?: string
  line?: number
  column?: number
  /** JSON path of the field, e.g. `/dimensions/0/name` */
  path?: string
  /** metric id, when known */
  metric?: string
  message: string
}

export class CatalogError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = new.target.name
  }

  /** Validation errors, if any, as a list of located problems. */
  get problems(): ValidationDetail[] {
    const p = this.details?.problems
    return Array.isArray(p) ? (p as ValidationDetail[]) : []
  }
}

export const HTTP_STATUS: Record<ErrorCode, number> = {
  NOT_FOUND: 404,
  VALIDATION: 422,
  BAD_REQUEST: 400,
  CONFLICT: 409,
  DB_LOCKED: 503,
  DB_TOO_NEW: 500,
  MIGRATION_FAILED: 500,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  PAYLOAD_TOO_LARGE: 413,
  QUERY_FAILED: 422,
  QUERY_TIMEOUT: 504,
  RESULT_TOO_LARGE: 422,
  UNAVAILABLE: 503,
  RUN_FAILED: 422,
  INTERNAL: 500,
}

export const EXIT_CODE: Record<ErrorCode, number> = {
  NOT_FOUND: 1,
  VALIDATION: 1,
  BAD_REQUEST: 1,
  CONFLICT: 1,
  DB_LOCKED: 1,
  DB_TOO_NEW: 1,
  MIGRATION_FAILED: 1,
  UNAUTHORIZED: 1,
  FORBIDDEN: 1,
  PAYLOAD_TOO_LARGE: 1,
  QUERY_FAILED: 1,
  QUERY_TIMEOUT: 1,
  RESULT_TOO_LARGE: 1,
  UNAVAILABLE: 1,
  RUN_FAILED: 1,
  INTERNAL: 1,
}

/** One line per problem: `file:line:column path: message`. */
export function formatProblem(p: ValidationDetail): string {
  const loc = p.file ? `${p.file}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ''}` : ''}` : (p.metric ?? '')
  const path = p.path ? ` ${p.path}` : ''
  return `${loc}${path}${loc || path ? ': ' : ''}${p.message}`
}

/** Problems in reading order: by file, then line, then column. */
export function sortProblems(problems: ValidationDetail[]): ValidationDetail[] {
  return [...problems].sort(
    (a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  )
}

/** JSON Schema type names in words, for "expected ..., got ..." messages. */
export const TYPE_WORDS: Record<string, string> = {string: 'a string', number: 'a number', integer: 'an integer', boolean: 'true or false', array: 'a list', object: 'an object', null: 'null'}

/** What a value is, in words ("a list", "a number"); `object` names a plain object (YAML says "a mapping"). */
export function describeKind(value: unknown, object = TYPE_WORDS.object!): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return object
  return TYPE_WORDS[typeof value] ?? typeof value
}

/**
 * Whether an ajv `type` error (its `types`, split) is a non-finite number (YAML's .nan and .inf, a
 * JSON 1e400 parsed to Infinity) failing `number` or `integer`, which accept finite numbers only:
 * "expected a number, got a number" unless the message says finite.
 */
export function isNonFiniteNumberError(types: string[], value: unknown): value is number {
  return typeof value === 'number' && !Number.isFinite(value) && (types.includes('number') || types.includes('integer'))
}

declare global {
  interface String {
    /** ES2024 (Node 20+): false when the string holds an unpaired surrogate; not in TypeScript's ES2022 lib */
    isWellFormed(): boolean
  }
}

/**
 * Whether text holds an unpaired UTF-16 surrogate (a JSON or YAML "\ud800" escape: no character).
 * Text is stored as UTF-8, where such a string either turns into U+FFFD (and then differs from
 * what was hashed or compared) or, inside stored JSON, is refused by DuckDB on every later read.
 * Every point's text fields pass here: `isWellFormed` takes half the time of a `/\p{Cs}/u` test.
 */
export function hasUnpairedSurrogate(text: string): boolean {
  return !text.isWellFormed()
}

/** What a message says about such text, after naming the field. */
export const UNPAIRED_SURROGATE_TEXT = 'holds an unpaired UTF-16 surrogate (an escape such as "\\ud800" that is no character); expected Unicode text'

/** The next step after an unknown metric id. */
export const FIND_METRIC_HINT = 'run `metricat list` or `metricat search TEXT` to find metric ids'

/** NOT_FOUND for a file (or folder) the user named: the message names it, the hint says where it was looked for. */
export function noSuchPath(target: string, details: Record<string, unknown>, what = 'file'): CatalogError {
  const where = path.isAbsolute(target) ? '' : ` (relative paths start from ${process.cwd()})`
  return new CatalogError('NOT_FOUND', `no such ${what}: ${target}`, {...details, hint: `check the path ${target}${where}`})
}
