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
  files: string[]
}

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

/** Reads and schema-validates every metric file under `target`; problems carry file:line:column. */
export async function loadMetricFiles(target: string): Promise<LoadResult> {
  const files = await listMetricFiles(target)
  const result: LoadResult = {metrics: [], problems: [], files: files.map(displayPath)}
  const texts = await Promise.all(files.map((f) => readFile(f, 'utf8')))
  files.forEach((file, i) => {
    const parsed = parseMetricYaml(texts[i]!, displayPath(file), path.basename(path.dirname(path.resolve(file))))
    result.metrics.push(...parsed.metrics)
    result.problems.push(...parsed.problems)
  })
  return result
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

export function fromYamlRecord(record: Record<string, unknown>, category: string): MetricDefinition {
  const def: Record<string, unknown> = {}
  const variants: Record<string, string> = {}
  for (const [key, value] of Object.entries(record)) {
    if (key === 'table') def.table_name = value
    else if (key.startsWith(VARIANT_PREFIX)) variants[key.slice(VARIANT_PREFIX.length)] = value as string
    else if (key !== 'category') def[key] = value
  }
  if (Object.keys(variants).length > 0) def.sql_variants = variants
  return {id: `${category}/${record.name as string}`, category, ...def} as MetricDefinition
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
export async function exportMetricFiles(metrics: MetricDefinition[], dir?: string): Promise<{path: string; id: string; yaml: string}[]> {
  const files = metrics.map((m) => ({id: m.id, path: metricFilePath(m), yaml: metricToYaml(m)}))
  if (dir) {
    for (const f of files) {
      const target = path.join(dir, f.path)
      await mkdir(path.dirname(target), {recursive: true})
      await writeFile(target, f.yaml)
      f.path = target
    }
  }
  return files
}
