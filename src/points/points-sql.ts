import {parseTimeBound} from '../query/dates.js'
import type {Filter, FilterScalar} from '../query/types.js'
import {canonicalGranularity, type PointsQuery} from './types.js'

// SQL over metricat.metric_points for any compiler: `metricat points` (compilePointsQuery) and a
// catalog metric with points_key. Pure text and bound values; nothing here touches a database.
// Dimension keys and every request value are bound parameters, never SQL text.

export const POINTS_TABLE = 'mc.metricat.metric_points'

/** Collects bound values; `add` returns the placeholder (`$n`). The metric query compiler's Params fits. */
export interface ParamSink {
  add(value: FilterScalar): string
}

export class Params implements ParamSink {
  readonly values: FilterScalar[] = []
  add(value: FilterScalar): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}

/** A dimension key as a JSON Pointer (RFC 6901): the key reaches SQL as a bound value, never as text. */
export function dimensionPointer(key: string): string {
  return `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
}

/** SQL for the text of dimension `key` of a point (NULL when the point lacks it). */
export function dimensionSql(key: string, params: ParamSink, table = ''): string {
  return `json_extract_string(${table ? `${table}.` : ''}dimensions, ${params.add(dimensionPointer(key))})`
}

/** Dimension values are stored as JSON; compare them as the text json_extract_string gives. */
function asText(v: FilterScalar): string {
  return typeof v === 'string' ? v : String(v)
}

function filterSql(f: Filter, params: ParamSink): string {
  const d = dimensionSql(f.dimension, params)
  const one = (): string => params.add(asText(f.value as FilterScalar))
  const list = (): string => (f.value as FilterScalar[]).map((v) => params.add(asText(v))).join(', ')
  // The number goes in as text and is cast in SQL: a bound integer past int64 (1e20) would not bind.
  const ordered = (op: string): string =>
    typeof f.value === 'number' ? `TRY_CAST(${d} AS DOUBLE) ${op} CAST(${one()} AS DOUBLE)` : `${d} ${op} ${one()}`
  switch (f.op) {
    case '=':
      return `${d} = ${one()}`
    case '!=':
      return `${d} IS DISTINCT FROM ${one()}`
    case '>':
      return ordered('>')
    case '>=':
      return ordered('>=')
    case '<':
      return ordered('<')
    case '<=':
      return ordered('<=')
    case 'in':
      return `${d} IN (${list()})`
    case 'not_in':
      return `(${d} NOT IN (${list()}) OR ${d} IS NULL)`
    case 'contains':
      return `contains(${d}, ${one()})`
    case 'is_null':
      return `${d} IS NULL`
    case 'not_null':
      return `${d} IS NOT NULL`
  }
}

/** The WHERE conditions of a points query: key, entity, source, granularity, time range and filters. */
export function pointsConditions(q: PointsQuery, params: ParamSink): string[] {
  const where = [`metric_key = ${params.add(q.key)}`]
  if (q.entityKind !== undefined) where.push(`entity_kind = ${params.add(q.entityKind)}`)
  if (q.entityId !== undefined) where.push(`entity_id = ${params.add(q.entityId)}`)
  if (q.dataSourceId !== undefined) where.push(`data_source_id = ${params.add(q.dataSourceId)}`)
  if (q.granularity !== undefined) where.push(`granularity = ${params.add(canonicalGranularity(q.granularity) ?? q.granularity)}`)
  if (q.from !== undefined) where.push(`"date" >= CAST(${params.add(parseTimeBound(q.from, 'from').text)} AS TIMESTAMP)`)
  if (q.to !== undefined) where.push(`"date" < CAST(${params.add(parseTimeBound(q.to, 'to').text)} AS TIMESTAMP)`)
  for (const f of q.filters ?? []) where.push(filterSql(f, params))
  return where
}

/**
 * A relation over the points of one key with columns `date` (TIMESTAMP, UTC), `value` (DOUBLE)
 * and `dimensions` (canonical JSON), for compilers that aggregate points themselves (a catalog
 * metric with `points_key`). Use `dimensionSql` on it for dimension columns.
 */
export function pointsSourceSql(q: PointsQuery, params: ParamSink): string {
  return `SELECT "date", value, dimensions FROM ${POINTS_TABLE} WHERE ${pointsConditions(q, params).join(' AND ')}`
}

