// Scheduled data sources and the job log (issue 13): a source's schedule (poll frequency or cron),
// when it runs next, its last success, status (active, failing, disabled) and limits; snapshot
// mode; a lease row per running source so two schedulers never run it twice. The jobs table is
// rebuilt (DuckDB cannot drop a CHECK constraint) with more kinds and statuses, the stderr tail
// of a program, and a finished successful job is now `completed` (it was `succeeded`).
export default {
  version: 7,
  name: 'scheduled-sources',
  sql: `
ALTER TABLE metricat.data_sources ADD COLUMN poll_frequency VARCHAR;
ALTER TABLE metricat.data_sources ADD COLUMN cron VARCHAR;
ALTER TABLE metricat.data_sources ADD COLUMN next_poll_at TIMESTAMP;
ALTER TABLE metricat.data_sources ADD COLUMN last_success_at TIMESTAMP;
ALTER TABLE metricat.data_sources ADD COLUMN status VARCHAR DEFAULT 'active';
ALTER TABLE metricat.data_sources ADD COLUMN disabled_reason VARCHAR;
ALTER TABLE metricat.data_sources ADD COLUMN max_failures INTEGER DEFAULT 5;
ALTER TABLE metricat.data_sources ADD COLUMN timeout_seconds INTEGER;
ALTER TABLE metricat.data_sources ADD COLUMN retries INTEGER DEFAULT 0;
ALTER TABLE metricat.data_sources ADD COLUMN mode VARCHAR DEFAULT 'series';
UPDATE metricat.data_sources SET last_success_at = last_run_at WHERE last_status = 'succeeded';
UPDATE metricat.data_sources SET status = 'failing' WHERE failure_count > 0;
CREATE TABLE metricat.source_leases (
  data_source_id VARCHAR PRIMARY KEY,
  holder VARCHAR NOT NULL,
  job_id VARCHAR,
  acquired_at TIMESTAMP NOT NULL,
  expires_at TIMESTAMP NOT NULL
);
CREATE TABLE metricat.jobs_v6 (
  id VARCHAR PRIMARY KEY,
  kind VARCHAR NOT NULL CHECK (kind IN ('ingest', 'run', 'import', 'load', 'rollup')),
  source VARCHAR,
  data_source_id VARCHAR,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  status VARCHAR NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'partial', 'interrupted')),
  points_read BIGINT NOT NULL DEFAULT 0,
  rows_inserted BIGINT NOT NULL DEFAULT 0,
  rows_updated BIGINT NOT NULL DEFAULT 0,
  rows_unchanged BIGINT NOT NULL DEFAULT 0,
  rows_deleted BIGINT NOT NULL DEFAULT 0,
  exit_code INTEGER,
  error VARCHAR,
  stderr_tail VARCHAR,
  attempts INTEGER NOT NULL DEFAULT 1
);
INSERT INTO metricat.jobs_v6 (id, kind, source, data_source_id, started_at, finished_at, status, points_read, rows_inserted, rows_updated, rows_unchanged, exit_code, error)
  SELECT id, kind, source, data_source_id, started_at, finished_at, CASE status WHEN 'succeeded' THEN 'completed' ELSE status END,
    points_read, rows_inserted, rows_updated, rows_unchanged, exit_code, error
  FROM metricat.jobs;
DROP TABLE metricat.jobs;
ALTER TABLE metricat.jobs_v6 RENAME TO jobs;
`,
}
