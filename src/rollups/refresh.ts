import type {Grain, MetricDefinition, RollupSpec} from '../catalog/types.js'
import type {Database, Tx} from '../db/connection.js'
import {readChanges} from '../db/data-versions.js'
import type {MeasurePlan} from '../query/plan.js'
import {quoteIdent} from '../query/quote.js'
import {rollupTable} from './select.js'

// Materialising one rollup: one row per period x dimension values with the value at the rollup's
// grain, what re-aggregation needs (sum_v and count_v for avg), the last timestamp (data_through)
// and the growth columns (previous_value, growth_pct against the previous period of the same
// combination). A refresh rebuilds only the periods its sources' logged changes touched.

const TRUNC: Record<Grain, string> = {day: "'day'", week: "'week'", month: "'month'", quarter: "'quarter'", year: "'year'"}
const STEP: Record<Grain, string> = {day: 'INTERVAL 1 DAY', week: 'INTERVAL 7 DAY', month: 'INTERVAL 1 MONTH', quarter: 'INTERVAL 3 MONTH', year: 'INTERVAL 1 YEAR'}
const ZERO_FILLED = new Set(['sum', 'count', 'count_distinct'])

/** The stored state of one rollup (metricat.rollups). */
export interface RollupState {
  id: string
  metric_id: string
  grain: Grain
  dimensions: string[]
  table_name: string
  content_hash: string
  source_version: number
  /** rows of the source tables at the refresh (DuckDB's table statistics), to notice writes by other tools */
  source_rows: number | null
  refreshed_at: string
  row_count: number
  first_period: string | null
  last_period: string | null
  last_refresh: string | null
  refresh_ms: number | null
}

export async function readRollupStates(db: Pick<Database, 'all'> | Tx, metricId?: string): Promise<RollupState[]> {
  const rows = await db.all<Record<string, unknown>>(
    `SELECT id, metric_id, grain, dimensions, table_name, content_hash, source_version::VARCHAR AS source_version, source_rows::VARCHAR AS source_rows,
       strftime(refreshed_at, '%Y-%m-%dT%H:%M:%SZ') AS refreshed_at, row_count::VARCHAR AS row_count,
       CAST(first_period AS VARCHAR) AS first_period, CAST(last_period AS VARCHAR) AS last_period, last_refresh, refresh_ms::VARCHAR AS refresh_ms
     FROM mc.metricat.rollups${metricId === undefined ? '' : ' WHERE metric_id = $1'} ORDER BY id`,
    metricId === undefined ? [] : [metricId],
  )
  return rows.map((r) => ({
    ...(r as unknown as RollupState),
    dimensions: JSON.parse(r.dimensions as string) as string[],
    source_version: Number(r.source_version),
    source_rows: r.source_rows === null ? null : Number(r.source_rows),
    row_count: Number(r.row_count),
    refresh_ms: r.refresh_ms === null ? null : Number(r.refresh_ms),
  }))
}

/** What one refresh did. */
export interface RefreshOutcome {
  mode: 'full' | 'incremental' | 'up to date'
  /** the periods rebuilt, [from, to) as dates (full: all) */
  ranges: {from: string; to: string}[]
  /** rows written */
  rows: number
  /** rows in the rollup afterwards */
  total: number
  reason: string
}

/** Why the rollup needs a full rebuild, or the periods its sources' changes since `since` touched. */
export async function changedPeriods(tx: Tx, scopes: string[], since: number, timeColumn: string | undefined, grain: Grain): Promise<{full: string} | {ranges: {lo: string; hi: string}[]}> {
  const ranges: {lo: string; hi: string}[] = []
  for (const scope of scopes) {
    const changes = await readChanges(tx, scope, since)
    const byVersion = new Map<number, typeof changes>()
    for (const c of changes) byVersion.set(c.version, [...(byVersion.get(c.version) ?? []), c])
    for (const [, rows] of byVersion) {
      if (rows.some((r) => r.kind === 'replace' || r.kind === 'definitions')) return {full: `${scope} was replaced`}
      const column = scope.startsWith('points:') ? 'date' : timeColumn
      const hit = rows.find((r) => column !== undefined && r.column?.toLowerCase() === column.toLowerCase())
      if (!hit) return {full: `${scope} changed with no time range for ${timeColumn ?? 'its time column'}`}
      if (hit.lo !== null && hit.hi !== null) ranges.push({lo: hit.lo, hi: hit.hi})
    }
  }
  if (ranges.length === 0) return {ranges: []}
  // whole periods: [trunc(lo), trunc(hi) + 1 period), merged
  const trunc = TRUNC[grain]
  const rows = await tx.all<{lo: string; hi: string}>(
    `SELECT CAST(min(lo) AS VARCHAR) AS lo, CAST(max(hi) AS VARCHAR) AS hi FROM (
       SELECT lo, hi, sum(CASE WHEN lo <= prev_hi THEN 0 ELSE 1 END) OVER (ORDER BY lo ROWS UNBOUNDED PRECEDING) AS grp FROM (
         SELECT lo, hi, max(hi) OVER (ORDER BY lo ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_hi FROM (
           SELECT CAST(date_trunc(${trunc}, CAST(r.lo AS TIMESTAMP)) AS DATE) AS lo, CAST(date_trunc(${trunc}, CAST(r.hi AS TIMESTAMP)) + ${STEP[grain]} AS DATE) AS hi
           FROM (SELECT unnest(from_json($1::JSON, '[{"lo":"VARCHAR","hi":"VARCHAR"}]'), recursive := true)) AS r)))
     GROUP BY grp ORDER BY lo`,
    [JSON.stringify(ranges)],
  )
  return {ranges: rows}
}

/** The SELECT that computes rollup rows from the raw table, optionally for [lo, hi) only. */
function materializeSql(def: MetricDefinition, spec: RollupSpec, m: MeasurePlan, range?: {lo: string; hi: string}): {sql: string; params: string[]} {
  const params: string[] = []
  const avg = def.type === 'avg'
  // the plan's aggregate for avg is `favg(<expr>)` (or `avg(...)`): sum and count of the same expression re-aggregate it
  const inner = avg ? /^f?avg\(([\s\S]*)\)$/i.exec(m.aggregate.trim())?.[1] : undefined
  if (avg && inner === undefined) throw new Error(`cannot read the averaged expression of ${m.aggregate}`)
  const where = [...m.conditions.map((c) => `(${c})`), `${m.time} IS NOT NULL`]
  if (range) {
    params.push(range.lo, range.hi)
    where.push(`${m.time} >= $1`, `${m.time} < $2`)
  }
  const select = [
    `CAST(date_trunc(${TRUNC[spec.grain]}, ${m.time}) AS DATE) AS period`,
    ...m.dimensions.map((d) => `${d.sql} AS ${quoteIdent(d.name)}`),
    `CAST(${m.aggregate} AS DOUBLE) AS value`,
    avg ? `CAST(fsum(${inner}) AS DOUBLE) AS sum_v` : 'CAST(NULL AS DOUBLE) AS sum_v',
    avg ? `count(${inner}) AS count_v` : 'CAST(NULL AS BIGINT) AS count_v',
    `CAST(max(${m.time}) AS TIMESTAMP) AS last_time`,
    'CAST(NULL AS DOUBLE) AS previous_value',
    'CAST(NULL AS DOUBLE) AS growth_pct',
  ]
  return {sql: `SELECT ${select.join(', ')}\nFROM ${m.source}\nWHERE ${where.join(' AND ')}\nGROUP BY ALL`, params}
}

/**
 * Rebuilds the rollup table in `tx`: all of it (`ranges` undefined) or the given periods (deleted,
 * then recomputed from the raw rows), then the growth columns over the whole (small) table.
 * Returns the rows written.
 */
export async function materialize(tx: Tx, id: string, def: MetricDefinition, spec: RollupSpec, m: MeasurePlan, ranges?: {lo: string; hi: string}[]): Promise<number> {
  const table = rollupTable(id)
  let written = 0
  if (ranges === undefined) {
    const {sql, params} = materializeSql(def, spec, m)
    await tx.run(`CREATE OR REPLACE TABLE ${table} AS ${sql}`, params)
    written = await count(tx, table)
  } else {
    for (const r of ranges) {
      await tx.run(`DELETE FROM ${table} WHERE period >= CAST($1 AS DATE) AND period < CAST($2 AS DATE)`, [r.lo, r.hi])
      const {sql, params} = materializeSql(def, spec, m, r)
      written += await tx.changes(`INSERT INTO ${table} ${sql}`, params)
    }
  }
  await growth(tx, table, spec, ZERO_FILLED.has(def.type ?? ''), ranges)
  return written
}

async function count(tx: Tx, table: string): Promise<number> {
  const [row] = await tx.all<{n: string}>(`SELECT count(*)::VARCHAR AS n FROM ${table}`)
  return Number(row!.n)
}

/**
 * previous_value: the same combination's value one period earlier (0 for sums and counts when
 * that period lies inside the rollup but has no row; NULL before the first period); growth_pct:
 * (value - previous) / |previous| * 100, NULL when previous is 0 or NULL. As `--compare previous`.
 */
async function growth(tx: Tx, table: string, spec: RollupSpec, zeroFilled: boolean, ranges?: {lo: string; hi: string}[]): Promise<void> {
  const dims = spec.by ?? []
  const step = STEP[spec.grain]
  const on = [`p.period = CAST(r.period - ${step} AS DATE)`, ...dims.map((d) => `p.${quoteIdent(d)} IS NOT DISTINCT FROM r.${quoteIdent(d)}`)]
  const prev = zeroFilled ? `CASE WHEN p.value IS NULL AND CAST(r.period - ${step} AS DATE) >= (SELECT min(period) FROM ${table}) THEN 0 ELSE p.value END` : 'p.value'
  // After an incremental refresh only the rebuilt periods and the one after each can change,
  // unless a rebuilt period is the first one (then "before the first period" moved).
  const params: string[] = []
  let only = ''
  if (ranges && ranges.length > 0) {
    const [row] = await tx.all<{first: string | null}>(`SELECT CAST(min(period) AS VARCHAR) AS first FROM ${table}`)
    if (row!.first !== null && ranges.every((r) => r.lo > row!.first!)) {
      only = ` WHERE ${ranges
        .map((r) => {
          params.push(r.lo, r.hi)
          return `(r.period >= CAST($${params.length - 1} AS DATE) AND r.period < CAST(CAST($${params.length} AS DATE) + ${step} AS DATE))`
        })
        .join(' OR ')}`
    }
  }
  await tx.run(
    `CREATE OR REPLACE TEMP TABLE rollup_growth AS
SELECT r.period, ${dims.map((d) => `r.${quoteIdent(d)}`).join(', ')}${dims.length > 0 ? ', ' : ''}${prev} AS previous_value
FROM ${table} AS r LEFT JOIN ${table} AS p ON ${on.join(' AND ')}${only}`,
    params,
  )
  const match = ['g.period = t.period', ...dims.map((d) => `g.${quoteIdent(d)} IS NOT DISTINCT FROM t.${quoteIdent(d)}`)]
  await tx.run(`UPDATE ${table} AS t SET previous_value = g.previous_value,
  growth_pct = CASE WHEN g.previous_value IS NULL OR g.previous_value = 0 THEN NULL ELSE (t.value - g.previous_value) / abs(g.previous_value) * 100 END
FROM temp.main.rollup_growth AS g WHERE ${match.join(' AND ')}`)
  await tx.run('DROP TABLE temp.main.rollup_growth')
}

/** Rows, first and last period of a rollup table. */
export async function coverage(tx: Tx, id: string): Promise<{rows: number; first: string | null; last: string | null}> {
  const [row] = await tx.all<{n: string; first: string | null; last: string | null}>(
    `SELECT count(*)::VARCHAR AS n, CAST(min(period) AS VARCHAR) AS first, CAST(max(period) AS VARCHAR) AS last FROM ${rollupTable(id)}`,
  )
  return {rows: Number(row!.n), first: row!.first, last: row!.last}
}

/**
 * Rows of the tables behind `scopes` (`table:<name>`, any database and schema), from DuckDB's
 * table statistics: metadata, no scan. Writes by other tools than metricat bump no data version;
 * a changed row count still marks the rollup stale.
 */
export async function sourceRows(db: Pick<Database, 'all'> | Tx, scopes: string[]): Promise<number | null> {
  const names = scopes.filter((s) => s.startsWith('table:')).map((s) => s.slice('table:'.length))
  if (names.length === 0) return null
  const [row] = await db.all<{n: string | null}>(
    `SELECT sum(estimated_size)::VARCHAR AS n FROM duckdb_tables() WHERE lower(table_name) IN (SELECT unnest(from_json($1::JSON, '["VARCHAR"]'))) AND schema_name <> 'metricat_rollups'`,
    [JSON.stringify(names)],
  )
  return row!.n === null ? null : Number(row!.n)
}
