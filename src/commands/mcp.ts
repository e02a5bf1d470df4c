
import {BaseCommand} from '../cli/base-command.js'
import {warehouseFlag} from '../cli/query-flags.js'

export default class Mcp extends BaseCommand {
  static summary = 'Serve the catalog to AI agents over the Model Context Protocol (stdio).'
  static description = `Speaks MCP on stdin/stdout (logs go to stderr) until the client closes stdin. Tools: search_metrics, list_metrics, get_metric, get_dimensions, get_dimension_values, query_metrics, get_metrics_compiled_sql, lookup_table, get_table_map, query_points, list_data_sources; each metric is also a resource metricat://metrics/<id>. The database opens read-only: other commands can read it meanwhile.

Register it with an agent, e.g. Claude Code: claude mcp add metricat -- npx metricat mcp --db /path/to/metricat.duckdb
A running \`metricat serve\` offers the same tools over HTTP at /mcp.`
  static examples = [
    '<%= config.bin %> mcp --db metricat.duckdb',
    'claude mcp add metricat -- npx metricat mcp --db "$PWD/metricat.duckdb"',
  ]
  static enableJsonFlag = false
  static readOnly = true
  static flags = {
    warehouse: warehouseFlag(),
  }

  // bin/run.js runs plain `metricat mcp --db F` without oclif (see ../mcp/run.ts); this is the way
  // for everything else (--help, --server, usage errors), and both end in `runMcp`.
  async run(): Promise<void> {
    const {flags} = await this.parse(Mcp)
    const {runMcp} = await import('../mcp/run.js')
    await runMcp(flags)
  }
}
