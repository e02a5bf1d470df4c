import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import {queryFlags, toMetricQuery} from '../cli/query-flags.js'
import {MAX_CHART_SERIES, renderTerminalChart} from '../cli/terminal-chart.js'
import type {Catalog, ResultSink} from '../core/catalog.js'

export default class Query extends BaseCommand {
  static readOnly = true
  static summary = 'Compute a metric by period, optionally split by dimensions, filtered and compared.'
  static description = 'Periods with no data inside the range are filled (0 for sum/count/count_distinct, empty otherwise). `metricat sql` prints the SQL this runs.'
  static examples = [
    '<%= config.bin %> query revenue/total_revenue --from 2026-01-01 --to 2026-07-01',
    '<%= config.bin %> query revenue/mrr --by region --where "region in EU,NA" --from 2026-01-01',
    '<%= config.bin %> query product_usage/active_users --grain week --where region=EU --limit 8',
    '<%= config.bin %> query revenue/total_revenue --by region --from 2026-09-01 --to 2026-10-01 --order value --desc --limit 5',
    '<%= config.bin %> query revenue/total_revenue --grain quarter --compare year --from 2025-01-01 --to 2026-10-01',
    '<%= config.bin %> query revenue/arr --from 2026-01-01 --format csv',
    '<%= config.bin %> query revenue/total_revenue --range "last 6 months" --by region',
    '<%= config.bin %> query revenue/mrr --variant quarter_end --json',
    '<%= config.bin %> query revenue/total_revenue --by region --from 2025-01-01 --chart',
  ]
  static args = {id: Args.string({required: true, description: 'metric id, e.g. revenue/mrr'})}
  static flags = {
    ...queryFlags,
    format: Flags.option({options: ['table', 'json', 'csv'] as const, default: 'table', description: 'output format (--json is the same as --format json)'})(),
    chart: Flags.boolean({description: `draw the values as a line chart in the terminal instead of a table: one line per --by value (up to ${MAX_CHART_SERIES}), with a legend`}),
  }

  // Prints the result itself, as it streams from DuckDB (JSON and CSV of any size in bounded
  // memory; a table shows the first 1,000 rows), so it returns nothing for oclif to print.
  async run(): Promise<void> {
    const {args, flags} = await this.parse(Query)
    const catalog = await this.catalog({warehouse: flags.warehouse})
    const query = toMetricQuery(args.id, flags)
    if (flags.chart) {
      if (this.jsonEnabled() || flags.format !== 'table') this.error('--chart draws for people; use it without --json and --format', {exit: 2})
      const result = await catalog.queryMetric(query)
      for (const warning of result.warnings ?? []) process.stderr.write(`Warning: ${warning}\n`)
      const {text, notes} = renderTerminalChart(result, process.stdout.columns || 100)
      this.log(text)
      for (const note of notes) this.logToStderr(`Note: ${note}`)
      this.logToStderr(`${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${result.data_through ? `; data through ${result.data_through}` : ''}`)
      return
    }
    const {resultWriter} = await import('../cli/print-result.js')
    const out = resultWriter(this.jsonEnabled() ? 'json' : flags.format, this)
    // warnings (e.g. a range widened to whole periods) go to stderr as well, before the rows
    const writer: ResultSink = {
      start: (head) => {
        // on stderr under --json too (logToStderr is silent then): stdout stays one JSON document
        for (const warning of head.warnings ?? []) process.stderr.write(`Warning: ${warning}\n`)
        return out.start(head)
      },
      rows: (rows) => out.rows(rows),
    }
    if ('streamMetric' in catalog) await (catalog as Catalog).streamMetric(query, writer)
    else {
      const result = await catalog.queryMetric(query)
      await writer.start({...result, rows: []})
      await writer.rows(result.rows)
    }
    await out.end()
  }
}
