// Rollups (README "Rollups"): the `rollups` field of a definition (JSON), the schema that holds
// the rollup tables, and one state row per rollup: what it was built from (the definition's
// content hash, the data version of its sources) and what it covers.
export default {
  version: 10,
  name: 'rollups',
  sql: `
ALTER TABLE metricat.metric_definitions ADD COLUMN rollups VARCHAR;
CREATE SCHEMA IF NOT EXISTS metricat_rollups;
CREATE TABLE metricat.rollups (
  id VARCHAR PRIMARY KEY,
  metric_id VARCHAR NOT NULL,
  grain VARCHAR NOT NULL,
  dimensions VARCHAR NOT NULL,
  table_name VARCHAR NOT NULL,
  content_hash VARCHAR NOT NULL,
  source_version BIGINT NOT NULL,
  source_rows BIGINT,
  refreshed_at TIMESTAMP NOT NULL,
  row_count BIGINT NOT NULL,
  first_period DATE,
  last_period DATE,
  last_refresh VARCHAR,
  refresh_ms BIGINT
);
`,
}
