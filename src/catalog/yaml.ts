import {mkdir, readdir, readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {Document, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair} from 'yaml'

import type {ValidationDetail} from '../errors.js'
import {describeSchemaErrors, schemaValidator} from './schema.js'
import type {MetricDefinition} from './types.js'

export interface LoadedMetric {
  definition: MetricDefinition
  file: string
  line: number
  column: number
}

export interface LoadResult {
  metrics: LoadedMetric[]
  problems: ValidationDetail[]
  /** things worth saying that do not stop an import (e.g. the index lists a metric no file defines) */
  warnings: ValidationDetail[]
  files: string[]
  /** the index's `vocabulary:`, when it has one (an import then replaces the stored vocabulary) */
  vocabulary?: Record<string, string[]>
}

/** The index file (`metrics.yml` at the top of a metrics folder, as the Agnes pack keeps one): not a metric. */
export const INDEX_FILES = ['metrics.yml', 'metrics.yaml']

export interface MetricIndex {
  version?: string | number
  description?: string
  /** search vocabulary: word or phrase -> words metrics are described with */
  vocabulary?: Record<string, string[]>
  categories: {name: string; folder: string; description?: string; metrics: string[]}[]
}

/** Agnes spells grains as adverbs; they are stored as the date_trunc unit. */
const GRAIN_ALIASES: Record<string, string> = {daily: 'day', weekly: 'week', monthly: 'month', quarterly: 'quarter', yearly: 'year'}

const VARIANT_PREFIX = 'sql_by_'

/** Lists `.yml`/`.yaml` files under `target` (or `target` itself), sorted so loads are deterministic. */
export async function listMetricFiles(target: string): Promise<string[]> {
  const info = await stat(target)
  if (info.isFile()) return [target]
  const entries = await readdir(target, {recursive: true, withFileTypes: true})
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort()
}

/**
 * Reads and schema-validates every metric file under `target`; problems carry file:line:column.
 * A `metrics.yml` at the top of a folder is its index (checked, never a metric): a metric it lists
 * that no file defines is a warning.
 */
export async function loadMetricFiles(target: string): Promise<LoadResult> {
  const all = await listMetricFiles(target)
  const isDir = all.length !== 1 || all[0] !== target
  const isIndex = (f: string) => isDir && path.dirname(path.resolve(f)) === path.resolve(target) && INDEX_FILES.includes(path.basename(f))
  const files = all.filter((f) => !isIndex(f))
  const indexFile = all.find(isIndex)
  const result: LoadResult = {metrics: [], problems: [], warnings: [], files: all.map(displayPath)}
  const texts = await Promise.all(files.map((f) => readFile(f, 'utf8')))
  files.forEach((file, i) => {
    const parsed = parseMetricYaml(texts[i]!, displayPath(file), path.basename(path.dirname(path.resolve(file))))
    result.metrics.push(...parsed.metrics)
    result.problems.push(...parsed.problems)
  })
  if (indexFile) {
    const checked = checkIndexYaml(await readFile(indexFile, 'utf8'), displayPath(indexFile), new Set(result.metrics.map((m) => m.definition.id)))
    result.problems.push(...checked.problems)
    result.warnings.push(...checked.warnings)
    if (checked.index?.vocabulary) result.vocabulary = checked.index.vocabulary
  }
  return result
}

/**
 * Schema-checks an index file (`version`, `description`, `categories: [{name, folder, metrics}]`)
 * and warns, at the entry's line, about listed metrics that none of `defined` (ids) holds. An
 * entry is a metric name in the category's folder, or a full id.
 */
export function checkIndexYaml(text: string, file: string, defined: Set<string>): {problems: ValidationDetail[]; warnings: ValidationDetail[]; index?: MetricIndex} {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true})
  const at = (node: Node | undefined) => lineCounter.linePos(node?.range?.[0] ?? 0)
  if (doc.errors.length > 0) {
    return {problems: doc.errors.map((e) => {
      const {line, col} = lineCounter.linePos(e.pos[0])
      return {file, line, column: col, message: `YAML syntax error: ${e.message.split('\n')[0]}`}
    }), warnings: []}
  }
  const data = doc.toJSON() as unknown
  const validate = schemaValidator('metrics-index.schema.json')
  if (!validate(data)) {
    return {problems: describeSchemaErrors(validate.errors ?? [], data).map((p) => {
      const pos = at(doc.contents ? nodeAt(doc.contents as Node, p.nodePath, p.keyNode) : undefined)
      return {file, line: pos.line, column: pos.col, path: p.path, message: `index: ${p.message}`}
    }), warnings: []}
  }
  const index = data as MetricIndex
  const warnings: ValidationDetail[] = []
  index.categories.forEach((c, i) => c.metrics.forEach((entry, j) => {
    const id = entry.includes('/') ? entry : `${c.folder}/${entry}`
    if (defined.has(id)) return
    const pos = at(nodeAt(doc.contents as Node, `/categories/${i}/metrics/${j}`, false))
    warnings.push({file, line: pos.line, column: pos.col, path: `/categories/${i}/metrics/${j}`, metric: id, message: `the index lists ${id}, which no metric file defines`})
  }))
  return {problems: [], warnings, index}
}

/** The index for a set of definitions: one category per category, its metrics by name. */
export function buildIndex(metrics: MetricDefinition[], vocabulary?: Record<string, string[]>): MetricIndex {
  const byCategory = new Map<string, string[]>()
  for (const m of metrics) byCategory.set(m.category, [...(byCategory.get(m.category) ?? []), m.name])
  return {
    version: 1,
    description: 'Metric catalog index: one entry per category folder, with the metrics it holds.',
    ...(vocabulary && Object.keys(vocabulary).length > 0 ? {vocabulary} : {}),
    categories: [...byCategory.keys()].sort().map((c) => ({name: c, folder: c, metrics: byCategory.get(c)!.sort()})),
  }
}

export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file)
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(file)
}

/** Parses one YAML document holding a metric mapping or a list of them. */
export function parseMetricYaml(text: string, file: string, defaultCategory: string): {metrics: LoadedMetric[]; problems: ValidationDetail[]} {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true})
  const metrics: LoadedMetric[] = []
  const problems: ValidationDetail[] = []
  const at = (offset: number) => lineCounter.linePos(offset)
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const {line, col} = at(e.pos[0])
      problems.push({file, line, column: col, message: `YAML syntax error: ${e.message.split('\n')[0]}`})
    }
    return {metrics, problems}
  }
  const root = doc.contents
  const items: {node: Node; prefix: string}[] = []
  if (isSeq(root)) root.items.forEach((n, i) => items.push({node: n as Node, prefix: `/${i}`}))
  else if (root) items.push({node: root as Node, prefix: ''})
  if (items.length === 0) {
    problems.push({file, line: 1, column: 1, message: 'expected a metric mapping or a list of them, got an empty document'})
  }
  const validate = schemaValidator('metric.schema.json')
  for (const {node, prefix} of items) {
    const start = at(node.range?.[0] ?? 0)
    const data = node.toJSON() as unknown
    if (!isMap(node) || data === null || typeof data !== 'object' || Array.isArray(data)) {
      problems.push({file, line: start.line, column: start.col, path: prefix || '/', message: 'expected a metric mapping (name, type, ...)'})
      continue
    }
    if (!validate(data)) {
      for (const p of describeSchemaErrors(validate.errors ?? [], data)) {
        const n = nodeAt(node, p.nodePath, p.keyNode)
        const pos = at(n.range?.[0] ?? node.range?.[0] ?? 0)
        problems.push({file, line: pos.line, column: pos.col, path: prefix + p.path, message: p.message})
      }
      continue
    }
    const record = data as Record<string, unknown>
    const category = (record.category as string | undefined) ?? defaultCategory
    if (!/^[a-z][a-z0-9_]*$/.test(category)) {
      problems.push({file, line: start.line, column: start.col, path: `${prefix}/category`, message: `category defaults to the folder name "${category}", which is not snake_case; set "category"`})
      continue
    }
    metrics.push({definition: fromYamlRecord(record, category), file, line: start.line, column: start.col})
  }
  return {metrics, problems}
}

/** The deepest YAML node along a JSON pointer (the key node itself for an unknown field). */
function nodeAt(root: Node, pointer: string, keyNode: boolean): Node {
  let cur: Node = root
  const parts = pointer.split('/').slice(1)
  for (const [i, raw] of parts.entries()) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (isMap(cur)) {
      const pair = cur.items.find((it: Pair) => isScalar(it.key) && String(it.key.value) === part)
      if (!pair) return cur
      if (keyNode && i === parts.length - 1) return pair.key as Node
      if (!pair.value) return pair.key as Node
      cur = pair.value as Node
    } else if (isSeq(cur)) {
      const next = cur.items[Number(part)]
      if (!next) return cur
      cur = next as Node
    } else return cur
  }
  return cur
}

/**
 * A schema-valid YAML mapping as a definition, in its one stored spelling: `table` -> table_name,
 * `sql_by_<name>` -> sql_variants, grain `monthly` -> `month`, a `description` list joined with
 * spaces and a `notes` list one item per line (the Agnes forms).
 */
export function fromYamlRecord(record: Record<string, unknown>, category: string): MetricDefinition {
  const def: Record<string, unknown> = {}
  const variants: Record<string, string> = {}
  for (const [key, value] of Object.entries(record)) {
    if (key === 'table') def.table_name = value
    else if (key === 'grain') def.grain = GRAIN_ALIASES[value as string] ?? value
    else if (key === 'description' && Array.isArray(value)) def.description = value.join(' ')
    else if (key === 'notes' && Array.isArray(value)) def.notes = value.join('\n')
    else if (key.startsWith(VARIANT_PREFIX)) variants[key.slice(VARIANT_PREFIX.length)] = value as string
    else if (key !== 'category') def[key] = value
  }
  if (Object.keys(variants).length > 0) def.sql_variants = variants
  return {id: `${category}/${record.name as string}`, category, ...def} as MetricDefinition
}

/** Bookkeeping a stored metric carries (GET /api/metrics/{id}); a body may send it back, it is not part of the definition. */
const BOOKKEEPING = ['version', 'content_hash', 'source', 'source_file', 'created_at', 'updated_at', 'change', 'changed_at']

/**
 * A metric body in the YAML shape, from what clients send: the stored shape that the API's own GET
 * returns (`id`, `table_name`, `sql_variants`, version fields) as well as the YAML shape (`table`,
 * `sql_by_<name>`). `id` gives name and category when they are absent. Conflicting spellings of
 * one field are problems, never silently resolved.
 */
export function metricBodyToYamlRecord(body: Record<string, unknown>): {record: Record<string, unknown>; problems: ValidationDetail[]} {
  const record: Record<string, unknown> = {}
  const problems: ValidationDetail[] = []
  for (const [key, value] of Object.entries(body)) {
    if (BOOKKEEPING.includes(key) || key === 'id' || key === 'table_name' || key === 'sql_variants') continue
    record[key] = value
  }
  if (body.id !== undefined) {
    const m = typeof body.id === 'string' ? /^([^/]+)\/([^/]+)$/.exec(body.id) : null
    if (!m) problems.push({path: '/id', message: `expected a metric id <category>/<name>, got ${JSON.stringify(body.id)}`})
    else {
      for (const [field, value] of [['category', m[1]], ['name', m[2]]] as const) {
        if (record[field] === undefined) record[field] = value
        else if (record[field] !== value) problems.push({path: `/${field}`, message: `"${field}" is ${JSON.stringify(record[field])} but id ${body.id} says "${value}"`})
      }
    }
  }
  if (body.table_name !== undefined && body.table_name !== null) {
    if (record.table === undefined) record.table = body.table_name
    else if (record.table !== body.table_name) problems.push({path: '/table_name', message: `"table" and "table_name" differ; send one of them`})
  }
  if (body.sql_variants !== undefined && body.sql_variants !== null) {
    if (typeof body.sql_variants !== 'object' || Array.isArray(body.sql_variants)) problems.push({path: '/sql_variants', message: 'expected a mapping of variant name to SQL'})
    else {
      for (const [name, sql] of Object.entries(body.sql_variants as Record<string, unknown>)) {
        const key = VARIANT_PREFIX + name
        if (record[key] === undefined) record[key] = sql
        else if (record[key] !== sql) problems.push({path: `/sql_variants/${name}`, message: `"${key}" and sql_variants.${name} differ; send one of them`})
      }
    }
  }
  return {record, problems}
}

/** Export order: identity, what it means, how it is computed, how it is found, then the SQL. */
const KEY_ORDER: (keyof MetricDefinition)[] = [
  'name', 'display_name', 'description', 'type', 'unit', 'grain', 'time_aggregation', 'table_name', 'tables', 'time_column', 'expression',
  'percentile', 'numerator', 'denominator', 'formula', 'points_key', 'dimensions', 'filters', 'synonyms', 'aliases',
  'owner', 'validation', 'sql', 'sql_variants', 'notes',
]

/** The YAML mapping for a definition, in the fixed export order (category comes from the folder). */
export function toYamlRecord(def: MetricDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of KEY_ORDER) {
    const value = def[key]
    if (value === undefined || value === null) continue
    if (key === 'table_name') out.table = value
    else if (key === 'sql_variants') {
      for (const name of Object.keys(value as Record<string, string>).sort()) out[VARIANT_PREFIX + name] = (value as Record<string, string>)[name]
    } else if (key === 'validation') {
      const v = value as Record<string, unknown>
      out.validation = Object.fromEntries(['min', 'max', 'not_null'].filter((k) => v[k] !== undefined).map((k) => [k, v[k]]))
    } else if (key === 'dimensions') {
      out.dimensions = (value as MetricDefinition['dimensions'])!.map((d) =>
        typeof d === 'string' ? d : Object.fromEntries(['name', 'expr', 'description'].filter((k) => (d as unknown as Record<string, unknown>)[k] !== undefined).map((k) => [k, (d as unknown as Record<string, unknown>)[k]])),
      )
    } else out[key] = value
  }
  return out
}

/** Deterministic YAML text: fixed key order, multi-line strings as literal block scalars, no folding. */
export function metricToYaml(def: MetricDefinition): string {
  return new Document(toYamlRecord(def)).toString({lineWidth: 0, blockQuote: 'literal', indentSeq: true})
}

/** Where `export` writes a definition: `<category>/<name>.yml`. */
export function metricFilePath(def: MetricDefinition): string {
  return path.join(def.category, `${def.name}.yml`)
}

/**
 * YAML files for definitions, as `<category>/<name>.yml`; written under `dir` when given (the
 * returned paths are then the written files). Deterministic: the same definitions give the same bytes.
 */
export async function exportMetricFiles(metrics: MetricDefinition[], dir?: string, vocabulary?: Record<string, string[]>): Promise<{path: string; id: string; yaml: string; index?: true}[]> {
  const files: {path: string; id: string; yaml: string; index?: true}[] = metrics.map((m) => ({id: m.id, path: metricFilePath(m), yaml: metricToYaml(m)}))
  if (dir) {
    // the index sits beside the category folders, listing what was written
    files.push({id: INDEX_FILES[0]!, path: INDEX_FILES[0]!, yaml: new Document(buildIndex(metrics, vocabulary)).toString({lineWidth: 0, indentSeq: true}), index: true})
    for (const f of files) {
      const target = path.join(dir, f.path)
      await mkdir(path.dirname(target), {recursive: true})
      await writeFile(target, f.yaml)
      f.path = target
    }
  }
  return files
}
