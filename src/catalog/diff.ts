import {canonicalJson} from './hash.js'
import type {MetricDefinition} from './types.js'
import {toYamlRecord} from './yaml.js'

export interface FieldChange {
  field: string
  before: unknown
  after: unknown
}

/** Field-by-field differences, named as in YAML (`table`, `sql_by_<x>`). */
export function diffDefinitions(before: MetricDefinition, after: MetricDefinition): FieldChange[] {
  const a = toYamlRecord(before)
  const b = toYamlRecord(after)
  if (before.category !== after.category) {
    a.category = before.category
    b.category = after.category
  }
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])]
  return fields
    .filter((f) => canonicalJson(a[f] ?? null) !== canonicalJson(b[f] ?? null))
    .map((f) => ({field: f, before: a[f] ?? null, after: b[f] ?? null}))
}
