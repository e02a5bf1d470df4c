/** `chart`: how the web page draws a metric ({type: line|bar|area, stacked}), as JSON. */
export default {
  version: 8,
  name: 'chart',
  sql: `
ALTER TABLE metricat.metric_definitions ADD COLUMN chart VARCHAR;
`,
}
