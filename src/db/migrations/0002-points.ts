// Metric points (README "Metric points"). Absent key parts are stored as '' (and absent dimensions as '{}'),
// never NULL: a NULL in a PRIMARY KEY column is refused, and ON CONFLICT could not match it anyway.
// `dimensions` holds canonical JSON (keys sorted, no whitespace) so that {"a":1,"b":2} and
// {"b":2,"a":1} are one key. `date` is UTC.
export default {
  version: 2,
  name: 'points',
  sql: `
CREATE TABLE metricat.data_sources (
  id VARCHAR PRIMARY KEY,
  name VARCHAR NOT NULL,
  connector_key VARCHAR,
  source_kind VARCHAR,
  entity_kind VARCHAR,
  entity_id VARCHAR,
  command VARCHAR,
  schedule VARCHAR,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  last_run_at TIMESTAMP,
  last_status VARCHAR CHECK (last_status IN ('succeeded', 'failed')),
  last_error VARCHAR,
  failure_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE metricat.metric_points (
  metric_key VARCHAR NOT NULL,
  data_source_id VARCHAR NOT NULL DEFAULT '',
  entity_kind VARCHAR NOT NULL DEFAULT '',
  entity_id VARCHAR NOT NULL DEFAULT '',
  granularity VARCHAR NOT NULL DEFAULT '',
  "date" TIMESTAMP NOT NULL,
  dimensions VARCHAR NOT NULL DEFAULT '{}',
  value DOUBLE NOT NULL,
  connector_key VARCHAR,
  source_kind VARCHAR,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  PRIMARY KEY (metric_key, data_source_id, entity_kind, entity_id, granularity, "date", dimensions)
);
CREATE TABLE metricat.jobs (
  id VARCHAR PRIMARY KEY,
  kind VARCHAR NOT NULL CHECK (kind IN ('ingest', 'run')),
  source VARCHAR,
  data_source_id VARCHAR,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  status VARCHAR NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  points_read BIGINT NOT NULL DEFAULT 0,
  rows_inserted BIGINT NOT NULL DEFAULT 0,
  rows_updated BIGINT NOT NULL DEFAULT 0,
  rows_unchanged BIGINT NOT NULL DEFAULT 0,
  exit_code INTEGER,
  error VARCHAR
);
`,
}
