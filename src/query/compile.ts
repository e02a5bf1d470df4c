import {planMetricQuery} from './plan.js'
import {renderPlan} from './render.js'
import {renderBindCheckClickHouse} from './render-clickhouse.js'
import type {CompileOptions, MetricLookup} from './resolve.js'
import type {CompiledQuery, MetricQuery} from './types.js'

/**
 * Compile a metric request to `{sql, params, columns, grain}`: resolve (names, defaults, coded
 * errors) -> plan (plain data) -> render. Pure: no database access. Throws CatalogError
 * NOT_FOUND (unknown metric or variant), BAD_REQUEST (bad request field) or VALIDATION (a
 * definition that cannot be compiled: bad formula, cycle, missing input or column).
 */
export function compileMetricQuery(query: MetricQuery, lookup: MetricLookup, options?: CompileOptions): CompiledQuery {
  return renderPlan(planMetricQuery(query, lookup, options))
}

/**
 * What `validate` runs (wrapped in LIMIT 0) to bind a metric's definition SQL: the compiled query,
 * or on ClickHouse only its scans with a false WHERE (see renderBindCheckClickHouse).
 */
export function compileBindCheck(query: MetricQuery, lookup: MetricLookup, options?: CompileOptions): CompiledQuery {
  const plan = planMetricQuery(query, lookup, options)
  return plan.kind === 'aggregate' && plan.dialect === 'clickhouse' ? renderBindCheckClickHouse(plan) : renderPlan(plan)
}
