// What changed, and when, in the data metrics read (result cache, rollup refresh): a version per
// scope (`definitions`, `table:<name>`, `points:<metricKey>`, `rollups`), bumped in the same
// transaction as each write through metricat, and a log of the changes with the time range of
// the rows written where it is known (an append or an ingest), so a rollup refreshes only the
// periods that changed. Versions come from one counter across scopes: the highest version of a
// set of scopes is a cache key part for everything read from them.
export default {
  version: 9,
  name: 'data-versions',
  sql: `
CREATE TABLE metricat.data_versions (
  scope VARCHAR PRIMARY KEY,
  version BIGINT NOT NULL,
  changed_at TIMESTAMP NOT NULL
);
CREATE TABLE metricat.data_changes (
  version BIGINT NOT NULL,
  scope VARCHAR NOT NULL,
  kind VARCHAR NOT NULL CHECK (kind IN ('append', 'replace', 'points', 'definitions', 'rollup')),
  column_name VARCHAR,
  lo TIMESTAMP,
  hi TIMESTAMP,
  changed_at TIMESTAMP NOT NULL
);
`,
}
