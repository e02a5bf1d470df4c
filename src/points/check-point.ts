import type {ErrorObject} from 'ajv'

import {schemaValidator, valueAt} from '../catalog/schema.js'
import {closest} from '../catalog/suggest.js'
import {TYPE_WORDS, UNPAIRED_SURROGATE_TEXT, describeKind, hasUnpairedSurrogate, isNonFiniteNumberError} from '../errors.js'
import {epochInstant, parsePointDate} from './point-date.js'
import {DEFAULT_FIELDS, canonicalGranularity, type NormalizedPoint, type PointDefaults} from './types.js'

const FIELDS = ['metricKey', 'date', 'value', 'granularity', 'dimensions', 'entityKind', 'entityId', 'dataSourceId', 'connectorKey', 'sourceKind', 'op']
const KNOWN = new Set(FIELDS)
const MAX_NAME = 200
const MAX_DIMENSIONS = 64

/** A problem in one point: JSON pointer into the point (`''` for the point itself) and a message. */
export interface PointIssue {
  path: string
  message: string
}

function isName(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_NAME && !hasUnpairedSurrogate(v)
}

function optionalName(v: unknown): boolean {
  return v === undefined || isName(v)
}

/**
 * Canonical JSON of a dimensions object: keys sorted by code unit, no whitespace, every value a
 * string. Numbers and booleans become their text (`1` -> `"1"`, `1e21` -> `"1e+21"`, `true` ->
 * `"true"`, as JavaScript's String() writes them), so `{"a": 1}` and `{"a": "1"}` are one
 * dimension value, never two keys a query would count twice. Queries compare dimensions as text
 * anyway (and numerically with TRY_CAST). Returns undefined when a key or value is not allowed.
 * Scripts usually print string values with keys in a fixed order, so the common case is one
 * JSON.stringify.
 */
export function canonicalDimensions(d: Record<string, unknown>): string | undefined {
  const keys = Object.keys(d)
  if (keys.length > MAX_DIMENSIONS) return undefined
  let plain = true
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!
    if (k.length === 0 || k.length > MAX_NAME || hasUnpairedSurrogate(k)) return undefined
    const v = d[k]
    const t = typeof v
    if (t === 'number') {
      if (!Number.isFinite(v)) return undefined
      plain = false
    } else if (t === 'boolean') plain = false
    else if (t !== 'string' || hasUnpairedSurrogate(v as string)) return undefined
    if (i > 0 && keys[i - 1]! > k) plain = false
  }
  if (keys.length === 0) return '{}'
  if (plain) return JSON.stringify(d)
  keys.sort()
  let out = '{'
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!
    out += `${i > 0 ? ',' : ''}${JSON.stringify(k)}:${JSON.stringify(String(d[k]))}`
  }
  return `${out}}`
}

/** The instant of a point's `date`: ISO text, or an epoch number (seconds or milliseconds by size). */
function pointInstant(date: unknown) {
  if (typeof date === 'string') return parsePointDate(date)
  if (typeof date === 'number') return epochInstant(date)
  return undefined
}

/**
 * Checks one point and returns it normalised for staging, or undefined when it is invalid
 * (then `describePoint` says why). This is the hot path of every ingest: plain property checks,
 * no allocation beyond the result. Defaults fill fields the point lacks.
 */
export function normalizePoint(raw: unknown, defaults: PointDefaults | undefined): NormalizedPoint | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined
  const p = raw as Record<string, unknown>
  for (const k in p) if (!KNOWN.has(k)) return undefined
  const {metricKey, date, value, granularity, dimensions, op} = p
  if (!isName(metricKey)) return undefined
  if (op !== undefined && op !== 'replace' && op !== 'increment') return undefined
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined
  const instant = pointInstant(date)
  if (instant === undefined) return undefined
  const grain = granularity === undefined ? '' : canonicalGranularity(granularity)
  if (grain === undefined) return undefined
  let dims = '{}'
  if (dimensions !== undefined && dimensions !== null) {
    if (typeof dimensions !== 'object' || dimensions === null || Array.isArray(dimensions)) return undefined
    const c = canonicalDimensions(dimensions as Record<string, unknown>)
    if (c === undefined) return undefined
    dims = c
  }
  const entityKind = p.entityKind ?? defaults?.entityKind
  const entityId = p.entityId ?? defaults?.entityId
  const dataSourceId = p.dataSourceId ?? defaults?.dataSourceId
  const connectorKey = p.connectorKey ?? defaults?.connectorKey
  const sourceKind = p.sourceKind ?? defaults?.sourceKind
  if (!optionalName(entityKind) || !optionalName(entityId) || !optionalName(dataSourceId) || !optionalName(connectorKey) || !optionalName(sourceKind)) {
    return undefined
  }
  return {
    metricKey,
    dataSourceId: (dataSourceId as string | undefined) ?? '',
    entityKind: (entityKind as string | undefined) ?? '',
    entityId: (entityId as string | undefined) ?? '',
    granularity: grain,
    dateMs: instant.ms,
    dateUs: instant.us,
    dimensions: dims,
    value,
    connectorKey: (connectorKey as string | undefined) ?? null,
    sourceKind: (sourceKind as string | undefined) ?? null,
    increment: op === 'increment',
  }
}

/** The point with defaults filled in where it lacks them (what `run --server` sends). */
export function fillDefaults(raw: Record<string, unknown>, defaults: PointDefaults | undefined): Record<string, unknown> {
  if (!defaults) return raw
  let out = raw
  for (const f of DEFAULT_FIELDS) {
    if (defaults[f] !== undefined && raw[f] === undefined) {
      if (out === raw) out = {...raw}
      out[f] = defaults[f]
    }
  }
  return out
}

const KIND = TYPE_WORDS
const kindOf = (value: unknown) => describeKind(value)

function shown(value: unknown): string {
  const text = JSON.stringify(value)
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text
}

function field(pointer: string): string {
  const parts = pointer.split('/').slice(1)
  if (parts.length === 0) return 'point'
  if (parts[0] === 'dimensions' && parts.length > 1) return `dimension "${parts.slice(1).join('/').replaceAll('~1', '/').replaceAll('~0', '~')}"`
  return parts.join('.')
}

function describeAjvError(e: ErrorObject, data: unknown): PointIssue | undefined {
  const value = valueAt(data, e.instancePath)
  const name = field(e.instancePath)
  // errors about a dimension's name (propertyNames) carry the name itself
  const propertyName = (e as ErrorObject & {propertyName?: string}).propertyName
  if (propertyName !== undefined) {
    return {path: e.instancePath, message: propertyName === '' ? 'dimension names must not be empty' : `dimension name ${shown(propertyName)} is longer than ${MAX_NAME} characters`}
  }
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty)
      const near = closest(key, FIELDS)[0]
      return {path: `/${key}`, message: `unknown field "${key}"${near ? `; did you mean "${near}"?` : `; a point has ${FIELDS.join(', ')}`}`}
    }
    case 'required':
      return {path: `/${String(e.params.missingProperty)}`, message: `missing required field "${String(e.params.missingProperty)}"`}
    case 'type': {
      const types = String(e.params.type).split(',')
      // 1e400 parses to Infinity, which ajv's number refuses: "a number, got a number"; the finite checks below name it
      if (isNonFiniteNumberError(types, value)) return undefined
      const expected = types.map((t) => KIND[t] ?? t).join(' or ')
      return {path: e.instancePath, message: `${name} must be ${expected}, got ${kindOf(value)}${kindOf(value) === 'a string' ? ` ${shown(value)}` : ''}`}
    }
    case 'enum':
      return {path: e.instancePath, message: `${name} must be one of ${(e.params.allowedValues as unknown[]).join(', ')}, got ${shown(value)}`}
    case 'pattern':
      return {path: e.instancePath, message: `${name} must be an ISO 8601 date such as 2024-05-01 or 2024-05-01T10:00:00Z, got ${shown(value)}`}
    case 'minLength':
      return {path: e.instancePath, message: `${name} must not be empty`}
    case 'maxLength':
      return {path: e.instancePath, message: `${name} is longer than ${e.params.limit} characters`}
    case 'maxProperties':
      return {path: e.instancePath, message: `at most ${e.params.limit} dimensions are allowed`}
    case 'propertyNames':
      return undefined
    default:
      return {path: e.instancePath, message: `${name} ${e.message ?? 'is invalid'}`}
  }
}

/**
 * Every reason a point is invalid, for the error report: the JSON Schema's view first, then
 * the checks a pattern cannot express (calendar dates, finite numbers, empty dimension keys).
 */
export function describePoint(raw: unknown, defaults?: PointDefaults): PointIssue[] {
  const validate = schemaValidator('point.schema.json')
  const issues: PointIssue[] = []
  if (!validate(raw)) {
    const seen = new Set<string>()
    for (const e of validate.errors ?? []) {
      const issue = describeAjvError(e, raw)
      if (!issue || seen.has(issue.message)) continue
      seen.add(issue.message)
      issues.push(issue)
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return issues.length > 0 ? issues : [{path: '', message: `a point must be an object, got ${kindOf(raw)}`}]
  }
  const p = raw as Record<string, unknown>
  const flagged = (path: string): boolean => issues.some((i) => i.path === path || i.path.startsWith(`${path}/`))
  if (typeof p.date === 'string' && !flagged('/date') && parsePointDate(p.date) === undefined) {
    issues.push({path: '/date', message: `date ${shown(p.date)} is not a valid calendar date and time in years 0001-9999 (UTC)`})
  }
  if (typeof p.date === 'number' && !flagged('/date') && epochInstant(p.date) === undefined) {
    issues.push({path: '/date', message: `date ${shown(p.date)} is not an epoch time in years 0001-9999 (seconds below 1e11, milliseconds from 1e11)`})
  }
  if (typeof p.value === 'number' && !Number.isFinite(p.value)) issues.push({path: '/value', message: 'value must be a finite number'})
  for (const f of ['metricKey', ...DEFAULT_FIELDS] as const) {
    const v = p[f]
    if (typeof v === 'string' && !flagged(`/${f}`) && hasUnpairedSurrogate(v)) issues.push({path: `/${f}`, message: `${f} ${UNPAIRED_SURROGATE_TEXT}`})
  }
  const dims = p.dimensions
  if (dims && typeof dims === 'object' && !Array.isArray(dims) && !flagged('/dimensions')) {
    for (const [k, v] of Object.entries(dims)) {
      if (k.length === 0) issues.push({path: '/dimensions/', message: 'dimension names must not be empty'})
      else if (k.length > MAX_NAME) issues.push({path: '/dimensions', message: `dimension name ${shown(k)} is longer than ${MAX_NAME} characters`})
      else if (hasUnpairedSurrogate(k)) issues.push({path: '/dimensions', message: `a dimension name ${UNPAIRED_SURROGATE_TEXT}`})
      if (typeof v === 'number' && !Number.isFinite(v)) issues.push({path: `/dimensions/${k}`, message: `dimension "${k}" must be a finite number`})
      if (typeof v === 'string' && hasUnpairedSurrogate(v)) issues.push({path: `/dimensions/${k}`, message: `dimension "${hasUnpairedSurrogate(k) ? '?' : k}" ${UNPAIRED_SURROGATE_TEXT}`})
    }
  }
  if (issues.length === 0 && defaults) {
    for (const f of DEFAULT_FIELDS) {
      const v = defaults[f]
      if (p[f] !== undefined || v === undefined || isName(v)) continue
      issues.push({path: `/${f}`, message: hasUnpairedSurrogate(v) ? `the default ${f} ${UNPAIRED_SURROGATE_TEXT}` : `the default ${f} must be 1 to ${MAX_NAME} characters`})
    }
  }
  return issues.length > 0 ? issues : [{path: '', message: 'invalid point'}]
}
