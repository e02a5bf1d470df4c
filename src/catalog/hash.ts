import {createHash} from 'node:crypto'

import type {MetricDefinition} from './types.js'

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    )
  }
  return value
}

/** Hash of what a definition says; bookkeeping (version, timestamps, source) is not part of it. */
export function contentHash(def: MetricDefinition): string {
  return createHash('sha256').update(canonicalJson(pickDefinition(def))).digest('hex').slice(0, 16)
}

export const DEFINITION_FIELDS = [
  'id', 'name', 'category', 'display_name', 'description', 'type', 'unit', 'grain', 'time_aggregation', 'table_name', 'tables',
  'expression', 'time_column', 'dimensions', 'filters', 'synonyms', 'notes', 'sql', 'sql_variants', 'validation',
  'numerator', 'denominator', 'formula', 'percentile', 'points_key', 'owner', 'aliases', 'chart', 'rollups',
] as const satisfies readonly (keyof MetricDefinition)[]

/** Only the definition's own fields, without nulls or bookkeeping. */
export function pickDefinition(def: MetricDefinition): MetricDefinition {
  const out: Record<string, unknown> = {}
  for (const k of DEFINITION_FIELDS) {
    const v = def[k]
    if (v !== undefined && v !== null) out[k] = v
  }
  return out as unknown as MetricDefinition
}
