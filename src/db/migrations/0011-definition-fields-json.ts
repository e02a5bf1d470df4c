// A definition's fields (every field but `id`) as one JSON column, `fields`, beside the id and the
// bookkeeping, instead of one column per field (35 columns). DuckDB's checkpoint, which every
// writing process pays when it closes the file, rewrites each column of each table the write
// changed, ~2 ms of CPU per column (docs/performance.md, "The catalog lifecycle"); a new field
// now needs no migration either. Every stored row is rewritten here: the text fields as JSON
// strings, the fields stored as JSON text (lists, mappings) as their text, unchanged, and
// `percentile` as a JSON number; absent (NULL) fields are left out, and the keys come in the
// order the writer uses (src/catalog/hash.ts DEFINITION_FIELDS), frozen here: this text is
// checksummed and must never change. Content hashes, versions and timestamps are kept as they are.
const TEXT = (c: string) => `'"${c}":' || to_json(${c})`
const RAW = (c: string) => `'"${c}":' || ${c}::VARCHAR`
const PARTS = [
  TEXT('name'), TEXT('category'), TEXT('display_name'), TEXT('description'), TEXT('type'), TEXT('unit'), TEXT('grain'),
  TEXT('time_aggregation'), TEXT('table_name'), RAW('tables'), TEXT('expression'), TEXT('time_column'), RAW('dimensions'),
  RAW('filters'), RAW('synonyms'), TEXT('notes'), TEXT('sql'), RAW('sql_variants'), RAW('validation'), TEXT('numerator'),
  TEXT('denominator'), TEXT('formula'), TEXT('percentile'), TEXT('points_key'), TEXT('owner'), RAW('aliases'), RAW('chart'),
  RAW('rollups'),
]

export default {
  version: 11,
  name: 'definition-fields-json',
  sql: `
CREATE TABLE metricat.metric_definitions_v11 (
  id VARCHAR PRIMARY KEY,
  fields JSON NOT NULL,
  source VARCHAR,
  source_file VARCHAR,
  version INTEGER NOT NULL,
  content_hash VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
INSERT INTO metricat.metric_definitions_v11
  SELECT id, ('{' || concat_ws(',', ${PARTS.join(', ')}) || '}')::JSON, source, source_file, version, content_hash, created_at, updated_at
  FROM metricat.metric_definitions;
DROP TABLE metricat.metric_definitions;
ALTER TABLE metricat.metric_definitions_v11 RENAME TO metric_definitions;
`,
}
