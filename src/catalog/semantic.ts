import type {ValidationDetail} from '../errors.js'
import {synonymKey} from './search.js'
import {ROLLUP_TYPES, type MetricDefinition} from './types.js'

export interface Located {
  definition: MetricDefinition
  file?: string
  line?: number
  column?: number
}

const REAGGREGATED: ReadonlySet<string> = new Set(ROLLUP_TYPES)

const AGGREGATIONS = new Set(['sum', 'count', 'count_distinct', 'avg', 'min', 'max', 'median', 'percentile', 'last'])

/**
 * Checks that need the whole catalog: unique ids, synonyms and aliases, references that resolve,
 * no reference cycles, and the fields each type needs. `references` lists the ids a metric reads.
 */
export function checkSemantics(metrics: Located[], references: (def: MetricDefinition) => string[]): ValidationDetail[] {
  const problems: ValidationDetail[] = []
  const at = (m: Located, path: string, message: string) =>
    problems.push({file: m.file, line: m.line, column: m.column, path, metric: m.definition.id, message})
  const where = (m: Located) => (m.file ? `${m.file}:${m.line}` : m.definition.id)

  const byId = new Map<string, Located>()
  for (const m of metrics) {
    const first = byId.get(m.definition.id)
    if (first) at(m, '/name', `duplicate id ${m.definition.id} (also defined at ${where(first)})`)
    else byId.set(m.definition.id, m)
  }

  const aliasOwner = new Map<string, Located>()
  for (const m of byId.values()) {
    for (const alias of m.definition.aliases ?? []) {
      if (byId.has(alias)) at(m, '/aliases', `alias ${alias} is the id of an existing metric; delete or rename that metric first (or import with --prune)`)
      const other = aliasOwner.get(alias)
      if (other) at(m, '/aliases', `alias ${alias} is also an alias of ${other.definition.id}`)
      else aliasOwner.set(alias, m)
    }
  }

  const synonymOwner = new Map<string, Located>()
  for (const m of byId.values()) {
    for (const s of m.definition.synonyms ?? []) {
      const key = synonymKey(s)
      const other = synonymOwner.get(key)
      if (other && other !== m) at(m, '/synonyms', `duplicate synonym "${s}": also a synonym of ${other.definition.id} (${where(other)})`)
      else synonymOwner.set(key, m)
    }
  }

  const resolve = (id: string) => byId.get(id) ?? aliasOwner.get(id)
  for (const m of byId.values()) {
    const d = m.definition
    if (d.type && AGGREGATIONS.has(d.type) && !d.points_key && !d.sql) {
      if (!d.table_name) at(m, '/table', `type ${d.type} needs "table" (or "sql", or "points_key")`)
      if (!d.time_column) at(m, '/time_column', `type ${d.type} needs "time_column"`)
      if (!d.expression && d.type !== 'count') at(m, '/expression', `type ${d.type} needs "expression"`)
    }
    if (!d.type && !d.sql && !d.points_key) at(m, '/type', 'a metric needs a "type" or a "sql"')
    if (d.type === 'ratio' && (d.numerator || d.denominator || !d.sql) && !(d.numerator && d.denominator)) {
      at(m, d.numerator ? '/denominator' : '/numerator', 'type ratio needs both "numerator" and "denominator" (metric ids), or a "sql" query (with an "expression" over its columns) and neither')
    }
    if (d.points_key) {
      // points are filtered and split by their dimension keys only; SQL here would be ignored
      if (d.filters?.length) at(m, '/filters', 'a points_key metric cannot have SQL filters; filter points with --where on their dimensions')
      if (d.dimensions?.some((x) => typeof x !== 'string' && x.expr)) at(m, '/dimensions', 'a points_key metric\'s dimensions are point dimension keys; "expr" does not apply')
    }
    for (const ref of references(d)) {
      if (!resolve(ref)) at(m, d.type === 'ratio' ? '' : '/formula', `references unknown metric ${ref}`)
    }
    if (d.rollups?.length) {
      const declared = (d.dimensions ?? []).map((x) => (typeof x === 'string' ? x : x.name))
      const why = !d.type || !REAGGREGATED.has(d.type) ? `type ${d.type ?? '(none)'} cannot be re-aggregated from stored values; rollups take ${[...REAGGREGATED].join(', ')}`
        : d.points_key ? 'a points_key metric cannot have rollups'
        : !d.table_name || !d.time_column ? 'rollups need "table" and "time_column"'
        : d.time_aggregation && d.time_aggregation !== 'sum' ? `a metric with time_aggregation ${d.time_aggregation} cannot have rollups`
        : undefined
      if (why) at(m, '/rollups', why)
      const seen = new Set<string>()
      d.rollups.forEach((r, i) => {
        for (const dim of r.by ?? []) if (!declared.includes(dim)) at(m, `/rollups/${i}/by`, `rollup by "${dim}": not a dimension of ${d.id}; it declares ${declared.join(', ') || '(none)'}`)
        const key = `${r.grain}:${[...(r.by ?? [])].sort().join(',')}`
        if (seen.has(key)) at(m, `/rollups/${i}`, `rollup ${r.grain} by ${(r.by ?? []).join(', ') || '(nothing)'} is declared twice`)
        seen.add(key)
      })
    }
  }

  // Cycles through ratio/derived references (depth-first, reporting each cycle once).
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (id: string, trail: string[]) => {
    const m = resolve(id)
    if (!m) return
    const key = m.definition.id
    if (state.get(key) === 'done') return
    if (state.get(key) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(key)), key]
      at(m, '', `reference cycle: ${cycle.join(' -> ')}`)
      return
    }
    state.set(key, 'visiting')
    for (const ref of references(m.definition)) visit(ref, [...trail, key])
    state.set(key, 'done')
  }
  for (const id of byId.keys()) visit(id, [])
  return problems
}
