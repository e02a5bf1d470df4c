import {dimensionName, type MetricDefinition, type MetricType} from '../catalog/types.js'
import {CatalogError} from '../errors.js'
import {compilePointsQuery} from '../points/query.js'
import type {Agg} from '../points/types.js'
import type {CompiledQuery, MetricQuery} from '../query/types.js'

// The metric's type picks the aggregation over its points; types with no points equivalent are refused.
const AGG_FOR_TYPE: Partial<Record<MetricType, Agg>> = {sum: 'sum', count: 'count', avg: 'avg', min: 'min', max: 'max', last: 'last'}

/**
 * A catalog metric with `points_key`, queried like any other metric: grain -> bucket, `type` ->
 * aggregation, `by`/`filters` on the dimensions the metric declares (dimension keys of the
 * points), `from`/`to`, `limit`. Compiles to the points query SQL; `aliases` maps its columns
 * back to dimension names.
 */
export function compilePointsMetric(def: MetricDefinition, query: MetricQuery): CompiledQuery {
  const agg = AGG_FOR_TYPE[def.type ?? 'sum']
  if (!agg) {
    throw new CatalogError('VALIDATION', `${def.id} has points_key but type ${def.type}; points metrics use one of ${Object.keys(AGG_FOR_TYPE).join(', ')}`, {metric: def.id})
  }
  if (query.compare || query.variant) {
    throw new CatalogError('BAD_REQUEST', `${def.id} is computed from points (points_key ${def.points_key}); --${query.compare ? 'compare' : 'variant'} is not available for points metrics`, {metric: def.id})
  }
  const allowed = (def.dimensions ?? []).map(dimensionName)
  for (const name of [...(query.by ?? []), ...(query.filters ?? []).map((f) => f.dimension)]) {
    if (!allowed.includes(name)) {
      throw new CatalogError('BAD_REQUEST', `unknown dimension "${name}" for ${def.id}; allowed: ${allowed.length > 0 ? allowed.join(', ') : '(none declared)'}`, {metric: def.id, dimension: name})
    }
  }
  const grain = query.grain ?? def.grain ?? 'month'
  const compiled = compilePointsQuery({
    key: def.points_key!,
    bucket: grain,
    agg,
    from: query.from,
    to: query.to,
    by: query.by,
    filters: query.filters,
    limit: query.limit,
  })
  return {sql: compiled.sql, params: compiled.params, columns: compiled.columns, grain, aliases: compiled.aliases}
}
