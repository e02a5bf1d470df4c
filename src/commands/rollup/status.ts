import * as Args from '@oclif/core/args'

import {BaseCommand} from '../../cli/base-command.js'
import {renderTable} from '../../cli/render.js'
import type {RollupStatus} from '../../core/rollups.js'

export default class RollupStatusCommand extends BaseCommand {
  static readOnly = true
  static summary = 'List declared rollups with their coverage and staleness.'
  static description = `status is fresh (queries that fit it read it), stale (a load or ingest into its source, or an edit of the metric, since the last refresh: queries read the raw table until \`metricat rollup refresh\`), missing (never refreshed) or unsupported (the metric's type cannot be re-aggregated; the reason says why). Coverage is the first and last period and the row count.`
  static examples = ['<%= config.bin %> rollup status', '<%= config.bin %> rollup status revenue/total_revenue --json']
  static strict = false
  static args = {id: Args.string({description: 'metric ids (several allowed); none: every metric with rollups'})}

  async run(): Promise<{rollups: RollupStatus[]}> {
    const {argv} = await this.parse(RollupStatusCommand)
    const catalog = await this.localCatalog()
    const {rollupStatuses} = await import('../../core/rollups.js')
    const metrics = argv.length > 0 ? await Promise.all((argv as string[]).map((id) => catalog.get(id))) : await catalog.list()
    const rollups = await rollupStatuses(catalog, metrics)
    if (!this.jsonEnabled()) {
      if (rollups.length === 0) this.logToStderr('No rollups are declared; add rollups: [{grain: day, by: [...]}] to a metric and import it.')
      else
        this.log(
          renderTable(
            ['rollup', 'status', 'first', 'last', 'rows', 'refreshed', 'why'],
            rollups.map((r) => [r.id, r.status, r.first_period ?? '', r.last_period ?? '', r.rows ?? '', r.refreshed_at ?? '', r.reason ?? '']),
          ),
        )
    }
    return {rollups}
  }
}
