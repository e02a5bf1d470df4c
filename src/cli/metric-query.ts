import {type Grain, type GRAIN_ALIASES, canonicalGrain} from '../catalog/types.js'
import {parseWhere} from '../query/parse-where.js'
import type {CompareMode, MetricQuery, QueryOrder} from '../query/types.js'

// Kept apart from query-flags.ts (the oclif flag declarations), so the oclif-free start of
// `metricat sql` (quick-sql.ts) maps flags to a request with the very same function.

export interface QueryFlagValues {
  grain?: Grain | keyof typeof GRAIN_ALIASES
  by?: string
  where?: string[]
  from?: string
  to?: string
  range?: string
  compare?: CompareMode
  variant?: string
  limit?: number
  order?: QueryOrder
  desc?: boolean
  strict?: boolean
  'no-rollup'?: boolean
}

/** CLI flags -> the one request shape (src/query/types.ts); `--where` text is parsed, never passed as SQL. */
export function toMetricQuery(metric: string, flags: QueryFlagValues): MetricQuery {
  const query: MetricQuery = {metric}
  if (flags.grain) query.grain = canonicalGrain(flags.grain)
  if (flags.by) query.by = flags.by.split(',').map((d) => d.trim()).filter(Boolean)
  if (flags.where?.length) query.filters = flags.where.map((w) => parseWhere(w))
  if (flags.from) query.from = flags.from
  if (flags.to) query.to = flags.to
  if (flags.range) query.range = flags.range
  if (flags.compare) query.compare = flags.compare
  if (flags.variant) query.variant = flags.variant
  if (flags.limit !== undefined) query.limit = flags.limit
  if (flags.order) query.order = flags.order
  if (flags.desc) query.desc = true
  if (flags.strict) query.strict = true
  if (flags['no-rollup']) query.no_rollup = true
  return query
}
