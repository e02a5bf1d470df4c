import {existsSync} from 'node:fs'
import path from 'node:path'

import type {FieldChange} from '../catalog/diff.js'
import {contentHash} from '../catalog/hash.js'
import {
  type ChangeKind,
  type ChangeSource,
  type MetricVersion,
  deleteMetric,
  deleteMetrics,
  readAllMetrics,
  readHistory,
  readMetric,
  readMetricByAlias,
  writeMetric,
  writeMetrics,
} from '../catalog/repository.js'
import {type SearchHit, searchMetrics, synonymKey} from '../catalog/search.js'
import {closest, similarValues} from '../catalog/suggest.js'
import {type Located, checkSemantics} from '../catalog/semantic.js'
import type {MetricDefinition, StoredMetric} from '../catalog/types.js'
import type {LoadResult, LoadedMetric} from '../catalog/yaml.js'
import {Database, firstLine, type OpenOptions, type Tx} from '../db/connection.js'
import {migrate, pendingMigrations} from '../db/migrator.js'
import type {CatalogApi} from './catalog-api.js'
import type {ColumnUse, TableMapEntry} from './columns.js'
import {checkDefinitionSql} from './definition-sql.js'
import {CatalogError, FIND_METRIC_HINT, type ValidationDetail, formatProblem, noSuchPath, sortProblems} from '../errors.js'
import {cleanRow} from './numbers.js'
import type {DialectName} from '../query/dialect.js'
import {setting} from './settings.js'
import {DuckDbWarehouse} from '../warehouse/duckdb.js'
import type {Warehouse} from '../warehouse/types.js'
import {DUCKDB_POINTS, type PointsStore} from '../points/store.js'
import {compileMetricQuery, metricKind, metricReferences, needsFirstTime, planMetricQuery, renderDataThrough, renderDimensionValues, renderLastTimes, renderPlan, renderValuesPresent, type CompileOptions, type CompiledQuery, type MetricQuery, type QueryResult} from '../query/index.js'
import {clickhousePeriodCap, type AggregatePlan, type MeasurePlan} from '../query/plan.js'
import type {ResultRow} from '../query/types.js'

// YAML and ajv load only for the commands that read or write YAML; `show --json` never needs them.
const yamlModule = () => import('../catalog/yaml.js')

export interface OpenCatalogOptions {
  /** database file; defaults to METRICAT_DB, then ./metricat.duckdb */
  db?: string
  /**
   * The warehouse metric SQL runs on; defaults to METRICAT_WAREHOUSE, then `warehouse:` in
   * ./metricat.config.yml (src/core/settings.ts). A DuckDB file is attached
   * read-only; a `clickhouse://[user[:password]@]host:port/database` URL runs metric queries on
   * that ClickHouse server (the catalog stays in the DuckDB file).
   */
  warehouse?: string
  /** create the file when it does not exist (only `init`); otherwise a missing file is an error */
  create?: boolean
  /**
   * Files DuckDB may read besides the attached databases (`load` passes the file it loads).
   * Everything else on the file system is closed once the catalog is open (`Database.lockDown`).
   */
  readFiles?: string[]
  /**
   * open the file READ_ONLY (commands that only read): many such processes can share the file,
   * and a file without write permission can be read. A file that needs migrating is opened
   * read-write just long enough to migrate it, then read-only again.
   */
  readOnly?: boolean
  /** how long to wait (ms) while another process holds the file; default 0 */
  waitMs?: number
  /** stop waiting early for this lock holder (a server the caller can go through instead) */
  giveUp?: OpenOptions['giveUp']
  /** told when waiting for a lock begins */
  onWait?: OpenOptions['onWait']
  /** read connections for queries beside the write connection (the server; default none) */
  readConnections?: number
  /** DuckDB memory_limit, e.g. `4GB` */
  memoryLimit?: string
  /** where points are stored: `clickhouse://...` (see src/points/clickhouse.ts); defaults to METRICAT_POINTS, then `points:` in ./metricat.config.yml, else the file */
  points?: string
}

/** The database path a command uses: the flag, then METRICAT_DB, then ./metricat.duckdb. */
export function resolveDbPath(flag?: string): string {
  const given = flag || process.env.METRICAT_DB || 'metricat.duckdb'
  // DuckDB reads ":memory:" (and ":memory:NAME") as a database that lives and dies with the process:
  // a catalog there would start empty for every command, and path.resolve would make it a file
  if (given.startsWith(':memory:')) {
    const source = flag ? `--db ${given}` : `METRICAT_DB=${given}`
    throw new CatalogError('BAD_REQUEST', `${source} names DuckDB's in-memory database, which would start empty for every command; the catalog is a file: pass a file path such as ./metricat.duckdb`, {db: given})
  }
  return path.resolve(given)
}

/** Opens (and migrates) the catalog database. The one entry point for the CLI, server and agents. */
export async function openCatalog(options: OpenCatalogOptions = {}): Promise<Catalog> {
  const file = resolveDbPath(options.db)
  if (!options.create && !existsSync(file)) {
    throw new CatalogError('NOT_FOUND', `no metricat database at ${file}; run \`metricat init\` first, or pass --db PATH`, {
      file,
      hint: `create it with \`metricat init${options.db ? ` --db ${options.db}` : ''}\` (\`init --demo\` adds the starter metrics and a sample warehouse), or point --db or METRICAT_DB at an existing file`,
    })
  }
  const lock = {waitMs: options.waitMs, giveUp: options.giveUp, onWait: options.onWait}
  let db = await Database.open(file, {...lock, readOnly: options.readOnly, memoryLimit: options.memoryLimit})
  let warehouse: Warehouse | undefined
  try {
    if (db.readOnly) {
      const {current, pending} = await pendingMigrations(db)
      if (pending.length > 0) {
        db.close()
        await migrateFile(file, current, pending.at(-1)!.version, lock)
        db = await Database.open(file, {...lock, readOnly: true, memoryLimit: options.memoryLimit})
      }
    } else await migrate(db)
    warehouse = await openWarehouse(db, await setting('warehouse', options.warehouse))
    if (options.readConnections) await db.openReadPool(options.readConnections)
    await db.lockDown(options.readFiles)
  } catch (error) {
    db.close()
    throw error
  }
  const catalog = new Catalog(db, warehouse)
  const points = await setting('points', options.points)
  if (points) {
    const [{openPointsStore}, {ClickHouseWarehouse}] = await Promise.all([import('../points/clickhouse.js'), import('../warehouse/clickhouse.js')])
    try {
      const store = openPointsStore(points)
      catalog.pointsStore = store
      catalog.pointsWarehouse = store.withTable(ClickHouseWarehouse.fromUrl(points))
    } catch (error) {
      db.close()
      throw error
    }
  }
  return catalog
}

/**
 * The warehouse behind `--warehouse`: a `clickhouse://` URL is a ClickHouse server (nothing is
 * attached); a path is a DuckDB file attached read-only; nothing is the metricat file itself.
 */
async function openWarehouse(db: Database, warehouse: string | undefined): Promise<Warehouse | undefined> {
  if (!warehouse) return undefined
  const {isClickHouseUrl, ClickHouseWarehouse} = await import('../warehouse/clickhouse.js')
  if (isClickHouseUrl(warehouse)) return ClickHouseWarehouse.fromUrl(warehouse)
  await db.attachWarehouse(warehouse)
  return undefined
}

/** Brings a file a read-only open found out of date up to `target`, read-write, and closes it. */
async function migrateFile(file: string, current: number, target: number, lock: Pick<OpenCatalogOptions, 'waitMs' | 'giveUp' | 'onWait'>): Promise<void> {
  let db: Database
  try {
    db = await Database.open(file, lock)
  } catch (error) {
    if (error instanceof CatalogError && error.code === 'DB_LOCKED') {
      // still a lock error (the CLI's hints and its way through a running server key on it), saying why this reader needed the file alone
      throw new CatalogError(
        'DB_LOCKED',
        `${error.message}; the file needs migrating from catalog schema version ${current} to ${target} before it can be read, which needs it alone for a moment (or run \`metricat init --db ${file}\` once nothing else has it open)`,
        {...error.details, version: current, target},
        {cause: error},
      )
    }
    if (!(error instanceof CatalogError) || error.code !== 'BAD_REQUEST') throw error
    throw new CatalogError(
      'MIGRATION_FAILED',
      `${file} has catalog schema version ${current} and needs migrating to ${target}, which cannot be done read-only (${error.message}); run \`metricat init --db ${file}\` once where the file is writable`,
      {file, version: current, target},
      {cause: error},
    )
  }
  try {
    await migrate(db)
  } finally {
    db.close()
  }
}

/** Where `Catalog.streamMetric` delivers a result: first everything but the rows, then the rows in chunks. */
export interface ResultSink {
  start(head: QueryResult): void | Promise<void>
  rows(rows: ResultRow[]): void | Promise<void>
}

export interface ImportOptions {
  prune?: boolean
  dryRun?: boolean
  source?: ChangeSource
  actor?: string
}

export interface PlannedChange {
  id: string
  change: ChangeKind
  file?: string
  fields?: FieldChange[]
}

export interface DimensionValues {
  metric: string
  dimension: string
  search: string | null
  /** most rows first */
  values: {value: string | number | boolean | null; rows: number}[]
  /** more values exist than `limit` */
  truncated: boolean
}

export interface ImportPlan {
  /** the index's search vocabulary, when it has one: how many words, and whether it differs from the stored one */
  vocabulary?: {words: number; changed: boolean}
  added: PlannedChange[]
  changed: PlannedChange[]
  removed: PlannedChange[]
  unchanged: string[]
  applied: boolean
  /** e.g. the index file lists a metric no file defines; the import goes ahead */
  warnings: ValidationDetail[]
}

export interface YamlDocument {
  /** a name for error messages, e.g. the file name */
  file: string
  text: string
  /** category for mappings that do not set one */
  category?: string
  /**
   * the index of the imported folder (its top `metrics.yml`), as the client that read the folder
   * knows; when no document says, a document named `metrics.yml` is the index as its name suggests
   */
  index?: boolean
}

export interface WriteOptions {
  source?: ChangeSource
  actor?: string
  /** refuse (CONFLICT) unless the stored metric is at this version, checked inside the write transaction */
  expectedVersion?: number
}

export interface ValidationReport {
  metrics: number
  problems: ValidationDetail[]
  /** whether warehouse checks ran (and passed) */
  warehouse?: boolean
  /** e.g. the index file lists a metric no file defines */
  warnings: ValidationDetail[]
}

/**
 * `metricat validate`: files under `path` (or the stored catalog), checked against the database
 * when one exists (or a warehouse is given); without one, files get schema and catalog checks
 * only, on a throwaway in-memory catalog.
 */
export async function validateMetrics(options: {db?: string; warehouse?: string; path?: string} & Pick<OpenCatalogOptions, 'readOnly' | 'waitMs' | 'giveUp' | 'onWait'>): Promise<ValidationReport> {
  const warehouse = await setting('warehouse', options.warehouse)
  if (!options.path || existsSync(resolveDbPath(options.db))) {
    // the stored catalog, or files checked against it: the database must exist (never made here)
    const catalog = await openCatalog({db: options.db, warehouse, readOnly: options.readOnly, waitMs: options.waitMs, giveUp: options.giveUp, onWait: options.onWait})
    try {
      return await catalog.validate(options.path, {warehouse: true})
    } finally {
      catalog.close()
    }
  }
  // Files without a database: a throwaway in-memory catalog; warehouse checks only with a warehouse.
  const db = await Database.open(':memory:')
  let catalog: Catalog | undefined
  try {
    await migrate(db)
    catalog = new Catalog(db, await openWarehouse(db, warehouse))
    await db.lockDown()
    return await catalog.validate(options.path, {warehouse: Boolean(warehouse)})
  } finally {
    if (catalog) catalog.close()
    else db.close()
  }
}

export class Catalog implements CatalogApi {
  /** content hashes whose SQL passed `checkDefinitionSql` in this process */
  private readonly runnable = new Set<string>()
  /** current definitions by id, loaded on first need and dropped on every write */
  private cache: Map<string, StoredMetric> | undefined
  private vocabularyCache: Record<string, string[]> | undefined
  /** expression text -> whether it already is an aggregate (DuckDB's parse does not change) */
  private readonly aggregates = new Map<string, boolean>()
  /** what the data said (data_through per input, rollup states), each under the stamp it holds for (see `dataStamp`) */
  private readonly dataMemo = new Map<string, {stamp: string; value: unknown}>()

  /** where points are ingested and queried: the file, or a ClickHouse server (`--points`) */
  pointsStore: PointsStore = DUCKDB_POINTS
  /** with points on ClickHouse: that server as a warehouse, where metrics computed only from points run */
  pointsWarehouse: Warehouse | undefined

  /** where metric queries run: the DuckDB file (default) or a ClickHouse server (`--warehouse clickhouse://...`) */
  readonly warehouse: Warehouse
  /** the DuckDB file as a warehouse: points metrics always run here, whatever `warehouse` is */
  private readonly local: Warehouse

  constructor(readonly db: Database, warehouse?: Warehouse) {
    this.local = new DuckDbWarehouse(db)
    this.warehouse = warehouse ?? this.local
  }

  /**
   * Where a metric runs and in which dialect: the warehouse, except a metric computed only from
   * points (`points_key`, also through ratio/derived), whose points are in the DuckDB file. A
   * metric mixing points and warehouse tables on a ClickHouse warehouse is refused by the planner.
   */
  engineFor(metric: MetricDefinition, lookup: (id: string) => MetricDefinition | undefined): {warehouse: Warehouse; dialect: DialectName; pointsTable?: string} {
    if (this.warehouse === this.local && this.pointsStore.kind === 'duckdb') return {warehouse: this.local, dialect: 'duckdb'}
    if (!this.readsOnlyPoints(metric, lookup)) return {warehouse: this.warehouse, dialect: this.warehouse.dialect}
    // points on ClickHouse (`--points`): a points-only metric runs there, on its points table
    if (this.pointsStore.kind === 'clickhouse' && this.pointsWarehouse) {
      return {warehouse: this.pointsWarehouse, dialect: 'clickhouse', pointsTable: (this.pointsStore as {table?: string}).table}
    }
    return {warehouse: this.local, dialect: 'duckdb'}
  }

  /** Whether every input of the metric (through ratio/derived) is computed from points (`points_key`). */
  private readsOnlyPoints(metric: MetricDefinition, lookup: (id: string) => MetricDefinition | undefined): boolean {
    const seen = new Set<string>()
    const onlyPoints = (m: MetricDefinition | undefined): boolean => {
      if (!m || seen.has(m.id)) return true
      seen.add(m.id)
      const refs = metricReferences(m)
      if (refs.length === 0) return typeof m.points_key === 'string' && m.points_key.trim() !== ''
      return refs.every((r) => onlyPoints(lookup(r)))
    }
    return onlyPoints(metric)
  }

  get file(): string {
    return this.db.file
  }

  close(): void {
    void this.pointsStore.close?.()
    this.pointsWarehouse?.close()
    if (this.warehouse !== this.local) this.warehouse.close()
    this.db.close()
  }

  /** Every current definition, ordered by id, optionally of one category. */
  async list(options: {category?: string} = {}): Promise<StoredMetric[]> {
    const all = [...(await this.all()).values()]
    return options.category ? all.filter((m) => m.category === options.category) : all
  }

  /** A current definition by id or former id (alias). Throws NOT_FOUND with close matches. */
  async get(id: string): Promise<StoredMetric> {
    const found = this.cache
      ? (this.cache.get(id) ?? [...this.cache.values()].find((m) => m.aliases?.includes(id)))
      : ((await readMetric(this.db, id)) ?? (await readMetricByAlias(this.db, id)))
    if (found) return found
    const all = [...(await this.all()).values()]
    const near = [...closest(id, all.map((m) => m.id)), ...searchMetrics(all, id.split('/').at(-1) ?? id).map((h) => h.id)]
    const hints = [...new Set(near)].slice(0, 3)
    throw new CatalogError(
      'NOT_FOUND',
      `unknown metric ${id}${hints.length > 0 ? `; did you mean ${hints.join(', ')}?` : '; see `metricat list`'}`,
      {id, hint: FIND_METRIC_HINT},
    )
  }

  /** A definition as of a version (`version` omitted: the current one). Deleted metrics keep their history. */
  async show(id: string, version?: number): Promise<(StoredMetric & {data_through?: string | null}) | (MetricDefinition & {version: number; change: ChangeKind; changed_at: string})> {
    if (version === undefined) {
      // the current definition of a table metric, with how far its data goes
      const metric = await this.get(id)
      let dataThrough: string | null
      try {
        dataThrough = await this.dataThrough(metric.id)
      } catch {
        // show works without the warehouse (or with a broken definition); the data just is not known
        return metric
      }
      return metricKind(metric) === 'sql' ? metric : {...metric, data_through: dataThrough}
    }
    const history = await this.history(id)
    const v = history.find((h) => h.version === version)
    if (!v) {
      throw new CatalogError('NOT_FOUND', `${id} has no version ${version}; versions: ${history.map((h) => h.version).join(', ')}`, {id, version, hint: `\`metricat history ${id}\` lists its versions`})
    }
    return {...v.definition, version: v.version, change: v.change, changed_at: v.changed_at}
  }

  /** Every version of a metric, oldest first; works for deleted metrics and through aliases. */
  async history(id: string): Promise<MetricVersion[]> {
    let history = await readHistory(this.db, id)
    if (history.length === 0) {
      const current = await this.get(id)
      history = await readHistory(this.db, current.id)
    }
    return history
  }

  /** Deletes a metric (recording a `delete` version). */
  async delete(id: string, options: WriteOptions = {}): Promise<{id: string; deleted: true}> {
    const current = await this.get(id)
    const others = [...(await this.all()).values()].filter((m) => m.id !== current.id)
    const broken = this.newProblems(others.map((m) => ({definition: m})))
    if (broken.length > 0) {
      throw new CatalogError('CONFLICT', `cannot delete ${current.id}: ${broken.map((p) => `${p.metric} ${p.message}`).join('; ')}`, {id: current.id, problems: broken})
    }
    await this.db.transaction(async (tx) => {
      await assertVersion(tx, current.id, options.expectedVersion)
      // again on the rows as they are now: another write may have landed since the check above
      const stored = await readAllMetrics(tx)
      const after = stored.filter((m) => m.id !== current.id).map((m) => ({definition: m}))
      const now = problemsAdded(stored, after)
      if (now.length > 0) {
        throw new CatalogError('CONFLICT', `cannot delete ${current.id}: ${now.map((p) => `${p.metric} ${p.message}`).join('; ')}`, {id: current.id, problems: now})
      }
      await deleteMetric(tx, current.id, {source: options.source ?? 'cli', actor: options.actor})
    })
    this.cache = undefined
    return {id: current.id, deleted: true}
  }

  /** Creates or replaces one definition after schema and catalog checks. */
  async putMetric(body: Record<string, unknown>, options: WriteOptions & {category?: string} = {}): Promise<{metric: StoredMetric; change: ChangeKind | null}> {
    const {parseMetricYaml, metricBodyToYamlRecord} = await yamlModule()
    const {record, problems: shapeProblems} = metricBodyToYamlRecord(body)
    if (shapeProblems.length > 0) throw validationError(shapeProblems.map((p) => ({...p, file: 'body'})), 'body')
    const text = JSON.stringify(record)
    const loaded = parseMetricYaml(text, 'body', options.category ?? (record.category as string | undefined) ?? '')
    if (loaded.problems.length > 0) throw validationError(loaded.problems, 'body')
    const metric = loaded.metrics[0]!
    // a stale writer hears about the version first, before any complaint about its body
    checkVersion(metric.definition.id, (await this.all()).get(metric.definition.id)?.version, options.expectedVersion)
    const after = new Map([...(await this.all()).values()].map((m) => [m.id, {definition: m} as Located]))
    after.set(metric.definition.id, {definition: metric.definition})
    const problems = this.newProblems([...after.values()])
    if (problems.length === 0) problems.push(...(await checkDefinitionSql(this.db, [metric])))
    if (problems.length === 0) {
      const {checkWarehouse} = await import('./warehouse.js')
      problems.push(...(await checkWarehouse(this, [{definition: metric.definition}], [...after.values()], {importing: true})))
    }
    if (problems.length > 0) throw validationError(problems, 'body')
    const change = await this.db.transaction(async (tx) => {
      await assertVersion(tx, metric.definition.id, options.expectedVersion)
      // again on the rows as they are now: another write may have landed since the check above
      const stored = await readAllMetrics(tx)
      const now = new Map(stored.map((m) => [m.id, {definition: m} as Located]))
      now.set(metric.definition.id, {definition: metric.definition})
      const conflicts = problemsAdded(stored, [...now.values()])
      if (conflicts.length > 0) throw validationError(conflicts, 'body')
      return writeMetric(tx, metric.definition, {source: options.source ?? 'api', actor: options.actor})
    })
    this.cache = undefined
    return {metric: await this.get(metric.definition.id), change}
  }

  /**
   * Changes some fields of a metric (PATCH): `patch` holds the fields to set (YAML or stored
   * spelling, as `putMetric` takes them); a field set to null is removed. Name and category stay.
   */
  async patchMetric(id: string, patch: Record<string, unknown>, options: WriteOptions = {}): Promise<{metric: StoredMetric; change: ChangeKind | null}> {
    const current = await this.get(id)
    const {metricBodyToYamlRecord, toYamlRecord} = await yamlModule()
    const removed = Object.keys(patch).filter((k) => patch[k] === null)
    const {record: changes, problems} = metricBodyToYamlRecord({...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null)), id: current.id})
    if (problems.length > 0) throw validationError(problems.map((p) => ({...p, file: 'body'})), 'body')
    const merged: Record<string, unknown> = {...toYamlRecord(current), ...changes}
    for (const k of removed) {
      if (k === 'name' || k === 'category' || k === 'id') throw validationError([{file: 'body', path: `/${k}`, message: `"${k}" cannot be removed`}], 'body')
      delete merged[k === 'table_name' ? 'table' : k]
      if (k === 'sql_variants') for (const v of Object.keys(merged)) if (v.startsWith('sql_by_')) delete merged[v]
    }
    return this.putMetric(merged, {...options, category: current.category})
  }

  /** Import from a file or folder of YAML (`metrics/<category>/<name>.yml`). Atomic and idempotent. */
  async importPath(target: string, options: ImportOptions = {}): Promise<ImportPlan> {
    return this.applyImport(await loadFrom(target), {source: 'yaml', ...options})
  }

  /** Import from YAML texts (the HTTP admin route), with the same rules as `importPath`. */
  async importDocuments(documents: YamlDocument[], options: ImportOptions = {}): Promise<ImportPlan> {
    const {parseMetricYaml, checkIndexYaml, INDEX_FILES} = await yamlModule()
    const load: LoadResult = {metrics: [], problems: [], warnings: [], files: documents.map((d) => d.file)}
    // A document named metrics.yml is the index, as at the top of a folder (`file` is the name the
    // client gave): the bare name, or `<folder>/metrics.yml` beside documents that all lie in
    // subfolders of <folder> (what `metricat import metrics/` sends through a server).
    const folderOf = (file: string) => path.posix.dirname(file.replaceAll('\\', '/'))
    const marked = documents.some((d) => d.index !== undefined)
    const isIndex = (d: YamlDocument) => {
      if (marked) return d.index === true
      if (INDEX_FILES.includes(d.file)) return true
      if (!INDEX_FILES.includes(path.posix.basename(d.file.replaceAll('\\', '/')))) return false
      const top = `${folderOf(d.file)}/`
      return documents.length > 1 && documents.every((o) => o === d || folderOf(o.file).startsWith(top))
    }
    for (const d of documents.filter((x) => !isIndex(x))) {
      const parsed = parseMetricYaml(d.text, d.file, d.category ?? '')
      load.metrics.push(...parsed.metrics)
      load.problems.push(...parsed.problems)
    }
    for (const d of documents.filter(isIndex)) {
      const checked = checkIndexYaml(d.text, d.file, new Set(load.metrics.map((m) => m.definition.id)))
      load.problems.push(...checked.problems)
      load.warnings.push(...checked.warnings)
      if (checked.index?.vocabulary) load.vocabulary = checked.index.vocabulary
    }
    return this.applyImport(load, {source: 'api', ...options})
  }

  /** What importing `target` would change, with removals of metrics the files do not hold. */
  async diff(target: string): Promise<ImportPlan> {
    return this.applyImport(await loadFrom(target), {prune: true, dryRun: true})
  }

  private async applyImport(load: LoadResult, options: ImportOptions): Promise<ImportPlan> {
    const existing = await this.all()
    // each file's content hash, computed once (it is compared here twice)
    const hashes = new Map<LoadedMetric, string>()
    const hashOf = (m: LoadedMetric) => {
      let h = hashes.get(m)
      if (h === undefined) hashes.set(m, (h = contentHash(m.definition)))
      return h
    }
    const problems = [...load.problems]
    const after = new Map<string, Located>()
    for (const m of existing.values()) after.set(m.id, {definition: m})
    const imported = new Set<string>()
    const located: Located[] = []
    for (const m of load.metrics) {
      located.push(m)
      if (imported.has(m.definition.id)) continue
      imported.add(m.definition.id)
      after.set(m.definition.id, m)
    }
    if (options.prune) for (const id of existing.keys()) if (!imported.has(id)) after.delete(id)
    if (problems.length === 0) {
      // duplicate ids among the files are reported through `located`, the rest through `after`
      const all = [...located, ...[...after.values()].filter((m) => !imported.has(m.definition.id))]
      problems.push(...checkSemantics(all, metricReferences))
    }
    if (problems.length === 0) problems.push(...(await checkDefinitionSql(this.db, load.metrics)))
    if (problems.length === 0) {
      // an expression that cannot bind over a table that exists is refused now, not at query time
      const {checkWarehouse} = await import('./warehouse.js')
      const changedIds = new Set(load.metrics.filter((m) => existing.get(m.definition.id)?.content_hash !== hashOf(m)).map((m) => m.definition.id))
      const checked = [...after.values()].filter((m) => changedIds.has(m.definition.id))
      problems.push(...(await checkWarehouse(this, checked, [...after.values()], {importing: true})))
    }
    if (problems.length > 0) throw validationError(problems, load.files.length === 1 ? load.files[0]! : `${load.files.length} files`)

    const {diffDefinitions} = await import('../catalog/diff.js')
    const plan: ImportPlan = {added: [], changed: [], removed: [], unchanged: [], applied: false, warnings: load.warnings}
    const writes: LoadedMetric[] = []
    for (const m of load.metrics) {
      const before = existing.get(m.definition.id)
      if (!before) {
        plan.added.push({id: m.definition.id, change: 'create', file: m.file})
        writes.push(m)
      } else if (before.content_hash !== hashOf(m)) {
        plan.changed.push({id: m.definition.id, change: 'update', file: m.file, fields: diffDefinitions(before, m.definition)})
        writes.push(m)
      } else plan.unchanged.push(m.definition.id)
    }
    if (options.prune) {
      for (const id of existing.keys()) if (!imported.has(id)) plan.removed.push({id, change: 'delete'})
    }
    const vocabulary = load.vocabulary
    const vocabularyChanged = vocabulary !== undefined && JSON.stringify(sortedVocabulary(vocabulary)) !== JSON.stringify(sortedVocabulary(await this.vocabulary()))
    if (vocabulary !== undefined) plan.vocabulary = {words: Object.keys(vocabulary).length, changed: vocabularyChanged}
    if (options.dryRun || (writes.length === 0 && plan.removed.length === 0 && !vocabularyChanged)) return plan
    const ctx = {source: options.source ?? 'yaml', actor: options.actor}
    await this.db.transaction(async (tx) => {
      // again on the rows as they are now: another write may have landed since the checks above
      const stored = await readAllMetrics(tx)
      const now = new Map<string, Located>(stored.map((m) => [m.id, {definition: m}]))
      for (const r of plan.removed) now.delete(r.id)
      for (const m of load.metrics) now.set(m.definition.id, m)
      const conflicts = problemsAdded(stored, [...now.values()])
      if (conflicts.length > 0) throw validationError(conflicts, load.files.length === 1 ? load.files[0]! : `${load.files.length} files`)
      await writeMetrics(tx, writes.map((m) => ({definition: m.definition, sourceFile: m.file})), ctx)
      await deleteMetrics(tx, plan.removed.map((r) => r.id), ctx)
      if (vocabularyChanged) {
        await tx.run('DELETE FROM mc.metricat.vocabulary')
        for (const [word, expansions] of Object.entries(vocabulary)) await tx.run('INSERT INTO mc.metricat.vocabulary VALUES ($1, $2)', [word, JSON.stringify(expansions)])
      }
    })
    this.cache = undefined
    this.vocabularyCache = undefined
    plan.applied = true
    return plan
  }

  /**
   * YAML for the given metrics (all when `ids` is empty), as `<category>/<name>.yml` files;
   * written under `dir` when given, with the index `metrics.yml` (`index: true`) beside them. Deterministic: the same catalog gives the same bytes.
   */
  async exportMetrics(options: {dir?: string; ids?: string[]} = {}): Promise<{path: string; id: string; yaml: string; index?: true}[]> {
    const metrics = options.ids && options.ids.length > 0 ? await Promise.all(options.ids.map((id) => this.get(id))) : await this.list()
    return (await yamlModule()).exportMetricFiles(metrics, options.dir, await this.vocabulary())
  }

  /**
   * Schema and catalog checks for files under `target`, or for the stored catalog when omitted;
   * with `warehouse`, also binds every metric against the warehouse (see `checkWarehouse`).
   */
  async validate(target?: string, options: {warehouse?: boolean} = {}): Promise<ValidationReport> {
    const stored = [...(await this.all()).values()].map((m): Located => ({definition: m, file: m.source_file}))
    let metrics: Located[]
    let problems: ValidationDetail[]
    let pool: Located[]
    let warnings: ValidationDetail[] = []
    if (target) {
      // Files are checked as an import would apply them: over the stored metrics they do not
      // redefine, so a reference to a stored metric resolves; only problems they bring count.
      const load = await loadFrom(target)
      metrics = load.metrics
      warnings = load.warnings
      const ids = new Set(metrics.map((m) => m.definition.id))
      pool = [...metrics, ...stored.filter((m) => !ids.has(m.definition.id))]
      problems = load.problems.length > 0 ? load.problems : this.newProblems(pool)
    } else {
      metrics = stored
      pool = stored
      problems = checkSemantics(metrics, metricReferences)
    }
    if (problems.length === 0) problems = await checkDefinitionSql(this.db, metrics)
    if (problems.length === 0 && options.warehouse) {
      const {checkWarehouse} = await import('./warehouse.js')
      problems = await checkWarehouse(this, metrics, pool)
    }
    return {metrics: metrics.length, problems: sortProblems(problems), warehouse: problems.length === 0 ? Boolean(options.warehouse) : undefined, warnings}
  }

  /** Ranked free-text search (see `searchMetrics`), with the catalog's vocabulary on top of the built-in one. */
  async search(text: string): Promise<SearchHit[]> {
    return searchMetrics(await this.list(), text, {vocabulary: await this.vocabulary()})
  }

  /** The catalog's search vocabulary (`vocabulary:` of the imported metrics.yml): word or phrase -> words. */
  async vocabulary(): Promise<Record<string, string[]>> {
    this.vocabularyCache ??= Object.fromEntries(
      (await this.db.all<{word: string; expansions: string}>('SELECT word, expansions FROM mc.metricat.vocabulary ORDER BY word')).map((r) => [r.word, JSON.parse(r.expansions) as string[]]),
    )
    return this.vocabularyCache
  }

  /**
   * Metrics with this synonym or name (compared as `synonymKey`: case, `_`, `-` and spacing do not
   * count, so `monthly revenue` finds `monthly_revenue`), or with this id or alias.
   */
  async lookupSynonym(synonym: string): Promise<StoredMetric[]> {
    const key = synonymKey(synonym)
    const s = synonym.trim().toLowerCase()
    return (await this.list()).filter(
      (m) => m.synonyms?.some((x) => synonymKey(x) === key) || synonymKey(m.name) === key || m.id === s || m.aliases?.includes(s),
    )
  }

  /** Metrics that read this table (`table` or `tables`; `orders` also matches `main.orders`). */
  async lookupTable(table: string): Promise<StoredMetric[]> {
    const t = table.trim().toLowerCase()
    return (await this.list()).filter((m) => tablesOf(m).some((x) => x === t || x.split('.').at(-1) === t))
  }

  /** Every table named by a metric, with the metrics that read it. */
  async tables(): Promise<{table: string; metrics: string[]}[]> {
    const map = new Map<string, string[]>()
    for (const m of await this.list()) for (const t of tablesOf(m)) map.set(t, [...(map.get(t) ?? []), m.id])
    return [...map.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([table, metrics]) => ({table, metrics}))
  }

  /**
   * Every warehouse table with its columns and types and, per column, the metrics that read it
   * (from parsed SQL, see `columnUses`); then tables metrics name that the database lacks.
   */
  async tableMap(): Promise<TableMapEntry[]> {
    const {buildTableMap} = await import('./columns.js')
    return buildTableMap(this.db, this.warehouse, await this.list())
  }

  /** The metrics that read a column (of `table` when given), and where: expression, filter, dimension, time column, sql. */
  async lookupColumn(column: string, table?: string): Promise<ColumnUse[]> {
    const {findColumnUses} = await import('./columns.js')
    return findColumnUses(this.db, this.warehouse, await this.list(), column, table)
  }

  /**
   * The values a dimension of a metric takes, most frequent first: distinct values of the
   * dimension's SQL over the metric's table(s) within the definitions' `filters`, with how many
   * rows carry each (for a ratio or derived metric, the largest count among its parts). `search`
   * keeps values containing it (case-insensitive). An undeclared dimension is the query's error.
   */
  async dimensionValues(id: string, dimension: string, options: {search?: string; limit?: number} = {}): Promise<DimensionValues> {
    const metric = await this.get(id)
    const all = await this.all()
    const lookup = metricLookup(all)
    const engine = this.engineFor(metric, lookup)
    const plan = planMetricQuery({metric: metric.id, by: [dimension]}, lookup, {dialect: engine.dialect, pointsTable: engine.pointsTable})
    if (plan.kind !== 'aggregate') {
      throw new CatalogError('BAD_REQUEST', `${metric.id} is computed by its own SQL, which has no dimension ${JSON.stringify(dimension)} to list values of`, {metric: metric.id})
    }
    const limit = options.limit ?? 100
    const {sql, params} = renderDimensionValues(plan, {search: options.search, limit: limit + 1})
    let rows: Record<string, unknown>[]
    try {
      rows = (await engine.warehouse.query(sql, params)).rows
    } catch (error) {
      throw new CatalogError('QUERY_FAILED', `values of ${dimension} for ${metric.id} failed: ${firstLine(error instanceof Error ? error.message : String(error))}`, {metric: metric.id}, {cause: error})
    }
    return {
      metric: metric.id,
      dimension,
      search: options.search ?? null,
      values: rows.slice(0, limit).map((r) => ({value: r.value as DimensionValues['values'][number]['value'], rows: Number(r.rows)})),
      truncated: rows.length > limit,
    }
  }

  /**
   * The SQL and parameters `queryMetric` would run. `reuseDataThrough` (what `queryMetric` does):
   * the last timestamp of each input whose data has not changed since it was last probed in this
   * process is bound as a value instead of probed again (see `knownLastTimes`); without it the
   * SQL probes, as a query in a fresh process runs it.
   */
  async compileQuery(query: MetricQuery, options: {reuseDataThrough?: boolean} = {}): Promise<CompiledQuery> {
    return (await this.compileOn(query, options)).compiled
  }

  /** `compileQuery`, and the warehouse the SQL is for (the warehouse's dialect; the DuckDB file for points metrics). */
  private async compileOn(query: MetricQuery, options: {reuseDataThrough?: boolean} = {}): Promise<{compiled: CompiledQuery; warehouse: Warehouse}> {
    const metric = await this.get(query.metric)
    const kind = metricKind(metric)
    const all = await this.all()
    const lookup = metricLookup(all)
    await this.assertRunnable(metric, lookup)
    this.assertPointsInFile(metric, lookup)
    const variant = query.variant === undefined ? undefined : variantName(metric, query.variant)
    const engine = this.engineFor(metric, lookup)
    const warehouse = engine.warehouse
    const compileOptions = {...(await this.compileOptions([...all.values()])), dialect: engine.dialect, pointsTable: engine.pointsTable}
    if (variant === undefined && kind !== 'sql') {
      let plan = planMetricQuery({...query, metric: metric.id}, lookup, compileOptions)
      if (plan.kind === 'aggregate') {
        // rollup tables live in the DuckDB file: only a metric computed there reads them
        const rollups = engine.dialect === 'duckdb' && kind === 'aggregate' && Boolean(metric.rollups?.length)
        const stamp = rollups || options.reuseDataThrough ? this.dataStamp() : ''
        let decision: CompiledQuery['rollup']
        if (rollups) {
          // the one substitution rollups make: the plan's measure may read a fresh rollup table
          const [{rollupCandidates}, {selectRollup}] = await Promise.all([import('./rollups.js'), import('../rollups/select.js')])
          const expressionIsAggregate = metric.expression !== undefined && compileOptions.isAggregate?.(metric.expression) === true
          const candidates = await this.memoized(`rollups\u0000${metric.id}\u0000${metric.content_hash}`, stamp, () => rollupCandidates(this, metric))
          const chosen = selectRollup(plan, metric, candidates, {noRollup: query.no_rollup, expressionIsAggregate})
          plan = chosen.plan
          decision = chosen.decision
        }
        if (options.reuseDataThrough) plan = await this.knownLastTimes(plan, stamp)
        return {compiled: {...renderPlan(plan), ...(decision ? {rollup: decision} : {})}, warehouse}
      }
    }
    const compiled = compileMetricQuery({...query, metric: metric.id, variant}, lookup, compileOptions)
    if (variant === undefined && kind !== 'sql') return {compiled, warehouse}
    // SQL run as written: its date column becomes period, its value column value; and `limit`
    // (checked by the compile above) keeps its latest periods, as on every metric, where the
    // compiler's own LIMIT keeps the first rows: the shape applies it to the SQL without one
    const {shapeSqlQuery} = await import('./sql-shape.js')
    const whole = query.limit === undefined ? compiled : compileMetricQuery({...query, metric: metric.id, variant, limit: undefined}, lookup, compileOptions)
    return {compiled: await shapeSqlQuery(warehouse, metric, whole, {useExpression: kind === 'sql', limit: query.limit}), warehouse}
  }

  /**
   * What a memo of the data (`memoized`) is valid for: this process's write generation of the file
   * (any write on any handle of it, raw SQL included). No other process can write the file while
   * this one has it open (DuckDB's lock), so nothing else changes what the memo says; a memo lives
   * in this Catalog only and a new process starts without one.
   */
  private dataStamp(): string {
    return String(this.db.writeGeneration)
  }

  /**
   * `compute()` once per `stamp` (see `dataStamp`). The stamp is taken before computing: a write
   * that lands meanwhile leaves the entry under a stamp that no longer matches.
   */
  private async memoized<T>(key: string, stamp: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.dataMemo.get(key)
    if (hit && hit.stamp === stamp) return hit.value as T
    const value = await compute()
    this.remember(key, stamp, value)
    return value
  }

  private remember(key: string, stamp: string, value: unknown): void {
    if (this.dataMemo.size >= 10_000) this.dataMemo.clear()
    this.dataMemo.set(key, {stamp, value})
  }

  /**
   * `plan` with each measure's `knownLastTime`: the last timestamp of its data after its definition
   * filters, from the memo when the data has not changed since (`stamp`), otherwise probed now, all
   * missing ones in one query. DuckDB answers the probe from statistics only without filters; with
   * them it reads the whole time column of data stored out of time order, a few percent of a query.
   * When the probe fails the plan is left to probe inside the query, which reports the error.
   * Only for DuckDB: nothing tracks writes to a ClickHouse warehouse, so its plans always probe.
   */
  private async knownLastTimes(plan: AggregatePlan, stamp: string): Promise<AggregatePlan> {
    // another engine's tables are written without metricat's data versions or file lock
    if (plan.dialect !== undefined && plan.dialect !== 'duckdb') return plan
    const keys = plan.measures.map((m) => `through\u0000${JSON.stringify([m.source, m.lastTime ?? m.time, m.conditions])}`)
    // the first timestamp too when the grid is cut there (a given --from)
    const firstKeys = needsFirstTime(plan) ? plan.measures.map((m) => `first\u0000${JSON.stringify([m.source, m.time, m.conditions])}`) : []
    const known = new Map<string, string | null>()
    const missing: {key: string; measure: MeasurePlan}[] = []
    const missingFirst: {key: string; measure: MeasurePlan}[] = []
    const look = (key: string, m: MeasurePlan, into: typeof missing) => {
      const hit = this.dataMemo.get(key)
      if (hit && hit.stamp === stamp) known.set(key, hit.value as string | null)
      else if (!into.some((x) => x.key === key)) into.push({key, measure: m})
    }
    plan.measures.forEach((m, i) => look(keys[i]!, m, missing))
    firstKeys.forEach((key, i) => look(key, plan.measures[i]!, missingFirst))
    if (missing.length > 0 || missingFirst.length > 0) {
      const probe = renderLastTimes(
        missing.map((x) => x.measure),
        missingFirst.map((x) => x.measure),
      )
      let row: Record<string, unknown>
      try {
        row = (await this.db.query(probe.sql, probe.params)).rows[0] ?? {}
      } catch {
        return plan
      }
      const keep = (list: typeof missing, prefix: string) =>
        list.forEach((x, i) => {
          const t = (row[`${prefix}${i}`] as string | null | undefined) ?? null
          known.set(x.key, t)
          this.remember(x.key, stamp, t)
        })
      keep(missing, 't')
      keep(missingFirst, 'f')
    }
    return {
      ...plan,
      measures: plan.measures.map((m, i) => ({...m, knownLastTime: known.get(keys[i]!)!, ...(firstKeys.length > 0 ? {knownFirstTime: known.get(firstKeys[i]!)!} : {})})),
    }
  }

  /**
   * Compiler options for these definitions: which expressions already are aggregates, asked of
   * DuckDB's parser once per expression text for the life of the catalog.
   */
  async compileOptions(defs: MetricDefinition[]): Promise<CompileOptions> {
    const missing = defs.map((d) => d.expression).filter((e): e is string => typeof e === 'string' && !this.aggregates.has(e))
    if (missing.length > 0) {
      const {aggregateExpressions} = await import('../catalog/aggregate-expression.js')
      const found = await aggregateExpressions(this.db, missing)
      for (const e of missing) this.aggregates.set(e, found.has(e))
    }
    return {isAggregate: (e) => this.aggregates.get(e) ?? false}
  }

  /**
   * With points stored on ClickHouse (`--points`), a metric computed only from points runs there
   * (`engineFor`); one that mixes points with warehouse tables (a ratio of both) cannot run in one
   * place, so it is refused rather than answered from the file's empty points table.
   */
  private assertPointsInFile(metric: StoredMetric, lookup: (id: string) => StoredMetric | undefined): void {
    if (this.pointsStore.kind === 'duckdb' || this.readsOnlyPoints(metric, lookup)) return
    const seen = new Set<string>()
    const visit = (m: StoredMetric | undefined): StoredMetric | undefined => {
      if (!m || seen.has(m.id)) return undefined
      seen.add(m.id)
      if (typeof m.points_key === 'string' && m.points_key.trim() !== '') return m
      for (const ref of metricReferences(m)) {
        const found = visit(lookup(ref))
        if (found) return found
      }
      return undefined
    }
    const reader = visit(metric)
    if (reader) {
      throw new CatalogError(
        'BAD_REQUEST',
        `${metric.id} mixes warehouse tables with the points of ${reader.points_key}, which are stored on ${this.pointsStore.label}: a metric reads either points or warehouse tables there; query the points with \`metricat points ${reader.points_key}\``,
        {metric: metric.id, points_key: reader.points_key},
      )
    }
  }

  /**
   * Refuses to compile a metric when its SQL, or that of a metric it reads, is not what a
   * definition may hold (see `checkDefinitionSql`): definitions stored before that check existed,
   * or written to the file by other means, are checked before they run. Each content is checked
   * once per process.
   */
  private async assertRunnable(metric: StoredMetric, lookup: (id: string) => StoredMetric | undefined): Promise<void> {
    const pending: StoredMetric[] = []
    const seen = new Set<string>()
    const visit = (m: StoredMetric | undefined) => {
      if (!m || seen.has(m.id)) return
      seen.add(m.id)
      if (!this.runnable.has(m.content_hash)) pending.push(m)
      for (const ref of metricReferences(m)) visit(lookup(ref))
    }
    visit(metric)
    if (pending.length === 0) return
    const problems = await checkDefinitionSql(this.db, pending.map((m) => ({definition: m, file: m.source_file})))
    if (problems.length > 0) throw validationError(problems, metric.id)
    for (const m of pending) this.runnable.add(m.content_hash)
  }

  /**
   * Computes a metric: `{metric, grain, data_through, columns, rows, sql, params}`, every row in memory;
   * `maxRows` refuses (RESULT_TOO_LARGE) a result with more rows. See `streamMetric`.
   */
  async queryMetric(query: MetricQuery, options: {maxRows?: number} = {}): Promise<QueryResult> {
    let result: QueryResult | undefined
    await this.streamMetric(query, {
      start: (head) => {
        result = head
      },
      rows: (rows) => {
        if (options.maxRows !== undefined && result!.rows.length + rows.length > options.maxRows) {
          throw new CatalogError('RESULT_TOO_LARGE', `the result of ${result!.metric} has more than ${options.maxRows.toLocaleString('en-US')} rows; narrow it (a shorter range, a coarser grain, fewer dimensions, --limit)`, {metric: result!.metric, limit: options.maxRows})
        }
        for (const row of rows) result!.rows.push(row)
      },
    }, {materialize: true})
    return result!
  }

  /**
   * Computes a metric and hands it over in pieces, so a result of any size goes out in bounded
   * memory: `sink.start` gets the whole result with `rows` empty (its keys in output order), then
   * `sink.rows` gets the rows chunk by chunk as DuckDB produces them. Everything a result carries
   * besides rows is known before the first row; per-row work happens on each chunk.
   * `materialize`: the caller keeps every row anyway (`queryMetric`), so DuckDB computes the whole
   * result at once (see `Database.stream`).
   */
  async streamMetric(query: MetricQuery, sink: ResultSink, options: {materialize?: boolean} = {}): Promise<void> {
    const {id, unit} = await this.get(query.metric)
    const {compiled, warehouse} = await this.compileOn({...query, metric: id}, {reuseDataThrough: true})
    // checked before the query runs: with `strict` an absent value is the answer
    const warnings = [...(compiled.warnings ?? []), ...(await this.absentFilterValues({...query, metric: id}))]
    const rename = compiled.aliases ?? {}
    const renamed = Object.keys(rename).length > 0
    let sqlColumns: string[] = []
    let started = false
    // The compiled SQL repeats data_through on every row and has a partial flag on each: the result
    // carries data_through once (known from the first row, so the head goes out with it), and
    // `partial: true` only on the period the data ends inside.
    const start = async (first: Record<string, unknown> | undefined) => {
      started = true
      const columns = sqlColumns.map((c) => rename[c] ?? c)
      const through = columns.includes('data_through')
      await sink.start({
        metric: id,
        grain: compiled.grain ?? null,
        unit: unit ?? null,
        data_through: through ? (first ? ((first.data_through as string | null) ?? null) : await this.dataThrough(id)) : null,
        warnings,
        columns: through ? columns.filter((c) => c !== 'data_through' && c !== 'partial') : columns,
        rows: [],
        sql: compiled.sql,
        params: compiled.params,
        cached: false,
        ...(compiled.rollup ? {rollup: compiled.rollup} : {}),
      })
    }
    // periods an explicit --from/--to cuts are partial too (their value covers part of the period)
    const cut = new Set(compiled.cutPeriods ?? [])
    const shape = (row: Record<string, unknown>): Record<string, unknown> => {
      const named = cleanRow(renamed ? Object.fromEntries(Object.entries(row).map(([k, v]) => [rename[k] ?? k, v])) : row)
      if (!('data_through' in named)) return named
      const {data_through: _, partial, ...rest} = named
      // a boolean on DuckDB, 1/0 on ClickHouse (18.16 has no Bool)
      return partial === true || partial === 1 || cut.has(String(rest.period)) ? {...rest, partial: true} : rest
    }
    try {
      await warehouse.stream(
        compiled.sql,
        compiled.params,
        async (rows) => {
          if (!started) await start(rows[0])
          await sink.rows(rows.map(shape) as ResultRow[])
        },
        (columns) => {
          sqlColumns = columns
        },
        {materialize: options.materialize},
      )
      if (!started) await start(undefined)
    } catch (error) {
      if (error instanceof CatalogError) throw error
      const message = error instanceof Error ? firstLine(error.message) : String(error)
      const capped = warehouse.dialect === 'clickhouse' && compiled.grain ? clickhousePeriodCap(message, compiled.sql, {grain: compiled.grain}) : undefined
      throw new CatalogError('QUERY_FAILED', `query of ${id} failed: ${capped ?? `${message}${sqlHint(warehouse, await this.get(id), query)}`}`, {metric: id}, {cause: error})
    }
  }

  /**
   * One warning per `=`/`in` filter value that no row of the metric's source has (within the
   * definition filters), naming the closest values that do occur ("no row has region = Europe;
   * did you mean EU?"); with `strict` the first such value is a BAD_REQUEST instead. A typo in a
   * filter otherwise answers an empty series that reads as a real zero. One scan per source.
   */
  private async absentFilterValues(query: MetricQuery): Promise<string[]> {
    const checked = (query.filters ?? []).filter((f) => (f.op === '=' || f.op === 'in') && f.value !== null && f.value !== undefined)
    if (checked.length === 0) return []
    const metric = await this.get(query.metric)
    const kind = metricKind(metric)
    if (kind === 'sql' || query.variant !== undefined) return []
    const all = await this.all()
    const lookup = metricLookup(all)
    const engine = this.engineFor(metric, lookup)
    const plan = planMetricQuery({metric: metric.id, by: [...new Set(checked.map((f) => f.dimension))]}, lookup, {...(await this.compileOptions([...all.values()])), dialect: engine.dialect, pointsTable: engine.pointsTable})
    if (plan.kind !== 'aggregate') return []
    const wanted = checked.flatMap((f) => (Array.isArray(f.value) ? f.value : [f.value!]).map((value) => ({dimension: f.dimension, value: String(value)})))
    // Compared as the query's own filter compares them (the parameter takes the column's type),
    // so `amount=10` on a DOUBLE column is found; one EXISTS per value, which stops at the first match.
    const found = new Set<number>()
    for (const m of plan.measures) {
      const check = renderValuesPresent(m, wanted.map((w) => ({sql: m.dimensions.find((x) => x.name === w.dimension)?.sql, value: w.value})), engine.dialect)
      if (!check) continue
      let row: Record<string, unknown>
      try {
        row = (await engine.warehouse.query(check.sql, check.params)).rows[0] ?? {}
      } catch {
        return [] // a value the column cannot take: the query itself reports it
      }
      wanted.forEach((_, k) => {
        if (row[`v${k}`] === true || row[`v${k}`] === 1) found.add(k)
      })
    }
    const missing = wanted.filter((_, k) => !found.has(k))
    const warnings: string[] = []
    const valuesOf = new Map<string, DimensionValues['values']>()
    for (const w of missing) {
      // one listing per dimension, however many of its values are absent
      if (!valuesOf.has(w.dimension)) valuesOf.set(w.dimension, (await this.dimensionValues(metric.id, w.dimension, {limit: 1000})).values)
      const values = valuesOf.get(w.dimension)!
      const near = similarValues(w.value, values.flatMap((v) => (v.value === null ? [] : [String(v.value)])))
      const hint = near.length > 0 ? `; did you mean ${near.join(' or ')}?` : values.length > 0 ? `; it has ${values.slice(0, 5).map((v) => String(v.value)).join(', ')}${values.length > 5 ? ', ...' : ''}` : ''
      const message = `no row has ${w.dimension} = ${w.value}${hint} (metricat values ${metric.id} ${w.dimension})`
      if (query.strict) throw new CatalogError('BAD_REQUEST', message, {metric: metric.id, dimension: w.dimension, value: w.value, ...(near.length > 0 ? {did_you_mean: near} : {})})
      warnings.push(message)
    }
    return warnings
  }

  /**
   * The data-version scopes a metric's result depends on (the result cache's key): the
   * definitions, rollups, and each input's table or points key, for the metric and every metric
   * it reads. `'*'` (everything) when an input's SQL could read any table: a SQL-only metric, a
   * variant, or definition SQL holding a subquery.
   */
  async dataScopes(id: string, options: {variant?: boolean} = {}): Promise<string[] | '*'> {
    const {DEFINITIONS_SCOPE, ROLLUPS_SCOPE, pointsScope, tableScope} = await import('../db/data-versions.js')
    const lookup = metricLookup(await this.all())
    const scopes = new Set<string>([DEFINITIONS_SCOPE, ROLLUPS_SCOPE])
    const seen = new Set<string>()
    const visit = (m: StoredMetric | undefined): boolean => {
      if (!m || seen.has(m.id)) return true
      seen.add(m.id)
      if (m.points_key) scopes.add(pointsScope(m.points_key))
      const kind = metricKind(m)
      if (kind === 'sql') return false
      const sqlTexts = [m.expression, ...(m.filters ?? []), ...(m.dimensions ?? []).map((d) => (typeof d === 'string' ? '' : (d.expr ?? '')))]
      if (sqlTexts.some((t) => t !== undefined && /\bselect\b/i.test(t))) return false
      for (const t of [m.table_name, ...(m.tables ?? [])]) {
        if (!t) continue
        const scope = tableScope(t)
        if (scope === null) return false
        scopes.add(scope)
      }
      return metricReferences(m).every((ref) => visit(lookup(ref)))
    }
    if (options.variant || !visit(await this.get(id))) return '*'
    return [...scopes]
  }

  /**
   * The last timestamp (ISO, UTC) of a metric's data after its definition filters (the latest of
   * its inputs' for ratio/derived metrics; a points metric's last point); null for SQL-only
   * metrics and when there is no data.
   */
  async dataThrough(id: string): Promise<string | null> {
    const metric = await this.get(id)
    const kind = metricKind(metric)
    if (kind === 'sql') return null
    const all = await this.all()
    const lookup = metricLookup(all)
    const engine = this.engineFor(metric, lookup)
    const plan = planMetricQuery({metric: metric.id}, lookup, {dialect: engine.dialect, pointsTable: engine.pointsTable})
    if (plan.kind !== 'aggregate') return null
    const compiled = renderDataThrough(await this.knownLastTimes(plan, this.dataStamp()))
    try {
      const result = await engine.warehouse.query(compiled.sql, compiled.params)
      return (result.rows[0]?.data_through as string | null | undefined) ?? null
    } catch (error) {
      const message = error instanceof Error ? firstLine(error.message) : String(error)
      throw new CatalogError('QUERY_FAILED', `data_through of ${metric.id} failed: ${message}`, {metric: metric.id}, {cause: error})
    }
  }

  /**
   * Catalog problems the proposed set of metrics has that the stored catalog does not: a change
   * is refused for what it breaks anywhere (a synonym now shared, a reference now dangling, a
   * cycle), not only for problems reported against the changed metric. Needs `all()` loaded.
   */
  private newProblems(proposed: Located[]): ValidationDetail[] {
    return problemsAdded([...this.cache!.values()], proposed)
  }

  private async all(): Promise<Map<string, StoredMetric>> {
    this.cache ??= new Map((await readAllMetrics(this.db)).map((m) => [m.id, m]))
    return this.cache
  }
}

/**
 * On ClickHouse, a metric's own SQL (`sql`, a variant, a table query) runs as written, so it must be
 * ClickHouse SQL: a failure there says so, rather than leaving the reader with a syntax error.
 */
function sqlHint(warehouse: Warehouse, metric: MetricDefinition, query: MetricQuery): string {
  if (warehouse.dialect !== 'clickhouse') return ''
  const ownSql = query.variant !== undefined || metricKind(metric) === 'sql'
  return ownSql
    ? ` (${metric.id} runs its own SQL as written on ${warehouse.label}: it must be ClickHouse SQL, see README "Scaling out with ClickHouse")`
    : ` (definition SQL - expression, filters, dimension expr, table - runs as written on ${warehouse.label} and must be ClickHouse SQL${whereHint(query)})`
}

/** The request's filters, when it has any: ClickHouse compares a --where value without casting, so one of another type than its column fails too. */
function whereHint(query: MetricQuery): string {
  const dims = [...new Set((query.filters ?? []).filter((f) => f.value !== undefined && f.value !== null).map((f) => f.dimension))]
  return dims.length === 0 ? '' : `; or a --where value on ${dims.join(', ')} is not of its column's type (ClickHouse does not cast it)`
}

/** A metric by id, or by a former id kept in `aliases` (how references and requests resolve). */
function metricLookup(all: Map<string, StoredMetric>): (ref: string) => StoredMetric | undefined {
  return (ref) => all.get(ref) ?? [...all.values()].find((m) => m.aliases?.includes(ref))
}

/**
 * The variant a request names: `plan`, `by_plan` and `sql_by_plan` all name `sql_by_plan` (the
 * Agnes CLI says `--variant by_plan`). An unknown name is left for the compiler to refuse.
 */
export function variantName(def: MetricDefinition, requested: string): string {
  const variants = def.sql_variants ?? {}
  if (typeof requested !== 'string' || Object.hasOwn(variants, requested)) return requested
  const bare = requested.replace(/^(sql_)?by_/, '')
  return Object.hasOwn(variants, bare) ? bare : requested
}

/**
 * Catalog problems `proposed` has that `stored` does not. Writes call it twice: before the write
 * (on the catalog as last read) and inside the write transaction on the rows read there, which
 * no other write can change until it commits; so two concurrent writes cannot both pass (one
 * synonym for two metrics, a ratio created while its input is deleted).
 */
function problemsAdded(stored: StoredMetric[], proposed: Located[]): ValidationDetail[] {
  const key = (p: ValidationDetail) => `${p.metric}\u0000${p.message}`
  const existing = new Set(checkSemantics(stored.map((m) => ({definition: m})), metricReferences).map(key))
  return checkSemantics(proposed, metricReferences).filter((p) => !existing.has(key(p)))
}

/** A CONFLICT unless `current` is the version the writer expects (no expectation: always fine). */
function checkVersion(id: string, current: number | undefined, expected: number | undefined): void {
  if (expected !== undefined && current !== expected) {
    throw new CatalogError('CONFLICT', `${id} is at version ${current ?? '(deleted)'}, not ${expected}; read it again and retry`, {id, version: current, expected})
  }
}

/** `checkVersion` against the stored row, inside the write transaction, so two writers cannot both pass. */
async function assertVersion(tx: Tx, id: string, expected: number | undefined): Promise<void> {
  if (expected !== undefined) checkVersion(id, (await readMetric(tx, id))?.version, expected)
}

function tablesOf(m: MetricDefinition): string[] {
  return [...new Set([m.table_name, ...(m.tables ?? [])].filter((t): t is string => Boolean(t)).map((t) => t.toLowerCase()))]
}

async function loadFrom(target: string): Promise<LoadResult> {
  if (!existsSync(target)) throw noSuchPath(target, {path: target}, 'file or folder')
  return (await yamlModule()).loadMetricFiles(target)
}

export function validationError(unsorted: ValidationDetail[], where: string): CatalogError {
  const problems = sortProblems(unsorted)
  const first = formatProblem(problems[0]!)
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''
  return new CatalogError('VALIDATION', `${first}${more}`, {where, problems})
}

function sortedVocabulary(v: Record<string, string[]>): [string, string[]][] {
  return Object.entries(v).sort(([a], [b]) => a.localeCompare(b))
}
