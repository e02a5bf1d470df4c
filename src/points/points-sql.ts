import {clickhouseLiteral} from '../query/dialect.js'

// What the query compiler needs to read metric points (src/query/plan.ts): the table, dimension
// keys as JSON Pointers, and the points of one key on a ClickHouse points store. Pure text.

export const POINTS_TABLE = 'mc.metricat.metric_points'

/** A dimension key as a JSON Pointer (RFC 6901): on DuckDB the compiler binds it, so a request's key never becomes SQL text. */
export function dimensionPointer(key: string): string {
  return `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
}

/** On a ClickHouse points store (`--points`): the text of dimension `key` of a point, NULL when it has none. */
export function clickhouseDimensionSql(key: string): string {
  const k = clickhouseLiteral(key)
  return `if(has(dim_keys, ${k}), dim_values[indexOf(dim_keys, ${k})], NULL)`
}

/**
 * On a ClickHouse points store: the live points of one key as a relation with `date` (DateTime,
 * UTC, whole seconds), `date_us` (the exact microseconds), `value`, `dim_keys`, `dim_values`.
 * Each point's latest version is picked with argMax rather than FINAL, so no condition on a
 * non-key column can run before the versions are merged, whatever the server's PREWHERE
 * settings. `match`: conditions on key columns (entity, source, granularity; values already
 * inlined by clickhouseLiteral), safe before the merge since every version of a point shares them.
 */
export function clickhousePointsSource(table: string, metricKey: string, match: string[] = []): string {
  const key = 'metric_key, data_source_id, entity_kind, entity_id, granularity, date_us, dimensions'
  return `(SELECT toDateTime(intDiv(date_us, 1000000), 'UTC') AS \`date\`, date_us, value, dim_keys, dim_values FROM (
  SELECT date_us, argMax(value, version) AS value, argMax(dim_keys, version) AS dim_keys, argMax(dim_values, version) AS dim_values, argMax(deleted, version) AS deleted
  FROM ${table} WHERE ${[`metric_key = ${clickhouseLiteral(metricKey)}`, ...match].join(' AND ')}
  GROUP BY ${key}
) AS __versions WHERE deleted = 0)`
}
