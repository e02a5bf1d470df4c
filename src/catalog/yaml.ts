import {readFileSync, statSync} from 'node:fs'
import {lstat, mkdir, readdir, realpath, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {Document, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair} from 'yaml'

import {CatalogError, type ValidationDetail, formatProblem} from '../errors.js'
import {describeSchemaErrors, schemaValidator} from './schema.js'
import {MAX_PROBLEMS_PER_DOCUMENT, checkTree, sizeProblem, yamlLimits} from './yaml-limits.js'
import {GRAIN_ALIASES, type MetricDefinition} from './types.js'

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

const VARIANT_PREFIX = 'sql_by_'

const METRIC_FILE = /\.ya?ml$/

/**
 * Lists `.yml`/`.yaml` files under `target` (or `target` itself), sorted so loads are
 * deterministic. Symbolic links are followed when they resolve inside `target`; a link to a
 * metric file or folder outside it, a broken link, or a folder that cannot be read is an error
 * (VALIDATION, every such path listed), so an import never runs on a partial view of the folder,
 * and `--prune` never deletes a metric because its file was skipped.
 */
export async function listMetricFiles(target: string): Promise<string[]> {
  const info = await stat(target)
  if (info.isFile()) return [target]
  const root = await realpath(target)
  const files: string[] = []
  const problems: ValidationDetail[] = []
  // real paths of the folders being walked: a link back up one of them is a cycle, not more files
  const refuse = (file: string, message: string) => problems.push({file: displayPath(file), line: 1, column: 1, message})
  const walk = async (dir: string, ancestors: ReadonlySet<string>): Promise<void> => {
    let entries
    try {
      entries = await readdir(dir, {withFileTypes: true})
    } catch (error) {
      refuse(dir, `cannot read this folder: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
      return
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(dir, e.name)
      if (e.isDirectory()) {
        await walk(full, new Set([...ancestors, await realpath(full)]))
      } else if (e.isFile()) {
        if (METRIC_FILE.test(e.name)) files.push(full)
      } else if (e.isSymbolicLink()) {
        let real: string
        let kind
        try {
          real = await realpath(full)
          kind = await stat(real)
        } catch {
          if (METRIC_FILE.test(e.name)) refuse(full, 'a symbolic link that leads nowhere; fix or remove it')
          continue
        }
        if (!kind.isDirectory() && !METRIC_FILE.test(e.name)) continue
        if (!isInside(root, real)) {
          refuse(full, `a symbolic link to ${real}, outside ${displayPath(target)}; metric files are read only from inside the folder (copy the file in)`)
        } else if (kind.isDirectory()) {
          if (!ancestors.has(real)) await walk(full, new Set([...ancestors, real]))
        } else if (kind.isFile()) files.push(full)
      }
    }
  }
  await walk(target, new Set([root]))
  if (problems.length > 0) {
    throw new CatalogError('VALIDATION', `${formatProblem(problems[0]!)}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, {where: displayPath(target), problems})
  }
  return files.sort()
}

function isInside(root: string, file: string): boolean {
  const rel = path.relative(root, file)
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
}

/**
 * Which of `files` (what `listMetricFiles(target)` gave) is the index of the imported folder: a
 * `metrics.yml` at the top of `target` when it is a folder. The one rule for an import on the file
 * and one through a server (the client marks the document, `YamlDocument.index`).
 */
export function folderIndex(target: string, files: string[]): (file: string) => boolean {
  const isDir = files.length !== 1 || files[0] !== target
  return (f) => isDir && path.dirname(path.resolve(f)) === path.resolve(target) && INDEX_FILES.includes(path.basename(f))
}

/**
 * Reads and schema-validates every metric file under `target`; problems carry file:line:column.
 * A `metrics.yml` at the top of a folder is its index (checked, never a metric): a metric it lists
 * that no file defines is a warning.
 */
export async function loadMetricFiles(target: string): Promise<LoadResult> {
  const all = await listMetricFiles(target)
  const isIndex = folderIndex(target, all)
  const files = all.filter((f) => !isIndex(f))
  const indexFile = all.find(isIndex)
  const result: LoadResult = {metrics: [], problems: [], warnings: [], files: all.map(displayPath)}
  files.forEach((file) => {
    const text = readLimited(file)
    if (typeof text !== 'string') {
      result.problems.push(text)
      return
    }
    const parsed = parseMetricYaml(text, displayPath(file), path.basename(path.dirname(path.resolve(file))))
    result.metrics.push(...parsed.metrics)
    result.problems.push(...parsed.problems)
  })
  if (indexFile) {
    const text = readLimited(indexFile)
    const checked = typeof text === 'string' ? checkIndexYaml(text, displayPath(indexFile), new Set(result.metrics.map((m) => m.definition.id))) : {problems: [text], warnings: []}
    result.problems.push(...checked.problems)
    result.warnings.push(...checked.warnings)
    if (checked.index?.vocabulary) result.vocabulary = checked.index.vocabulary
  }
  return result
}

/**
 * A file's text, or a problem: larger than the YAML size limit (not read then), or unreadable.
 * Read synchronously: for a thousand small files, node's promise-based stat and readFile (several
 * thread-pool round trips each) took 90-225 ms where these take 20-30 ms; no server route reads
 * metric files from a path (the admin import takes texts).
 */
function readLimited(f: string): string | ValidationDetail {
  const {maxBytes} = yamlLimits()
  try {
    const size = statSync(f).size
    if (size > maxBytes) return {file: displayPath(f), line: 1, column: 1, message: `the file is ${size} bytes; at most ${maxBytes} (METRICAT_YAML_MAX_BYTES)`}
    return readFileSync(f, 'utf8')
  } catch (error) {
    return {file: displayPath(f), line: 1, column: 1, message: `cannot read this file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`}
  }
}

/**
 * Schema-checks an index file (`version`, `description`, `categories: [{name, folder, metrics}]`)
 * and warns, at the entry's line, about listed metrics that none of `defined` (ids) holds. An
 * entry is a metric name in the category's folder, or a full id.
 */
export function checkIndexYaml(text: string, file: string, defined: Set<string>): {problems: ValidationDetail[]; warnings: ValidationDetail[]; index?: MetricIndex} {
  const tooBig = sizeProblem(text)
  if (tooBig) return {problems: [{file, line: 1, column: 1, message: tooBig}], warnings: []}
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: false})
  const at = (node: Node | undefined) => lineCounter.linePos(node?.range?.[0] ?? 0)
  const syntax = [...doc.errors.map((e) => ({offset: e.pos[0], message: `YAML syntax error: ${e.message.split('\n')[0]}`})), ...(doc.errors.length > 0 ? [] : checkTree(doc))]
  if (syntax.length > 0) {
    return {problems: syntax.slice(0, MAX_PROBLEMS_PER_DOCUMENT).map((e) => {
      const {line, col} = lineCounter.linePos(e.offset)
      return {file, line, column: col, message: e.message}
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
  const metrics: LoadedMetric[] = []
  const problems: ValidationDetail[] = []
  const tooBig = sizeProblem(text)
  if (tooBig) return {metrics, problems: [{file, line: 1, column: 1, message: tooBig}]}
  const lineCounter = new LineCounter()
  // Duplicate keys are found by `checkTree` in one pass; the library's own check is quadratic.
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: false})
  const at = (offset: number) => lineCounter.linePos(offset)
  const syntax = [...doc.errors.map((e) => ({offset: e.pos[0], message: `YAML syntax error: ${e.message.split('\n')[0]}`})), ...(doc.errors.length > 0 ? [] : checkTree(doc))]
  if (syntax.length > 0) {
    for (const e of syntax.slice(0, MAX_PROBLEMS_PER_DOCUMENT)) {
      const {line, col} = at(e.offset)
      problems.push({file, line, column: col, message: e.message})
    }
    return {metrics, problems: capped(problems, syntax.length, file)}
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
      // describing an error costs a little (close-match hints); describe no more than are shown
      const errors = validate.errors ?? []
      const described = describeSchemaErrors(errors.slice(0, 4 * MAX_PROBLEMS_PER_DOCUMENT), data)
      if (described.length > MAX_PROBLEMS_PER_DOCUMENT || errors.length > 4 * MAX_PROBLEMS_PER_DOCUMENT) {
        problems.push({file, line: start.line, column: start.col, path: prefix || '/', message: `more than ${MAX_PROBLEMS_PER_DOCUMENT} schema problems in this metric; the first ${MAX_PROBLEMS_PER_DOCUMENT} follow`})
      }
      for (const p of described.slice(0, MAX_PROBLEMS_PER_DOCUMENT)) {
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

/** At most MAX_PROBLEMS_PER_DOCUMENT problems, plus one line that counts the rest. */
function capped(problems: ValidationDetail[], total: number, file: string): ValidationDetail[] {
  if (total <= problems.length) return problems
  const last = problems.at(-1)
  return [...problems, {file, line: last?.line ?? 1, column: last?.column ?? 1, message: `and ${total - problems.length} more problems like these`}]
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
    else if (key === 'grain') def.grain = (typeof value === 'string' && Object.hasOwn(GRAIN_ALIASES, value) ? GRAIN_ALIASES[value as keyof typeof GRAIN_ALIASES] : value) as MetricDefinition['grain']
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
  'owner', 'validation', 'chart', 'rollups', 'sql', 'sql_variants', 'notes',
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
    } else if (key === 'rollups') {
      out.rollups = (value as Record<string, unknown>[]).map((r) => Object.fromEntries(['grain', 'by'].filter((k) => r[k] !== undefined).map((k) => [k, r[k]])))
    } else if (key === 'chart') {
      const v = value as Record<string, unknown>
      out.chart = Object.fromEntries(['type', 'stacked'].filter((k) => v[k] !== undefined).map((k) => [k, v[k]]))
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
    // Every path is checked before the first file is written: nothing half-exported.
    for (const m of metrics) await assertExportPath(dir, m)
    await assertNoLinkOut(dir, [INDEX_FILES[0]!])
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

const SNAKE = /^[a-z][a-z0-9_]*$/

/**
 * `export --dir` writes `<dir>/<category>/<name>.yml` and nothing else: whatever a stored
 * definition (or a server) says, a category or name that is not snake_case, or a category folder
 * or file that is a symbolic link leading outside `dir`, is refused before anything is written.
 */
async function assertExportPath(dir: string, m: MetricDefinition): Promise<void> {
  const refuse = (why: string) => {
    throw new CatalogError('BAD_REQUEST', `refusing to export ${JSON.stringify(m.id)}: ${why}; export writes only <category>/<name>.yml inside ${dir}`, {id: m.id, dir})
  }
  if (typeof m.category !== 'string' || !SNAKE.test(m.category)) refuse(`its category ${JSON.stringify(m.category)} is not snake_case`)
  if (typeof m.name !== 'string' || !SNAKE.test(m.name)) refuse(`its name ${JSON.stringify(m.name)} is not snake_case`)
  await assertNoLinkOut(dir, [m.category, path.join(m.category, `${m.name}.yml`)], m.id)
}

/** Refuses (BAD_REQUEST) when a path under `dir` is a symbolic link that leads outside it, or nowhere. */
async function assertNoLinkOut(dir: string, relative: string[], id?: string): Promise<void> {
  const root = await realpath(dir).catch(() => undefined)
  if (root === undefined) return // the folder does not exist yet: nothing inside it can lead out
  const refuse = (why: string) => {
    throw new CatalogError('BAD_REQUEST', `refusing to export${id ? ` ${JSON.stringify(id)}` : ''}: ${why}; export writes only inside ${dir}`, {id, dir})
  }
  for (const p of relative.map((r) => path.join(dir, r))) {
    const real = await realpath(p).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : p))
    if (real !== undefined && !isInside(root, real)) refuse(`${displayPath(p)} leads outside the folder (to ${real})`)
    if (real === undefined) {
      // a dangling symbolic link would be written through: refuse it too
      const link = await lstat(p).catch(() => undefined)
      if (link?.isSymbolicLink()) refuse(`${displayPath(p)} is a symbolic link that leads nowhere`)
    }
  }
}
