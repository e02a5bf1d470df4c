import {randomUUID} from 'node:crypto'

import {CatalogError} from '../errors.js'
import {firstLine} from '../db/connection.js'
import {pointsScope, recordChanges} from '../db/data-versions.js'
import {fillDefaults} from '../points/check-point.js'
import {type IngestOptions, ingestInput} from '../points/ingest.js'
import {insertJob, JOB_KINDS, JOB_STATUSES, type JobFilter, type JobRow, readJobs} from '../points/jobs.js'
import {parseCron, parseSince, POLL_FREQUENCIES, SOURCE_MODES} from '../points/schedule.js'
import {utcNow} from '../points/point-date.js'
import {ClickHousePoints} from '../points/clickhouse.js'
import {compilePointsQuery} from '../points/query.js'
import {clickhousePeriodCap} from '../query/plan.js'
import {type PointInput, readPoints} from '../points/read-input.js'
import {commandLine, exitedCleanly, type ProgramExit, runFailed, startProgram} from '../points/runner.js'
import {deleteSource, enableSource, insertSource, readSource, readSources, recordSourceRun, SOURCE_FIELDS, updateSource} from '../points/sources.js'
import {
  DEFAULT_FIELDS,
  type DataSource,
  type DataSourceInput,
  type IngestProgress,
  type IngestResult,
  type PointDefaults,
  type PointsQuery,
  type PointsResult,
  type PointsRow,
} from '../points/types.js'
import type {Catalog} from './catalog.js'

export type {PointInput} from '../points/read-input.js'
export type {DataSource, DataSourceInput, IngestProgress, IngestResult, Point, PointDefaults, PointsQuery, PointsResult} from '../points/types.js'
export {POINTS_QUERY_SCHEMA, compilePointsQuery, resolvePointsQuery, type CompiledPointsQuery} from '../points/query.js'
export {POINTS_TABLE} from '../points/points-sql.js'
export type {JobFilter, JobRow} from '../points/jobs.js'

export interface IngestPointsOptions {
  /** fields filled in where a point lacks them */
  defaults?: PointDefaults
  /** a name for messages and the job row: the file name, `stdin`, `body` */
  source?: string
  onProgress?: (progress: IngestProgress) => void
}

/**
 * Ingests points from NDJSON or a `{"points": [...]}` document (text, bytes, a stream) or from
 * parsed `{points: [...]}`: all or nothing, in-batch duplicates resolved to the last one,
 * re-sent points replacing their value, identical points left alone. Throws VALIDATION with
 * `details.problems` (`{line | index, path, message}`, at most 100 listed) when any point is invalid.
 */
export async function ingestPoints(catalog: Catalog, input: PointInput, options: IngestPointsOptions = {}): Promise<IngestResult> {
  return ingestInput(catalog.db, input, {defaults: cleanDefaults(options.defaults), source: options.source ?? 'body', onProgress: options.onProgress, store: catalog.pointsStore})
}

/**
 * Reads and checks points without storing them, with defaults filled in: what `--server` sends.
 * Holds the points in memory (a request body does anyway). Throws VALIDATION like `ingestPoints`.
 */
export async function collectPoints(input: PointInput, options: {defaults?: PointDefaults; source?: string} = {}): Promise<Record<string, unknown>[]> {
  const defaults = cleanDefaults(options.defaults)
  const points: Record<string, unknown>[] = []
  await readPoints(input, {defaults, source: options.source ?? 'input', onValid: (_, raw) => points.push(fillDefaults(raw, defaults))})
  return points
}

/**
 * Buckets, aggregates and gap-fills the points of one key (`metricat points`, POST
 * /api/points/query, the MCP points tool) through the one compiler: on the catalog file, or on
 * the ClickHouse points store (`--points`) in its dialect.
 */
export async function queryPoints(catalog: Catalog, request: PointsQuery): Promise<PointsResult> {
  const store = catalog.pointsStore instanceof ClickHousePoints ? catalog.pointsStore : undefined
  const compiled = compilePointsQuery(request, store ? {dialect: 'clickhouse', pointsTable: store.table} : {})
  let raw: Record<string, unknown>[]
  if (store) {
    await store.ensureTable()
    try {
      raw = await store.rows<Record<string, unknown>>(compiled.sql)
    } catch (error) {
      const capped = error instanceof CatalogError ? clickhousePeriodCap(error.message, compiled.sql, {grain: compiled.bucket, raw: true}) : undefined
      if (capped) throw new CatalogError('QUERY_FAILED', `points query of ${request.key} failed: ${capped}`, {key: request.key}, {cause: error})
      throw error
    }
  } else {
    try {
      raw = (await catalog.db.query(compiled.sql, compiled.params)).rows
    } catch (error) {
      if (error instanceof CatalogError) throw error
      throw new CatalogError('QUERY_FAILED', `points query of ${request.key} failed: ${firstLine(error instanceof Error ? error.message : String(error))}`, {key: request.key}, {cause: error})
    }
  }
  const rows = raw.map((row) => {
    const out: PointsRow = {}
    for (const [c, v] of Object.entries(row)) out[compiled.aliases[c] ?? c] = v as PointsRow[string]
    return out
  })
  return {key: request.key, bucket: compiled.bucket, agg: compiled.agg, columns: compiled.columns, rows, sql: compiled.sql, params: compiled.params, cached: false}
}

/**
 * Every registered data source, by id. Without `showCommands` (a caller that is not an admin)
 * the stored command lines are left out: they are what the machine runs.
 */
export async function listDataSources(catalog: Catalog, options: {showCommands?: boolean} = {}): Promise<DataSource[]> {
  const sources = await readSources(catalog.db)
  return options.showCommands === false ? sources.map(withoutCommand) : sources
}

/** A data source as a caller who may not see commands gets it. */
export function withoutCommand(source: DataSource): DataSource {
  const {command: _command, ...rest} = source
  return rest as DataSource
}

/** Who may set a data source's command: the local file's user, or the admin role through a server. */
export interface SourceAccess {
  /** default true (the database file); a server passes whether the token's role is admin */
  canSetCommand?: boolean
}

function commandForbidden(id: string): CatalogError {
  return new CatalogError('FORBIDDEN', `setting the command of data source ${id} needs the admin role: the command is run on the machine of whoever runs the source`, {id, needs: 'admin'})
}

const SOURCE_TEXT_FIELDS = ['name', 'connector_key', 'source_kind', 'entity_kind', 'entity_id', 'command', 'schedule', 'cron'] as const
const SOURCE_LIMITS = {max_failures: [1, 1000], timeout_seconds: [1, 86_400], retries: [0, 10]} as const

function checkSourceInput(source: DataSourceInput): DataSourceInput {
  if (typeof source !== 'object' || source === null) throw new CatalogError('VALIDATION', 'a data source must be an object', {problems: [{path: '/', message: 'must be an object'}]})
  const problems: {path: string; message: string}[] = []
  const allowed = new Set<string>(['id', ...SOURCE_FIELDS])
  for (const k of Object.keys(source)) if (!allowed.has(k)) problems.push({path: `/${k}`, message: `unknown field "${k}"; expected ${[...allowed].join(', ')}`})
  if (typeof source.id !== 'string' || source.id.trim() === '' || source.id.length > 200) problems.push({path: '/id', message: 'id must be a non-empty string of at most 200 characters'})
  for (const f of SOURCE_TEXT_FIELDS) {
    const v = source[f]
    if (v !== undefined && (typeof v !== 'string' || v.length > (f === 'command' ? 10_000 : 200))) problems.push({path: `/${f}`, message: `${f} must be a string`})
  }
  if (source.poll_frequency !== undefined && !(POLL_FREQUENCIES as readonly unknown[]).includes(source.poll_frequency)) {
    problems.push({path: '/poll_frequency', message: `poll_frequency must be one of ${POLL_FREQUENCIES.join(', ')}`})
  }
  if (source.mode !== undefined && !(SOURCE_MODES as readonly unknown[]).includes(source.mode)) problems.push({path: '/mode', message: `mode must be one of ${SOURCE_MODES.join(', ')}`})
  for (const [f, [min, max]] of Object.entries(SOURCE_LIMITS)) {
    const v = source[f as keyof typeof SOURCE_LIMITS]
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) problems.push({path: `/${f}`, message: `${f} must be a whole number from ${min} to ${max}`})
  }
  if (source.poll_frequency !== undefined && source.cron !== undefined) problems.push({path: '/cron', message: 'give either poll_frequency or cron, not both'})
  if (problems.length > 0) {
    throw new CatalogError('VALIDATION', `invalid data source: ${problems[0]!.path}: ${problems[0]!.message}`, {where: 'data source', problems})
  }
  if (typeof source.cron === 'string') parseCron(source.cron)
  return source
}

/**
 * Registers a data source. An existing id is a CONFLICT unless `update` is set, which changes
 * only the fields given (and keeps the run history: last_run_at, failure_count, ...).
 */
export async function addDataSource(
  catalog: Catalog,
  source: DataSourceInput,
  options: {update?: boolean; mustExist?: boolean} & SourceAccess = {},
): Promise<{source: DataSource; created: boolean}> {
  const input = checkSourceInput(source)
  if (input.command !== undefined && options.canSetCommand === false) throw commandForbidden(input.id)
  const created = await catalog.db.transaction(async (tx) => {
    const existing = await readSource(tx, input.id)
    if (!existing && options.mustExist) throw unknownSource(input.id, await readSources(tx))
    if (existing && !options.update) {
      throw new CatalogError('CONFLICT', `data source ${input.id} already exists; pass --update to change its fields, or remove it first`, {id: input.id})
    }
    if (existing || options.mustExist) await updateSource(tx, input, utcNow())
    else await insertSource(tx, input, utcNow())
    return !existing
  })
  const stored = (await readSource(catalog.db, input.id))!
  return {source: options.canSetCommand === false ? withoutCommand(stored) : stored, created}
}

/** Removes a data source; its points stay unless `deletePoints` (then they go in the same transaction). */
export async function removeDataSource(catalog: Catalog, id: string, options: {deletePoints?: boolean} = {}): Promise<{id: string; removed: true; pointsDeleted: number}> {
  return catalog.db.transaction(async (tx) => {
    if (!(await readSource(tx, id))) throw unknownSource(id, await readSources(tx))
    let pointsDeleted = 0
    if (options.deletePoints && catalog.pointsStore instanceof ClickHousePoints) {
      const keys = await catalog.pointsStore.deleteSource(id)
      pointsDeleted = keys.deleted
      await recordChanges(tx, keys.metricKeys.map((k) => ({scope: pointsScope(k), kind: 'replace' as const})))
    } else if (options.deletePoints) {
      const [row] = await tx.all<{n: string}>('SELECT count(*)::VARCHAR AS n FROM mc.metricat.metric_points WHERE data_source_id = $1', [id])
      pointsDeleted = Number(row!.n)
      const keys = await tx.all<{k: string}>('SELECT DISTINCT metric_key AS k FROM mc.metricat.metric_points WHERE data_source_id = $1', [id])
      await tx.run('DELETE FROM mc.metricat.metric_points WHERE data_source_id = $1', [id])
      await recordChanges(tx, keys.map((r) => ({scope: pointsScope(r.k), kind: 'replace' as const})))
    }
    await deleteSource(tx, id)
    return {id, removed: true, pointsDeleted}
  })
}

/** The latest jobs (ingests and runs), newest first, filtered (`metricat jobs`, GET /api/jobs). */
export async function listJobs(catalog: Catalog, filter: JobFilter | number = {}): Promise<JobRow[]> {
  return readJobs(catalog.db, typeof filter === 'number' ? {limit: filter} : filter)
}

/** Reads `metricat jobs` flags / GET /api/jobs parameters into a filter: `since` relative (7d) or a date. */
export function parseJobFilter(raw: {source?: string; status?: string; kind?: string; since?: string; limit?: string | number}, now = new Date()): JobFilter {
  const filter: JobFilter = {}
  if (raw.source) filter.dataSourceId = raw.source
  if (raw.status !== undefined) {
    if (!(JOB_STATUSES as readonly string[]).includes(raw.status)) throw new CatalogError('BAD_REQUEST', `status ${JSON.stringify(raw.status)}: expected one of ${JOB_STATUSES.join(', ')}`, {status: raw.status})
    filter.status = raw.status as JobFilter['status']
  }
  if (raw.kind !== undefined) {
    if (!(JOB_KINDS as readonly string[]).includes(raw.kind)) throw new CatalogError('BAD_REQUEST', `kind ${JSON.stringify(raw.kind)}: expected one of ${JOB_KINDS.join(', ')}`, {kind: raw.kind})
    filter.kind = raw.kind as JobFilter['kind']
  }
  if (raw.since !== undefined) filter.since = parseSince(raw.since, now)
  if (raw.limit !== undefined) {
    const n = Number(raw.limit)
    if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new CatalogError('BAD_REQUEST', `limit ${JSON.stringify(raw.limit)}: expected a whole number from 1 to 10000`, {limit: raw.limit})
    filter.limit = n
  }
  return filter
}

/** `sources enable ID`: a disabled (or failing) source is active again, its failures forgotten. */
export async function enableDataSource(catalog: Catalog, id: string, now = new Date()): Promise<DataSource> {
  await catalog.db.transaction(async (tx) => {
    if (!(await readSource(tx, id))) throw unknownSource(id, await readSources(tx))
    await enableSource(tx, id, now)
  })
  return (await readSource(catalog.db, id))!
}

function unknownSource(id: string, known: DataSource[]): CatalogError {
  const ids = known.map((s) => s.id)
  return new CatalogError('NOT_FOUND', `unknown data source ${id}${ids.length > 0 ? `; known: ${ids.slice(0, 10).join(', ')}` : '; see `metricat sources list`'}`, {id, hint: '`metricat sources list` lists the data sources'})
}

export interface RunRequest {
  /** the program and its arguments; empty: the data source's stored command (run by the shell) */
  argv?: string[]
  /** flags: entityKind, entityId, dataSourceId, connectorKey, sourceKind */
  defaults?: PointDefaults
  /** default: the data source's timeout_seconds */
  timeoutMs?: number
  onProgress?: (progress: IngestProgress) => void
  /** stops the program; the run is recorded as `interrupted` and not counted as a failure */
  signal?: AbortSignal
  /** retries: a failed attempt that will be retried records its job but leaves the source's counts alone */
  countFailure?: boolean
  /** which attempt this is (job log) */
  attempt?: number
  /** the clock's now, for the source's next poll (the scheduler's injected clock) */
  now?: () => Date
}

export interface RunResult {
  command: string
  exitCode: number
  dataSourceId?: string
  /** the data source was registered by this run */
  registered: boolean
  ingest: IngestResult
}

function cleanDefaults(defaults: PointDefaults | undefined): PointDefaults | undefined {
  if (!defaults) return undefined
  const out: PointDefaults = {}
  for (const f of DEFAULT_FIELDS) if (defaults[f] !== undefined && defaults[f] !== '') out[f] = defaults[f]
  return out
}

/**
 * Runs a program that prints points on stdout and ingests them into the catalog while it runs
 * (staged, not yet written). Only when the program exits 0 and every point is valid is the batch
 * applied; either way the run is recorded in metricat.jobs and, with a data source id, in that
 * source's last_run_at / last_status / last_error / failure_count (an unknown id is registered).
 * Defaults come from the flags, then from the registered data source.
 */
export async function runPoints(catalog: Catalog, request: RunRequest): Promise<RunResult> {
  const flags = cleanDefaults(request.defaults) ?? {}
  const sourceId = flags.dataSourceId
  const registered = sourceId ? await readSource(catalog.db, sourceId) : undefined
  const defaults: PointDefaults = {
    entityKind: flags.entityKind ?? registered?.entity_kind ?? undefined,
    entityId: flags.entityId ?? registered?.entity_id ?? undefined,
    dataSourceId: sourceId,
    connectorKey: flags.connectorKey ?? registered?.connector_key ?? undefined,
    sourceKind: flags.sourceKind ?? registered?.source_kind ?? undefined,
  }
  const {argv, shell, display} = resolveCommand(request.argv, registered)
  const sourceInput = sourceId ? runSourceInput(sourceId, defaults, display) : undefined
  const timeoutMs = request.timeoutMs ?? (registered?.timeout_seconds ? registered.timeout_seconds * 1000 : undefined)
  const now = request.now ?? (() => new Date())
  const interrupted = () => request.signal?.aborted === true

  const program = startProgram({argv, shell, timeoutMs, signal: request.signal})
  let exit: ProgramExit | undefined
  const options: IngestOptions = {
    defaults: cleanDefaults(defaults),
    source: display,
    kind: 'run',
    dataSourceId: sourceId,
    onProgress: request.onProgress,
    store: catalog.pointsStore,
    // snapshot sources: each successful run replaces the source's points per metric key
    replaceSource: sourceId && registered?.mode === 'snapshot' ? sourceId : undefined,
    beforeWrite: async () => {
      exit = await program.exited
      if (interrupted()) throw new CatalogError('RUN_FAILED', `${display} was interrupted (the scheduler is shutting down); nothing was ingested`, {command: display, reason: 'interrupted', interrupted: true})
      if (!exitedCleanly(exit)) throw runFailed(display, exit, timeoutMs)
    },
    failureStatus: () => (interrupted() ? 'interrupted' : 'failed'),
    jobFields: () => ({exitCode: exit?.code ?? null, stderrTail: program.stderrTail() || null, attempt: request.attempt}),
    afterWrite: sourceInput ? (tx) => recordSourceRun(tx, sourceInput, {ok: true, at: utcNow(), now: now()}) : undefined,
    onFailure:
      sourceInput && request.countFailure !== false
        ? async (tx, error) => {
            if (!interrupted()) await recordSourceRun(tx, sourceInput, {ok: false, error: failureReason(error), at: utcNow(), now: now()})
          }
        : undefined,
  }
  try {
    const ingest = await ingestInput(catalog.db, program.stdout, options)
    return {command: display, exitCode: exit?.code ?? 0, dataSourceId: sourceId, registered: Boolean(sourceId && !registered), ingest}
  } catch (error) {
    program.kill()
    throw error
  }
}

/** What `run --server` reports to the server (POST /api/metrics/runs): the outcome and, on success, the points. */
export interface RunReport extends PointDefaults {
  /** the command line that ran */
  command: string
  status: 'succeeded' | 'failed'
  exitCode?: number | null
  /** why a failed run failed */
  error?: string
  /** the points, when it succeeded */
  points?: unknown[]
}

/** The server's answer to a run report. */
export interface RunReportResult {
  jobId: string
  status: 'succeeded' | 'failed'
  command: string
  dataSourceId?: string
  /** the data source was registered by this run */
  registered: boolean
  /** when it succeeded */
  ingest?: IngestResult
}

export const RUN_REPORT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['command', 'status'],
  description: 'The outcome of one run of a points program, as `metricat run --server` sends it: the server records the run (a `run` job, and the data source\'s last run, success, error and failure count) and, when it succeeded, ingests the points in the same transaction.',
  properties: {
    command: {type: 'string', minLength: 1, maxLength: 10_000},
    status: {enum: ['succeeded', 'failed']},
    exitCode: {type: ['integer', 'null']},
    error: {type: 'string', maxLength: 10_000},
    dataSourceId: {type: 'string', minLength: 1, maxLength: 200},
    entityKind: {type: 'string', minLength: 1, maxLength: 200},
    entityId: {type: 'string', minLength: 1, maxLength: 200},
    connectorKey: {type: 'string', minLength: 1, maxLength: 200},
    sourceKind: {type: 'string', minLength: 1, maxLength: 200},
    points: {type: 'array', description: 'points as in POST /api/metrics/ingest; only with status succeeded'},
  },
} as const

function parseRunReport(body: unknown): RunReport {
  const problems: {path: string; message: string}[] = []
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new CatalogError('VALIDATION', 'a run report must be an object', {where: 'run report', problems: [{path: '/', message: 'must be an object'}]})
  }
  const r = body as Record<string, unknown>
  const props = RUN_REPORT_SCHEMA.properties as Record<string, {maxLength?: number}>
  for (const k of Object.keys(r)) if (!(k in props)) problems.push({path: `/${k}`, message: `unknown field "${k}"; expected ${Object.keys(props).join(', ')}`})
  for (const k of ['command', 'error', ...DEFAULT_FIELDS]) {
    const v = r[k]
    if (v === undefined) {
      if (k === 'command') problems.push({path: '/command', message: 'missing required field "command"'})
      continue
    }
    if (typeof v !== 'string' || v.length === 0 || v.length > (props[k]!.maxLength ?? 200)) problems.push({path: `/${k}`, message: `${k} must be a non-empty string of at most ${props[k]!.maxLength} characters`})
  }
  if (r.status !== 'succeeded' && r.status !== 'failed') problems.push({path: '/status', message: 'status must be succeeded or failed'})
  if (r.exitCode !== undefined && r.exitCode !== null && !Number.isInteger(r.exitCode)) problems.push({path: '/exitCode', message: 'exitCode must be an integer or null'})
  if (r.points !== undefined && !Array.isArray(r.points)) problems.push({path: '/points', message: 'points must be a list'})
  if (r.status === 'failed' && r.points !== undefined) problems.push({path: '/points', message: 'a failed run has no points'})
  if (problems.length > 0) throw new CatalogError('VALIDATION', `invalid run report: ${problems[0]!.path}: ${problems[0]!.message}`, {where: 'run report', problems})
  return r as unknown as RunReport
}

/**
 * Records a run that happened elsewhere (`metricat run --server`, a HIT runner): a `run` job, and
 * with a dataSourceId that source's last run / success / error / failure count (an unknown id is
 * registered; its command is stored only when `canSetCommand`). A succeeded run's points are
 * ingested in the same transaction, all or nothing, like a local run's.
 */
export async function recordRunReport(catalog: Catalog, body: unknown, access: SourceAccess = {}): Promise<RunReportResult> {
  const report = parseRunReport(body)
  const defaults = cleanDefaults(report) ?? {}
  const sourceId = defaults.dataSourceId
  const existing = sourceId ? await readSource(catalog.db, sourceId) : undefined
  const sourceInput = sourceId ? runSourceInput(sourceId, defaults, access.canSetCommand === false ? undefined : report.command) : undefined
  const base = {command: report.command, dataSourceId: sourceId, registered: Boolean(sourceId && !existing)}
  if (report.status === 'failed') {
    const error = report.error ?? (report.exitCode === undefined || report.exitCode === null ? 'failed' : `exited with code ${report.exitCode}`)
    const jobId = await recordFailedRun(catalog.db, {source: report.command, dataSourceId: sourceId, exitCode: report.exitCode ?? null, error}, sourceInput)
    return {jobId, status: 'failed', ...base}
  }
  const ingest = await ingestInput(catalog.db, {points: report.points ?? []}, {
    defaults,
    store: catalog.pointsStore,
    source: report.command,
    kind: 'run',
    dataSourceId: sourceId,
    jobFields: () => ({exitCode: report.exitCode ?? 0}),
    afterWrite: sourceInput ? (tx) => recordSourceRun(tx, sourceInput, {ok: true, at: utcNow()}) : undefined,
    onFailure: sourceInput ? (tx, error) => recordSourceRun(tx, sourceInput, {ok: false, error: failureReason(error), at: utcNow()}) : undefined,
  })
  return {jobId: ingest.jobId, status: 'succeeded', ...base, ingest}
}

/** A source as a run registers it: with the command that ran, polled manually (a scheduler leaves it alone until `sources set --poll`). */
function runSourceInput(id: string, defaults: PointDefaults, command: string | undefined): DataSourceInput {
  return {id, command, poll_frequency: 'manual', connector_key: defaults.connectorKey, source_kind: defaults.sourceKind, entity_kind: defaults.entityKind, entity_id: defaults.entityId}
}

/** A failed run that never reached the ingest: its job row and the source's failure, in one transaction. */
async function recordFailedRun(
  db: Catalog['db'],
  run: {source: string; dataSourceId?: string; exitCode: number | null; error: string},
  sourceInput: DataSourceInput | undefined,
): Promise<string> {
  const id = randomUUID()
  const at = utcNow()
  await db.transaction(async (tx) => {
    await insertJob(tx, {id, kind: 'run', source: run.source, dataSourceId: run.dataSourceId, startedAt: at, finishedAt: at, status: 'failed', pointsRead: 0, inserted: 0, updated: 0, unchanged: 0, exitCode: run.exitCode, error: run.error})
    if (sourceInput) await recordSourceRun(tx, sourceInput, {ok: false, error: run.error, at})
  })
  return id
}

/**
 * `run --server`: the same program run and checks here, then one report to the server (`send`,
 * POST /api/metrics/runs) which records the run there: on success with the points, which it
 * ingests in the same transaction; on failure (the program failed, or printed a bad point) with
 * the reason, and the local error is thrown after it.
 */
export async function runPointsRemote(send: (report: RunReport) => Promise<RunReportResult>, request: RunRequest): Promise<RunResult> {
  const defaults = cleanDefaults(request.defaults) ?? {}
  const {argv, shell, display} = resolveCommand(request.argv, undefined)
  const program = startProgram({argv, shell, timeoutMs: request.timeoutMs})
  let points: Record<string, unknown>[]
  let exit: ProgramExit | undefined
  try {
    points = await collectPoints(program.stdout, {defaults, source: display}).finally(async () => {
      exit = await program.exited
      if (!exitedCleanly(exit)) throw runFailed(display, exit, request.timeoutMs)
    })
  } catch (error) {
    program.kill()
    // The run is recorded on the server as failed; if that fails too, the program's failure is what matters.
    await send({command: display, status: 'failed', exitCode: exit?.code ?? null, error: failureReason(error).slice(0, 10_000), ...defaults}).catch(() => undefined)
    throw error
  }
  const answer = await send({command: display, status: 'succeeded', exitCode: exit?.code ?? 0, points, ...defaults})
  return {command: display, exitCode: 0, dataSourceId: answer.dataSourceId, registered: answer.registered, ingest: answer.ingest!}
}

/** What last_error says: the exit status for a failed program (the command is on the source already). */
function failureReason(error: unknown): string {
  if (error instanceof CatalogError && typeof error.details?.reason === 'string') return error.details.reason
  return error instanceof Error ? error.message : String(error)
}

function resolveCommand(argv: string[] | undefined, registered: DataSource | undefined): {argv: string[]; shell: boolean; display: string} {
  if (argv && argv.length > 0) return {argv, shell: false, display: commandLine(argv)}
  if (registered?.command) return {argv: [registered.command], shell: true, display: registered.command}
  throw new CatalogError(
    'BAD_REQUEST',
    registered
      ? `data source ${registered.id} has no command; give one after --, e.g. metricat run --data-source-id ${registered.id} -- python3 fetch.py`
      : 'nothing to run: give a command after --, e.g. metricat run -- python3 fetch.py',
    {},
  )
}
