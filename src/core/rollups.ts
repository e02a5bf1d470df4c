import {randomUUID} from 'node:crypto'

import type {StoredMetric} from '../catalog/types.js'
import type {Tx} from '../db/connection.js'
import {DEFINITIONS_SCOPE, ROLLUPS_SCOPE, readDataVersion, recordChanges} from '../db/data-versions.js'
import {CatalogError} from '../errors.js'
import {insertJob} from '../points/jobs.js'
import {utcNow} from '../points/point-date.js'
import {parseTimeBound} from '../query/dates.js'
import {metricKind, planMetricQuery} from '../query/index.js'
import {changedPeriods, coverage, materialize, readRollupStates, sourceRows, type RollupState} from '../rollups/refresh.js'
import {rollupId, rollupTable, rollupUnsupported, type RollupCandidate} from '../rollups/select.js'
import type {Catalog} from './catalog.js'

/** A declared rollup with its state (`metricat rollup status`, and what the planner checks). */
export interface RollupStatus {
  id: string
  metric: string
  grain: string
  by: string[]
  table: string
  /** fresh: the planner may read it; stale: a source or the definition changed since the last refresh; missing: never refreshed; unsupported: the metric cannot have rollups */
  status: 'fresh' | 'stale' | 'missing' | 'unsupported'
  reason: string | null
  rows: number | null
  first_period: string | null
  last_period: string | null
  refreshed_at: string | null
  /** data version of its sources when it was refreshed, and now */
  source_version: number | null
  data_version: number | null
  last_refresh: string | null
  refresh_ms: number | null
}

/** The data-version scopes of a metric's sources (its table or points key), without definitions and rollups. */
async function sourceScopes(catalog: Catalog, metric: StoredMetric): Promise<string[] | '*'> {
  const scopes = await catalog.dataScopes(metric.id)
  return scopes === '*' ? '*' : scopes.filter((s) => s !== DEFINITIONS_SCOPE && s !== ROLLUPS_SCOPE)
}

/** Why `metric` cannot have rollups (undefined: it can); `scopes` are its `sourceScopes`. */
async function unsupported(catalog: Catalog, metric: StoredMetric, scopes: string[] | '*'): Promise<string | undefined> {
  let kind: string
  try {
    kind = metricKind(metric)
  } catch {
    return 'the metric cannot be computed'
  }
  if (kind !== 'aggregate') return `a ${kind} metric is not computed from one table`
  const options = await catalog.compileOptions([metric])
  const why = rollupUnsupported(metric, metric.expression !== undefined && options.isAggregate?.(metric.expression) === true)
  if (why) return why
  if (scopes === '*') return 'its SQL holds a subquery, so the tables it reads cannot be tracked'
  return undefined
}

/** Every declared rollup of `metrics` with its state. */
export async function rollupStatuses(catalog: Catalog, metrics: StoredMetric[]): Promise<RollupStatus[]> {
  const out: RollupStatus[] = []
  for (const metric of metrics) {
    if (!metric.rollups?.length) continue
    const states = new Map((await readRollupStates(catalog.db, metric.id)).map((s) => [s.id, s]))
    const scopes = await sourceScopes(catalog, metric)
    const why = await unsupported(catalog, metric, scopes)
    const version = why || scopes === '*' ? null : await readDataVersion(catalog.db, scopes)
    const rows = why || scopes === '*' ? null : await sourceRows(catalog.db, scopes)
    for (const spec of metric.rollups) {
      const id = rollupId(metric.id, spec)
      const state = states.get(id)
      let status: RollupStatus['status'] = 'fresh'
      let reason: string | null = null
      if (why) [status, reason] = ['unsupported', why]
      else if (!state) [status, reason] = ['missing', `never refreshed; run metricat rollup refresh ${id}`]
      else if (state.content_hash !== metric.content_hash) [status, reason] = ['stale', `the definition of ${metric.id} changed since the last refresh`]
      else if (version !== null && version > state.source_version) [status, reason] = ['stale', `${(scopes as string[]).join(', ')} changed since the last refresh`]
      else if (state.source_rows !== null && rows !== state.source_rows) [status, reason] = ['stale', `the row count of ${(scopes as string[]).join(', ')} changed since the last refresh (written by another tool?); run metricat rollup refresh --full`]
      out.push({
        id,
        metric: metric.id,
        grain: spec.grain,
        by: spec.by ?? [],
        table: `metricat_rollups.${JSON.stringify(id)}`,
        status,
        reason,
        rows: state?.row_count ?? null,
        first_period: state?.first_period ?? null,
        last_period: state?.last_period ?? null,
        refreshed_at: state?.refreshed_at ?? null,
        source_version: state?.source_version ?? null,
        data_version: version,
        last_refresh: state?.last_refresh ?? null,
        refresh_ms: state?.refresh_ms ?? null,
      })
    }
  }
  return out
}

/** The planner's view of a metric's rollups: each with why it may not be read now. */
export async function rollupCandidates(catalog: Catalog, metric: StoredMetric): Promise<RollupCandidate[]> {
  const statuses = await rollupStatuses(catalog, [metric])
  return statuses.map((s) => ({id: s.id, grain: s.grain as RollupCandidate['grain'], by: s.by, ...(s.status === 'fresh' ? {} : {stale: `${s.status}: ${s.reason}`})}))
}

/** What `metricat rollup refresh` did for one rollup. */
export interface RollupRefresh {
  id: string
  job_id: string
  mode: 'full' | 'incremental' | 'up to date'
  /** periods rebuilt, [from, to) */
  periods: {from: string; to: string}[]
  rows_written: number
  rows: number
  reason: string
  ms: number
}

/** The rollups named by `ids` (a rollup id, or a metric id for all of its rollups; none: every rollup). */
async function selectTargets(catalog: Catalog, ids: string[]): Promise<{metric: StoredMetric; spec: NonNullable<StoredMetric['rollups']>[number]; id: string}[]> {
  const metrics = await catalog.list()
  const all = metrics.flatMap((m) => (m.rollups ?? []).map((spec) => ({metric: m, spec, id: rollupId(m.id, spec)})))
  if (ids.length === 0) return all
  return ids.flatMap((id) => {
    const hit = all.filter((t) => t.id === id || t.metric.id === id || t.metric.aliases?.includes(id))
    if (hit.length === 0) {
      throw new CatalogError('NOT_FOUND', `no rollup ${id}; declared rollups: ${all.map((t) => t.id).join(', ') || '(none: add rollups: [{grain: day, by: [...]}] to a metric)'}`, {id})
    }
    return hit
  })
}

/**
 * Refreshes rollups, each in one transaction with its job row: a full rebuild when it was never
 * built, its definition changed, a source was replaced or `full`; otherwise only the periods whose
 * source rows changed since the last refresh (from the data change log), plus [from, to) when
 * given (a backfill). Bumps the rollups' data version (cached results go stale).
 */
export async function refreshRollups(catalog: Catalog, ids: string[], options: {from?: string; to?: string; full?: boolean} = {}): Promise<RollupRefresh[]> {
  const from = options.from === undefined ? undefined : parseTimeBound(options.from, 'from').text
  const to = options.to === undefined ? undefined : parseTimeBound(options.to, 'to').text
  if ((from === undefined) !== (to === undefined)) throw new CatalogError('BAD_REQUEST', '--from and --to go together: the periods [from, to) are rebuilt', {from: options.from, to: options.to})
  const targets = await selectTargets(catalog, ids)
  const results: RollupRefresh[] = []
  for (const {metric, spec, id} of targets) {
    const scopes = await sourceScopes(catalog, metric)
    const why = await unsupported(catalog, metric, scopes)
    if (why || scopes === '*') throw new CatalogError('VALIDATION', `rollup ${id}: ${why}`, {id, metric: metric.id})
    const t0 = performance.now()
    const startedAt = utcNow()
    const jobId = randomUUID()
    const all = new Map((await catalog.list()).map((m) => [m.id, m]))
    const options2 = await catalog.compileOptions([metric])
    const plan = planMetricQuery({metric: metric.id, grain: spec.grain, by: spec.by}, (ref) => all.get(ref), options2)
    if (plan.kind !== 'aggregate' || plan.measures.length !== 1) throw new CatalogError('VALIDATION', `rollup ${id}: ${metric.id} is not one aggregate over one table`, {id})
    const measure = plan.measures[0]!
    try {
      const result = await catalog.db.transaction(async (tx) => {
        await tx.run('CREATE SCHEMA IF NOT EXISTS mc.metricat_rollups')
        const [state] = await readRollupStates(tx, metric.id).then((s) => s.filter((x) => x.id === id))
        const version = await readDataVersion(tx, scopes)
        let mode: RollupRefresh['mode']
        let reason: string
        let ranges: {lo: string; hi: string}[] | undefined
        if (options.full) [mode, reason] = ['full', '--full']
        else if (!state || !(await tableExists(tx, id))) [mode, reason] = ['full', 'first build']
        else if (state.content_hash !== metric.content_hash) [mode, reason] = ['full', 'the definition changed']
        else {
          const changed = await changedPeriods(tx, scopes, state.source_version, plainColumn(metric.time_column), spec.grain)
          if ('full' in changed) [mode, reason] = ['full', changed.full]
          else {
            ranges = changed.ranges
            if (from !== undefined) ranges = [...ranges, ...(await alignedRange(tx, from, to!, spec.grain))]
            mode = ranges.length === 0 ? 'up to date' : 'incremental'
            reason = ranges.length === 0 ? 'no source rows changed since the last refresh' : from !== undefined ? 'changed periods and --from/--to' : 'changed periods'
          }
        }
        const written = mode === 'up to date' ? 0 : await materialize(tx, id, metric, spec, measure, mode === 'full' ? undefined : ranges)
        const cov = await coverage(tx, id)
        const ms = Math.round(performance.now() - t0)
        await writeState(tx, {
          id,
          metric_id: metric.id,
          grain: spec.grain,
          dimensions: spec.by ?? [],
          table_name: rollupTable(id),
          content_hash: metric.content_hash,
          source_version: version,
          source_rows: await sourceRows(tx, scopes),
          refreshed_at: utcNow(),
          row_count: cov.rows,
          first_period: cov.first,
          last_period: cov.last,
          last_refresh: mode,
          refresh_ms: ms,
        })
        if (mode !== 'up to date') await recordChanges(tx, [{scope: ROLLUPS_SCOPE, kind: 'rollup'}])
        await insertJob(tx, {id: jobId, kind: 'rollup', source: id, startedAt, finishedAt: utcNow(), status: 'completed', pointsRead: 0, inserted: written, updated: 0, unchanged: 0})
        return {id, job_id: jobId, mode, periods: mode === 'full' ? [] : (ranges ?? []).map((r) => ({from: r.lo, to: r.hi})), rows_written: written, rows: cov.rows, reason, ms}
      })
      results.push(result)
    } catch (error) {
      await insertJob(catalog.db, {
        id: jobId,
        kind: 'rollup',
        source: id,
        startedAt,
        finishedAt: utcNow(),
        status: 'failed',
        pointsRead: 0,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        error: error instanceof Error ? error.message : String(error),
      }).catch(() => undefined)
      if (error instanceof CatalogError) throw error
      throw new CatalogError('QUERY_FAILED', `refresh of rollup ${id} failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, {id}, {cause: error})
    }
  }
  return results
}

/** A time column that is a plain column name (its changes are logged by name), else undefined. */
function plainColumn(text: string | undefined): string | undefined {
  if (!text) return undefined
  const t = text.trim()
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) return t
  if (/^"(?:[^"]|"")+"$/.test(t)) return t.slice(1, -1).replaceAll('""', '"')
  return undefined
}

async function alignedRange(tx: Tx, from: string, to: string, grain: string): Promise<{lo: string; hi: string}[]> {
  const step: Record<string, string> = {day: '1 DAY', week: '7 DAY', month: '1 MONTH', quarter: '3 MONTH', year: '1 YEAR'}
  const [row] = await tx.all<{lo: string; hi: string}>(
    `SELECT CAST(CAST(date_trunc($3, CAST($1 AS TIMESTAMP)) AS DATE) AS VARCHAR) AS lo,
       CAST(CAST(CASE WHEN date_trunc($3, CAST($2 AS TIMESTAMP)) = CAST($2 AS TIMESTAMP) THEN CAST($2 AS TIMESTAMP) ELSE date_trunc($3, CAST($2 AS TIMESTAMP)) + INTERVAL ${step[grain]} END AS DATE) AS VARCHAR) AS hi`,
    [from, to, grain],
  )
  return [row!]
}

async function tableExists(tx: Tx, id: string): Promise<boolean> {
  const [row] = await tx.all<{n: number}>(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE database_name = 'mc' AND schema_name = 'metricat_rollups' AND table_name = $1`, [id])
  return row!.n > 0
}

async function writeState(tx: Tx, s: RollupState): Promise<void> {
  await tx.run(
    `INSERT OR REPLACE INTO mc.metricat.rollups (id, metric_id, grain, dimensions, table_name, content_hash, source_version, refreshed_at, row_count, first_period, last_period, last_refresh, refresh_ms, source_rows)
     VALUES ($1, $2, $3, $4, $5, $6, $7, CAST($8 AS TIMESTAMP), $9, CAST($10 AS DATE), CAST($11 AS DATE), $12, $13, $14)`,
    [s.id, s.metric_id, s.grain, JSON.stringify(s.dimensions), s.table_name, s.content_hash, s.source_version, s.refreshed_at, s.row_count, s.first_period, s.last_period, s.last_refresh, s.refresh_ms, s.source_rows],
  )
}
