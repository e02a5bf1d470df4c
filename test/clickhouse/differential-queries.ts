// The requests of the differential suite (differential-suite.ts), in one place: the suite runs
// them on DuckDB and ClickHouse, bench/clickhouse-compare-reads.js counts the rows they read.
import type {Catalog} from '../../src/core/catalog.js'
import {metricKind} from '../../src/query/index.js'
import type {MetricQuery} from '../../src/query/types.js'

/**
 * One request per metric (not SQL metrics) and grain, each grain with other options, so that
 * together they cover every grain, --by (one and two dimensions), filters (=, not_in, contains),
 * both compare modes, from/to, a limit of whole periods and a top-N by value.
 */
export async function differentialQueries(catalog: Catalog): Promise<MetricQuery[]> {
  const queries: MetricQuery[] = []
  for (const m of (await catalog.list()).filter((m) => metricKind(m) !== 'sql')) {
    const dims = (m.dimensions ?? []).map((d) => (typeof d === 'string' ? d : d.name))
    const values = dims.length > 0 ? (await catalog.dimensionValues(m.id, dims[0]!, {limit: 3})).values.map((v) => v.value).filter((v): v is string => typeof v === 'string') : []
    const by = (n: number): Partial<MetricQuery> => (dims.length > 0 ? {by: dims.slice(0, n)} : {})
    const filtered = (f: NonNullable<MetricQuery['filters']>): Partial<MetricQuery> => (values.length > 1 ? {filters: f} : {})
    queries.push({metric: m.id, grain: 'day'})
    queries.push({metric: m.id, grain: 'week', ...by(2), ...filtered([{dimension: dims[0]!, op: '=', value: values[0]!}])})
    queries.push({metric: m.id, grain: 'month', compare: 'previous', from: '2024-03-10', to: '2025-06-01', ...by(1), ...filtered([{dimension: dims[0]!, op: 'not_in', value: [values[0]!]}, {dimension: dims[0]!, op: 'contains', value: values[1]?.slice(0, 2) ?? ''}])})
    queries.push({metric: m.id, grain: 'quarter', compare: 'year', limit: 4, ...by(1)})
    queries.push({metric: m.id, grain: 'year', order: 'value', desc: true, limit: 3, ...by(1)})
  }
  return queries
}
