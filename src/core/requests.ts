import type {ValidateFunction} from 'ajv'
import {Ajv2020} from 'ajv/dist/2020.js'

import type {ChangeSource} from '../catalog/repository.js'
import {describeSchemaErrors} from '../catalog/schema.js'
import {GRAIN_ALIASES, GRAINS, canonicalGrain} from '../catalog/types.js'
import {CatalogError, type ValidationDetail} from '../errors.js'
import {parseWhere} from '../query/parse-where.js'
import {MAX_LIMIT} from '../query/resolve.js'
import {FILTERS_SCHEMA} from '../query/filter-schema.js'
import {QUERY_ORDERS, type MetricQuery} from '../query/types.js'
import type {ImportOptions, YamlDocument} from './catalog.js'
import {ROLES, type Role} from './tokens.js'

// Request bodies of the HTTP API (and of agent tools): strict JSON Schemas, so an unknown or
// mistyped field is a 422 with its path rather than something silently ignored. The same objects
// describe the bodies in GET /api/openapi.json.

/** `{grain, by, filters, from, to, compare, variant, limit, order, desc}`; the metric id comes from the URL. */
export const QUERY_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  description: 'A metric query. Every field is optional; filters are structured and their values are bound as parameters.',
  properties: {
    grain: {enum: [...GRAINS, ...Object.keys(GRAIN_ALIASES)], description: "date_trunc grain of `period` (daily ... yearly name the same grains); default: the metric's grain, else month"},
    by: {type: 'array', items: {type: 'string', minLength: 1}, maxItems: 32, description: 'dimensions the metric declares'},
    filters: FILTERS_SCHEMA,
    from: {type: 'string', minLength: 1, maxLength: 64, description: 'ISO date, inclusive'},
    to: {type: 'string', minLength: 1, maxLength: 64, description: 'ISO date, exclusive'},
    range: {type: 'string', minLength: 1, maxLength: 64, description: 'instead of from/to, relative to today (UTC): today, yesterday, "this month", "last month", "last 6 months", "last 12 weeks", "this year", "last year"'},
    compare: {enum: ['previous', 'year']},
    variant: {type: 'string', minLength: 1, maxLength: 128, description: 'a sql_by_<name> variant'},
    limit: {type: 'integer', minimum: 1, maximum: MAX_LIMIT, description: 'order period: the latest N periods (every row of each); order value: the first N rows'},
    order: {enum: [...QUERY_ORDERS], description: 'period (default) or value (then period; nulls last)'},
    desc: {type: 'boolean', description: 'descending: latest periods or largest values first'},
    strict: {type: 'boolean', description: 'a filter value (= or in) that no row has is an error (422) instead of a warning'},
    no_rollup: {type: 'boolean', description: 'read raw rows even when a fresh rollup could answer'},
  },
} as const

const SOURCES: ChangeSource[] = ['yaml', 'cli', 'api']

/** POST /api/admin/import: YAML texts applied with the same atomic rules as `metricat import`. */
export const IMPORT_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['documents'],
  properties: {
    documents: {
      type: 'array',
      maxItems: 100_000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['text'],
        properties: {
          file: {type: 'string', minLength: 1, maxLength: 4096, description: 'a name for error messages, e.g. metrics/revenue/mrr.yml'},
          text: {type: 'string', description: 'YAML: one metric mapping or a list of them'},
          category: {type: 'string', maxLength: 256, description: 'category of mappings that do not set one'},
          index: {type: 'boolean', description: "true: the imported folder's index (its top metrics.yml); when no document sets it, a document named metrics.yml is the index"},
        },
      },
    },
    prune: {type: 'boolean', description: 'delete metrics that no document holds'},
    dry_run: {type: 'boolean', description: 'return the plan, write nothing'},
    source: {enum: SOURCES, description: "what the local CLI's per-run token says the change came from (yaml or cli); for any other token the server records api and the token's name"},
  },
} as const

export const TOKEN_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'role'],
  properties: {
    name: {type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'},
    role: {enum: [...ROLES]},
  },
} as const

/** VALIDATION with one `{path, message}` per bad field; the message names the first (`/filters/0/op: ...`). */
function invalid(problems: ValidationDetail[], where: string): CatalogError {
  const first = problems[0]!
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''
  return new CatalogError('VALIDATION', `invalid ${where}: ${first.path}: ${first.message}${more}`, {where, problems})
}

const ajv = new Ajv2020({allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true})
const validators = new Map<object, ValidateFunction>()

/**
 * `body` checked against one of these request schemas (or a schema built from their parts, as the
 * agent tools' arguments are): throws VALIDATION with one `{path, message}` per bad field.
 */
export function checkRequest<T>(schema: object, body: unknown, where = 'body'): T {
  return check<T>(schema, body, where)
}

function check<T>(schema: object, body: unknown, where = 'body'): T {
  let validate = validators.get(schema)
  if (!validate) {
    validate = ajv.compile(schema)
    validators.set(schema, validate)
  }
  if (!validate(body)) {
    throw invalid(describeSchemaErrors(validate.errors ?? [], body).map((p) => ({path: p.path || '/', message: p.message})), where)
  }
  return body as T
}

/** A query request body for metric `id`, checked strictly. Throws VALIDATION with one problem per bad field. */
export function parseQueryRequest(id: string, body: unknown): MetricQuery {
  return withCanonicalGrain({...check<Omit<MetricQuery, 'metric'>>(QUERY_REQUEST_SCHEMA, body), metric: id})
}

function withCanonicalGrain(query: MetricQuery): MetricQuery {
  return query.grain === undefined ? query : {...query, grain: canonicalGrain(query.grain)}
}

const QUERY_PARAMS = new Set(['grain', 'by', 'where', 'from', 'to', 'range', 'compare', 'variant', 'limit', 'order', 'desc'])

/**
 * A query from URL parameters (GET /api/metrics/{id}/sql): the CLI's flags by name, `by` comma
 * separated or repeated, `where` in the CLI's `--where` syntax and repeatable.
 */
export function parseQueryParams(id: string, params: Record<string, string[]>): MetricQuery {
  const body: Record<string, unknown> = {}
  for (const [key, values] of Object.entries(params)) {
    if (!QUERY_PARAMS.has(key)) {
      throw invalid([{path: `/${key}`, message: `unknown parameter "${key}"; expected one of ${[...QUERY_PARAMS].join(', ')}`}], 'query string')
    }
    if (key === 'by') body.by = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean)
    else if (key === 'where') body.filters = values.map(parseWhere)
    else if (key === 'limit') body.limit = /^\d+$/.test(values.at(-1)!) ? Number(values.at(-1)) : values.at(-1)
    else if (key === 'desc') body.desc = values.at(-1) === 'true' ? true : values.at(-1) === 'false' ? false : values.at(-1)
    else body[key] = values.at(-1)
  }
  return withCanonicalGrain({...check<Omit<MetricQuery, 'metric'>>(QUERY_REQUEST_SCHEMA, body, 'query string'), metric: id})
}

export interface ImportRequest {
  documents: YamlDocument[]
  options: ImportOptions
}

/** The body of POST /api/admin/import. */
export function parseImportRequest(body: unknown): ImportRequest {
  const r = check<{documents: {file?: string; text: string; category?: string; index?: boolean}[]; prune?: boolean; dry_run?: boolean; source?: ChangeSource}>(IMPORT_REQUEST_SCHEMA, body)
  return {
    documents: r.documents.map((d, i) => ({file: d.file ?? `document ${i + 1}`, text: d.text, category: d.category, ...(d.index !== undefined ? {index: d.index} : {})})),
    options: {prune: r.prune, dryRun: r.dry_run, source: r.source ?? 'api'},
  }
}

/** The body of POST /api/admin/tokens. */
export function parseTokenRequest(body: unknown): {name: string; role: Role} {
  return check<{name: string; role: Role}>(TOKEN_REQUEST_SCHEMA, body)
}

/** A metric definition body (POST/PUT /api/admin/metrics): a JSON object with the YAML field names. */
export function parseMetricBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid([{path: '/', message: `expected a metric definition object, got ${Array.isArray(body) ? 'a list' : body === null ? 'null' : typeof body}`}], 'body')
  }
  return body as Record<string, unknown>
}

/**
 * The record for replacing metric `id` (`<category>/<name>`): name and category come from the id;
 * a body that names another metric is refused rather than silently moved.
 */
export function recordForId(id: string, record: Record<string, unknown>): Record<string, unknown> {
  const [category, name] = id.split('/') as [string, string]
  const problems: ValidationDetail[] = []
  if (record.name !== undefined && record.name !== name) problems.push({path: '/name', message: `expected "${name}" (from the URL) or no name, got ${JSON.stringify(record.name)}`})
  if (record.category !== undefined && record.category !== category) problems.push({path: '/category', message: `expected "${category}" (from the URL) or no category, got ${JSON.stringify(record.category)}`})
  if (problems.length > 0) throw invalid(problems, 'body')
  return {...record, name, category}
}

/** `If-Match: <version>` on a write: CONFLICT when the metric has moved on since the client read it. */
/** The version an `If-Match` header expects (a number, quoted or weak), or undefined without one. */
export function parseIfMatch(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined) return undefined
  const expected = ifMatch.replace(/^W\//, '').replaceAll('"', '').trim()
  if (!/^\d+$/.test(expected)) {
    throw new CatalogError('BAD_REQUEST', `bad If-Match header ${JSON.stringify(ifMatch)}; expected a version number`, {header: 'If-Match'})
  }
  return Number(expected)
}

/** POST /api/metrics/ingest as JSON: `{"points": [...]}` and nothing else (each point is checked by the ingest). */
export const INGEST_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['points'],
  properties: {points: {type: 'array', description: 'points as in schemas/point.schema.json'}},
} as const

export function parseIngestBody(body: unknown): {points: unknown[]} {
  return check<{points: unknown[]}>(INGEST_REQUEST_SCHEMA, body)
}
