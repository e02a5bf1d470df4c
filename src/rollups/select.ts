import type {Grain, MetricDefinition, ROLLUP_TYPES, RollupSpec} from '../catalog/types.js'
import {formatDate, parseTimeBound, truncateDate} from '../query/dates.js'
import {GRAIN_ORDER} from '../query/grains.js'
import type {AggregatePlan, MeasurePlan} from '../query/plan.js'
import {quoteIdent} from '../query/quote.js'

// Rollup selection: a pure substitution on the compiler's plan. When a fresh rollup can answer
// the request, the plan's one measure reads the rollup table instead of the raw table, with an
// aggregate that re-aggregates the stored per-period values; everything else (periods, gap
// filling, compare, limit, data_through) is rendered by the compiler as for raw rows.

/** Types whose per-period values combine into coarser periods exactly, and how. */
// Sums as the compiler sums (compensated fsum), so a rollup's value matches the raw one to the bit
// in most cases, and always after the compiler's rounding to 14 significant digits.
export const REAGGREGATE: Record<(typeof ROLLUP_TYPES)[number], string> = {
  sum: 'fsum(value)',
  count: 'sum(value)',
  // only at the rollup's own grain and dimensions: each result row is one stored row
  count_distinct: 'sum(value)',
  min: 'min(value)',
  max: 'max(value)',
  avg: 'fsum(sum_v) / sum(count_v)',
}

/**
 * The same values from a rollup row when it is the only row of its group (the query's grain and
 * exactly its dimensions): each re-aggregate above of one row is that row (`fsum`, `sum`, `min`,
 * `max` of one DOUBLE return it; avg's sum_v / count_v is what fsum(sum_v) / sum(count_v) gives).
 */
export const ROW_VALUE: Record<(typeof ROLLUP_TYPES)[number], string> = {
  sum: 'value',
  count: 'value',
  count_distinct: 'value',
  min: 'value',
  max: 'value',
  avg: 'sum_v / count_v',
}

/** Query grains a rollup of each grain answers: periods that are whole unions of its periods. */
export const ANSWERS: Record<Grain, readonly Grain[]> = {
  day: ['day', 'week', 'month', 'quarter', 'year'],
  week: ['week'],
  month: ['month', 'quarter', 'year'],
  quarter: ['quarter', 'year'],
  year: ['year'],
}

/** `<metric id>@<grain>` plus `:<dims>` when it keeps dimensions, e.g. `revenue/total_revenue@day:region,channel`. */
export function rollupId(metricId: string, spec: RollupSpec): string {
  return `${metricId}@${spec.grain}${spec.by && spec.by.length > 0 ? `:${spec.by.join(',')}` : ''}`
}

/** The rollup table as a FROM clause (the id, quoted, in schema metricat_rollups). */
export function rollupTable(id: string): string {
  return `mc.metricat_rollups.${quoteIdent(id)}`
}

/**
 * Why a metric cannot have rollups at all (undefined when it can): only table metrics whose type
 * re-aggregates, with a plain expression, and no time roll-up.
 */
export function rollupUnsupported(def: MetricDefinition, expressionIsAggregate: boolean): string | undefined {
  if (def.points_key) return 'it is computed from points'
  if (!def.table_name || !def.time_column) return 'it has no table and time_column'
  if (!def.type || !Object.hasOwn(REAGGREGATE, def.type)) return `type ${def.type ?? '(none)'} cannot be re-aggregated from stored values (rollups take sum, count, count_distinct, avg, min, max)`
  if (expressionIsAggregate) return 'its expression is an aggregate itself; give a plain column expression and let type aggregate it'
  if (def.time_aggregation && def.time_aggregation !== 'sum') return `time_aggregation ${def.time_aggregation} rolls values up over time; rollups of such metrics are not supported`
  const clock = readsClock(def)
  if (clock) return `its ${clock.field} reads the clock (${clock.call}): the rows it selects change as time passes, with no write a rollup could notice`
  return undefined
}

/** SQL functions whose value depends on when a statement runs (DuckDB's current time, and randomness). */
const CLOCK = /\b(current_date|current_time|current_timestamp|current_localtime|current_localtimestamp|localtime|localtimestamp|now|today|get_current_time|get_current_timestamp|transaction_timestamp|statement_timestamp|random|uuid|gen_random_uuid)\b(?!\s*\.)/i

/** The first definition field whose SQL calls a `CLOCK` function, outside quoted names and strings. */
function readsClock(def: MetricDefinition): {field: string; call: string} | undefined {
  const fields: [string, string | undefined][] = [
    ['expression', def.expression],
    ['time_column', def.time_column],
    ...(def.filters ?? []).map((f): [string, string] => ['filters', f]),
    ...(def.dimensions ?? []).map((d): [string, string | undefined] => ['dimensions', typeof d === 'string' ? undefined : d.expr]),
  ]
  for (const [field, sql] of fields) {
    const hit = sql === undefined ? null : CLOCK.exec(sql.replace(/"(?:[^"]|"")*"|'(?:[^']|'')*'/g, ' '))
    if (hit) return {field, call: hit[1]!}
  }
  return undefined
}

/** A declared rollup as the planner sees it. */
export interface RollupCandidate {
  id: string
  grain: Grain
  by: string[]
  /** why it may not be read now (never refreshed, a source changed, the definition changed); undefined: fresh */
  stale?: string
}

export interface RollupDecision {
  /** the rollup read, or null when the query reads raw rows */
  used: string | null
  considered: {id: string; used: boolean; reason: string}[]
}

function aligned(text: string | undefined, grain: Grain): boolean {
  if (text === undefined) return true
  const b = parseTimeBound(text, 'bound')
  return !b.hasTime && formatDate(truncateDate(b.date, grain)) === formatDate(b.date)
}

/** Why `c` cannot answer `plan` (undefined: it can). */
function unfit(plan: AggregatePlan, m: MeasurePlan, def: MetricDefinition, c: RollupCandidate): string | undefined {
  if (!(ANSWERS[c.grain] as readonly string[]).includes(plan.grain)) return `a ${c.grain} rollup cannot answer ${plan.grain} periods`
  if (m.rollup) return `time_aggregation ${m.rollup.aggregation} applies at ${plan.grain}`
  const missing = [...new Set([...m.dimensions.map((d) => d.name), ...m.predicates.map((p) => p.dimension)])].filter((d) => !c.by.includes(d))
  if (missing.length > 0) return `it does not keep ${missing.join(', ')}`
  if (def.type === 'count_distinct') {
    if (plan.grain !== c.grain) return `count_distinct is only exact at the rollup's own grain (${c.grain})`
    if (m.dimensions.length !== c.by.length) return `count_distinct is only exact split by exactly ${c.by.join(', ') || 'nothing'}`
  }
  for (const [name, text] of [['from', plan.range.scanFrom], ['to', plan.range.to]] as const) {
    if (!aligned(text, c.grain)) return `${name} ${text} is not the start of a ${c.grain}`
  }
  if (c.stale) return c.stale
  return undefined
}

/**
 * Picks the rollup that answers `plan` with the fewest rows (coarsest grain, then fewest
 * dimensions) and returns the plan reading it, with the reason each candidate was or was not used.
 * `noRollup` (the request's `--no-rollup`) keeps the raw plan.
 */
export function selectRollup(plan: AggregatePlan, def: MetricDefinition, candidates: RollupCandidate[], options: {noRollup?: boolean; expressionIsAggregate?: boolean} = {}): {plan: AggregatePlan; decision: RollupDecision} {
  const decision: RollupDecision = {used: null, considered: []}
  const all = (reason: string) => {
    decision.considered = candidates.map((c) => ({id: c.id, used: false, reason}))
    return {plan, decision}
  }
  if (candidates.length === 0) return {plan, decision}
  if (options.noRollup) return all('--no-rollup: raw rows requested')
  const m = plan.measures[0]
  if (!plan.simple || plan.measures.length !== 1 || !m || m.metric !== def.id) return all('the metric is computed from other metrics')
  const unsupported = rollupUnsupported(def, options.expressionIsAggregate ?? false)
  if (unsupported) return all(unsupported)
  const order = [...candidates].sort((a, b) => GRAIN_ORDER[b.grain] - GRAIN_ORDER[a.grain] || a.by.length - b.by.length)
  let chosen: RollupCandidate | undefined
  const reasons = new Map<string, string>()
  for (const c of order) {
    const why = unfit(plan, m, def, c)
    if (why === undefined && !chosen) chosen = c
    reasons.set(c.id, why ?? (chosen === c ? 'answers the request from the fewest rows' : `${chosen!.id} answers it from fewer rows`))
  }
  decision.considered = candidates.map((c) => ({id: c.id, used: c === chosen, reason: reasons.get(c.id)!}))
  if (!chosen) return {plan, decision}
  decision.used = chosen.id
  // a rollup at the query's grain with exactly the requested dimensions: one row per result row, no GROUP BY
  const requested = new Set(m.dimensions.map((d) => d.name))
  const onePerGroup = chosen.grain === plan.grain && requested.size === chosen.by.length && chosen.by.every((d) => requested.has(d))
  const measure: MeasurePlan = {
    ...m,
    source: rollupTable(chosen.id),
    time: 'period',
    lastTime: 'last_time',
    aggregate: (onePerGroup ? ROW_VALUE : REAGGREGATE)[def.type as keyof typeof REAGGREGATE],
    ...(onePerGroup ? {onePerGroup: true as const} : {}),
    dimensions: m.dimensions.map((d) => ({name: d.name, sql: quoteIdent(d.name)})),
    // the definition's filters were applied when the rollup was built
    conditions: [],
    predicates: m.predicates.map((p) => ({...p, sql: quoteIdent(p.dimension)})),
  }
  return {plan: {...plan, measures: [measure]}, decision}
}
