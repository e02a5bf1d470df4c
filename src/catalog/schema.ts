import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {fileURLToPath} from 'node:url'
import type {ErrorObject, Options, ValidateFunction} from 'ajv'
import {Ajv2020} from 'ajv/dist/2020.js'

import {TYPE_WORDS, describeKind, isNonFiniteNumberError} from '../errors.js'
import {closest} from './suggest.js'

/** schemas/ sits at the package root, two levels above both src/catalog and dist/catalog. */
export function schemaPath(name: string): string {
  return fileURLToPath(new URL(`../../schemas/${name}`, import.meta.url))
}

/** How every schema is compiled: at run time here, and ahead of time by scripts/compile-schemas.js. */
export const AJV_OPTIONS: Options = {allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true}

/** The ajv this process compiles with (a validator compiled by another is not used). */
const AJV_VERSION = (createRequire(import.meta.url)('ajv/package.json') as {version: string}).version

/**
 * What a compiled validator was compiled from: the schema file's text, by which ajv version, with
 * which options. A validator whose hash differs (an edited schema, an ajv upgraded or downgraded
 * under a dist/ built before, other options) is not used.
 */
export function validatorHash(text: string, ajvVersion: string = AJV_VERSION, options: Options = AJV_OPTIONS): string {
  return createHash('sha256').update(text).update('\0').update(ajvVersion).update('\0').update(JSON.stringify(options)).digest('hex')
}

/**
 * Where the build puts the validator compiled ahead of time for `name` (ajv's standalone code,
 * with the `validatorHash` of what it came from as `schemaHash`).
 */
export function compiledSchemaPath(name: string): string {
  return fileURLToPath(new URL(`./compiled-schemas/${name.replace(/\.json$/, '')}.cjs`, import.meta.url))
}

const require = createRequire(import.meta.url)
const cache = new Map<string, ValidateFunction>()

/**
 * The validator for a JSON Schema from schemas/, once per process. The build compiles each schema
 * ahead of time (compiling metric.schema.json takes ~150 ms of CPU, a tenth of an import of 1,000
 * files); that code is used only when it was compiled from the schema text as it is now, so an
 * edited schema is never checked by an old validator: otherwise (and in src/, which has none) the
 * schema is compiled here, with the same options. The same goes for code compiled by another ajv
 * version or with other options.
 */
export function schemaValidator(name: string): ValidateFunction {
  let v = cache.get(name)
  if (!v) {
    const text = readFileSync(schemaPath(name), 'utf8')
    v = precompiled(name, text) ?? new Ajv2020(AJV_OPTIONS).compile(JSON.parse(text))
    cache.set(name, v)
  }
  return v
}

function precompiled(name: string, text: string): ValidateFunction | undefined {
  return compiledValidator(compiledSchemaPath(name), text)
}

/**
 * The validator compiled ahead of time in `file`, if there is one and it was compiled from `text`
 * (by this ajv, with these options). The hash is read from the file's text before its code is
 * loaded: stale code is never run, as it requires ajv's runtime helpers by path and another ajv
 * version may not have them.
 */
export function compiledValidator(file: string, text: string): ValidateFunction | undefined {
  if (!existsSync(file)) return undefined
  const hash = /^module\.exports\.schemaHash = "([0-9a-f]{64})";$/m.exec(readFileSync(file, 'utf8'))?.[1]
  if (hash !== validatorHash(text)) return undefined
  const validate = require(file) as ValidateFunction & {schemaHash?: string}
  return validate.schemaHash === hash ? validate : undefined
}

export interface SchemaProblem {
  /** JSON pointer of the offending value (for an unknown or missing field, the field itself) */
  path: string
  /** the pointer whose YAML node should be reported; for unknown fields the key itself */
  nodePath: string
  keyNode: boolean
  message: string
}

// YAML calls an object a mapping
const KIND: Record<string, string> = {...TYPE_WORDS, object: 'a mapping'}
const kindOf = (value: unknown) => describeKind(value, KIND.object)

function isMapping(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** The value at a JSON pointer (as in ajv's `instancePath`), or undefined. */
export function valueAt(root: unknown, pointer: string): unknown {
  let cur = root
  for (const part of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')]
  }
  return cur
}

/** Turns ajv's errors into one readable problem per field, in document order of discovery. */
export function describeSchemaErrors(errors: ErrorObject[], data: unknown): SchemaProblem[] {
  const out: SchemaProblem[] = []
  const seen = new Set<string>()
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath))
  for (const e of errors) {
    if (e.keyword === 'if') continue
    const value = valueAt(data, e.instancePath)
    const branch = /\/oneOf\/(\d+)\//.exec(e.schemaPath)
    if (branch) {
      // A dimension is a name or a mapping: report only the branch that matches the value's shape.
      const item = [...oneOfPaths].filter((x) => e.instancePath.startsWith(x)).sort((a, b) => b.length - a.length)[0]
      if (item === undefined || !isMapping(valueAt(data, item)) || branch[1] === '0') continue
    }
    let p: SchemaProblem
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String(e.params.additionalProperty)
        p = {path: `${e.instancePath}/${key}`, nodePath: `${e.instancePath}/${key}`, keyNode: true, message: `unknown field "${key}"${hintFor(key, Object.keys((e.parentSchema as {properties?: object} | undefined)?.properties ?? {}))}`}
        break
      }
      case 'required': {
        const key = String(e.params.missingProperty)
        p = {path: `${e.instancePath}/${key}`, nodePath: e.instancePath, keyNode: false, message: `missing required field "${key}"`}
        break
      }
      case 'type': {
        const types = String(e.params.type).split(',')
        // ajv's number is finite: YAML's .nan and .inf are numbers that fail it, named as YAML spells them
        const message =
          isNonFiniteNumberError(types, value)
            ? `expected a finite number, got ${Number.isNaN(value) ? '.nan' : value > 0 ? '.inf' : '-.inf'}`
            : `expected ${types.map((t) => KIND[t] ?? t).join(' or ')}, got ${kindOf(value)}`
        p = {path: e.instancePath, nodePath: e.instancePath, keyNode: false, message}
        break
      }
      case 'enum':
        p = {path: e.instancePath, nodePath: e.instancePath, keyNode: false, message: `expected one of ${(e.params.allowedValues as unknown[]).join(', ')}, got ${JSON.stringify(value)}`}
        break
      case 'pattern':
        p = {path: e.instancePath, nodePath: e.instancePath, keyNode: false, message: patternMessage(String(e.params.pattern), value)}
        break
      case 'oneOf': {
        if (isMapping(value)) continue
        p = {path: e.instancePath, nodePath: e.instancePath, keyNode: false, message: `expected a column name or a mapping {name, expr, description}, got ${kindOf(value)}`}
        break
      }
      case 'uniqueItems':
        p = {path: e.instancePath, nodePath: e.instancePath, keyNode: false, message: `expected unique items; items ${e.params.j} and ${e.params.i} are the same`}
        break
      case 'minimum':
      case 'maximum':
        p = {path: e.instancePath, nodePath: e.instancePath, keyNode: false, message: `expected a number ${e.keyword === 'minimum' ? '>=' : '<='} ${e.params.limit}, got ${JSON.stringify(value)}`}
        break
      case 'minLength':
        p = {path: e.instancePath, nodePath: e.instancePath, keyNode: false, message: 'expected a non-empty string'}
        break
      default:
        p = {path: e.instancePath, nodePath: e.instancePath, keyNode: false, message: e.message ?? 'is invalid'}
    }
    const k = `${p.path}\u0000${p.message}`
    if (seen.has(k)) continue
    seen.add(k)
    out.push(p)
  }
  return out
}

function patternMessage(pattern: string, value: unknown): string {
  if (pattern.includes('/')) return `expected a metric id <category>/<name> in snake_case, got ${JSON.stringify(value)}`
  return `expected snake_case (lowercase letters, digits and _), got ${JSON.stringify(value)}`
}

function hintFor(key: string, allowed: string[]): string {
  if (key === 'table_name') return '; did you mean "table"?'
  // a shortened name (time_col, desc) is farther than a typo from the field it starts
  const prefixed = key.length >= 3 ? allowed.filter((f) => f.startsWith(key.toLowerCase())) : []
  const near = closest(key, allowed)[0] ?? (prefixed.length === 1 ? prefixed[0] : undefined)
  return near ? `; did you mean "${near}"?` : ''
}
