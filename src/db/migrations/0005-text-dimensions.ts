// Dimension values are stored as text from now on (src/points/check-point.ts canonicalDimensions):
// {"a": 1} and {"a": "1"} used to be two keys that a query then counted twice. This rewrites
// every stored point whose dimensions hold a number or boolean to the text form, keeping the
// original key order (already sorted). When that makes two points one key, the one updated last
// wins. Numbers take DuckDB's text for them (1 -> "1", 1.5 -> "1.5").
const pointer = `'/' || replace(replace(k, '~', '~0'), '/', '~1')`
const needsFix = `list_bool_or(list_transform(json_keys(p.dimensions), k -> json_type(p.dimensions, ${pointer}) <> 'VARCHAR'))`
const asText = `'{' || array_to_string(list_transform(json_keys(p.dimensions), k -> to_json(k) || ':' || to_json(json_extract_string(p.dimensions, ${pointer}))), ',') || '}'`

export default {
  version: 5,
  name: 'text-dimensions',
  sql: `
CREATE TEMP TABLE metricat_text_dimensions AS
  SELECT * REPLACE (${asText} AS dimensions) FROM metricat.metric_points AS p WHERE ${needsFix};
DELETE FROM metricat.metric_points AS p WHERE ${needsFix};
INSERT INTO metricat.metric_points
  SELECT * FROM metricat_text_dimensions
  QUALIFY row_number() OVER (PARTITION BY metric_key, data_source_id, entity_kind, entity_id, granularity, "date", dimensions ORDER BY updated_at DESC) = 1
ON CONFLICT (metric_key, data_source_id, entity_kind, entity_id, granularity, "date", dimensions) DO UPDATE
  SET value = excluded.value, connector_key = excluded.connector_key, source_kind = excluded.source_kind, updated_at = excluded.updated_at
  WHERE excluded.updated_at > metric_points.updated_at;
DROP TABLE metricat_text_dimensions;
`,
}
