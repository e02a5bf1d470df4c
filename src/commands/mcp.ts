import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import type {Catalog} from '../core/catalog.js'

export default class Mcp extends BaseCommand {
  static summary = 'Serve the catalog to AI agents over the Model Context Protocol (stdio).'
  static description = `Speaks MCP on stdin/stdout (logs go to stderr) until the client closes stdin. Tools: search_metrics, list_metrics, get_metric, get_dimensions, get_dimension_values, query_metrics, get_metrics_compiled_sql, lookup_table, get_table_map, query_points, list_data_sources; each metric is also a resource metricat://metrics/<id>.

Register it with an agent, e.g. Claude Code: claude mcp add metricat -- npx metricat mcp --db /path/to/metricat.duckdb
A running \`metricat serve\` offers the same tools over HTTP at /mcp.`
  static examples = [
    '<%= config.bin %> mcp --db metricat.duckdb',
    'claude mcp add metricat -- npx metricat mcp --db "$PWD/metricat.duckdb"',
  ]
  static enableJsonFlag = false
  static flags = {
    warehouse: Flags.string({description: 'DuckDB file attached read-only as the warehouse (default: $METRICAT_WAREHOUSE)'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Mcp)
    // `initialize` is answered before DuckDB loads (agent clients time out slow servers); the file
    // opens right after, once: a failed open (say, locked) is the error of the calls that need it,
    // written to stderr too, and the next call tries again.
    let opening: Promise<Catalog> | undefined
    const catalog = () =>
      (opening ??= this.localCatalog({warehouse: flags.warehouse}).catch((error: unknown) => {
        opening = undefined
        process.stderr.write(`metricat mcp: ${error instanceof Error ? error.message : String(error)}\n`)
        throw error
      }))
    const {serveStdio} = await import('../mcp/stdio.js')
    await serveStdio(catalog)
  }
}
