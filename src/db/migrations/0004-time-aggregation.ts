/** `time_aggregation`: how a snapshot metric rolls up over time (sum, last, first, avg, min, max). */
export default {
  version: 4,
  name: 'time-aggregation',
  sql: `
ALTER TABLE metricat.metric_definitions ADD COLUMN time_aggregation VARCHAR;
`,
}
