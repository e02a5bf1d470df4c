// Baseline for `metricat ingest`: the least a script can do to upsert an NDJSON file of points
// into metricat's table with DuckDB: split lines, JSON.parse, append every field with the row
// appender into a TEMP table, one INSERT ... ON CONFLICT DO UPDATE. No validation, no canonical
// dimensions, no dedup, no counts, no job row.
// Usage: node bench/bare-points.js DB FILE
import {createReadStream} from 'node:fs'
import {DuckDBInstance} from '@duckdb/node-api'

const [db, file] = process.argv.slice(2)
const t0 = performance.now()
const instance = await DuckDBInstance.create(db)
const connection = await instance.connect()
await connection.run(`CREATE TEMP TABLE staging (
  metric_key VARCHAR, data_source_id VARCHAR, entity_kind VARCHAR, entity_id VARCHAR, granularity VARCHAR,
  "date" TIMESTAMP, dimensions VARCHAR, value DOUBLE, connector_key VARCHAR, source_kind VARCHAR)`)
const appender = await connection.createAppender('staging', 'main', 'temp')
const text = (a, v) => (v === undefined || v === null ? a.appendNull() : a.appendVarchar(v))
let rest = ''
for await (const chunk of createReadStream(file, {encoding: 'utf8', highWaterMark: 1024 * 1024})) {
  const s = rest + chunk
  let start = 0
  let nl = s.indexOf('\n')
  while (nl !== -1) {
    const p = JSON.parse(s.slice(start, nl))
    appender.appendVarchar(p.metricKey)
    appender.appendVarchar(p.dataSourceId ?? '')
    appender.appendVarchar(p.entityKind ?? '')
    appender.appendVarchar(p.entityId ?? '')
    appender.appendVarchar(p.granularity ?? '')
    appender.appendVarchar(p.date)
    appender.appendVarchar(p.dimensions ? JSON.stringify(p.dimensions) : '{}')
    appender.appendDouble(p.value)
    text(appender, p.connectorKey)
    text(appender, p.sourceKind)
    appender.endRow()
    start = nl + 1
    nl = s.indexOf('\n', start)
  }
  rest = s.slice(start)
}
appender.closeSync()
const t1 = performance.now()
const cols = 'metric_key, data_source_id, entity_kind, entity_id, granularity, "date", dimensions, value, connector_key, source_kind'
const result = await connection.run(
  `INSERT INTO metricat.metric_points (${cols}, created_at, updated_at)
   SELECT ${cols}, now()::TIMESTAMP, now()::TIMESTAMP FROM temp.main.staging
   ON CONFLICT (metric_key, data_source_id, entity_kind, entity_id, granularity, "date", dimensions)
   DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
)
const t2 = performance.now()
process.stdout.write(`${JSON.stringify({changed: Number(result.rowsChanged), readMs: Math.round(t1 - t0), upsertMs: Math.round(t2 - t1)})}\n`)
connection.closeSync()
instance.closeSync()
