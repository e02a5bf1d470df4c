import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {renderTable} from '../../cli/render.js'
import type {RollupRefresh} from '../../core/rollups.js'

export default class RollupRefreshCommand extends BaseCommand {
  static summary = 'Build or update rollups: only the periods whose source rows changed, or all with --full.'
  static description = `Rollups are declared in metric YAML (rollups: [{grain: day, by: [region]}]) and stored as tables in the schema metricat_rollups. With no ID every rollup is refreshed; an ID is a rollup id (revenue/total_revenue@day:region) or a metric id (all of its rollups). A rollup is rebuilt in full the first time, after its definition changed or a source table was replaced (load --replace); otherwise only the periods that loads and ingests since the last refresh touched. --from/--to rebuild those periods as well (a backfill). Each rollup is one transaction and one job (metricat jobs --kind rollup).`
  static examples = [
    '<%= config.bin %> rollup refresh',
    '<%= config.bin %> rollup refresh revenue/total_revenue',
    '<%= config.bin %> rollup refresh revenue/total_revenue@day:region,channel --from 2026-01-01 --to 2026-02-01',
    '<%= config.bin %> rollup refresh --full --json',
  ]
  static strict = false
  static args = {id: Args.string({description: 'rollup or metric ids (several allowed); none: every rollup'})}
  static flags = {
    from: Flags.string({description: 'also rebuild the periods from this date (inclusive)', dependsOn: ['to']}),
    to: Flags.string({description: 'also rebuild the periods up to this date (exclusive)', dependsOn: ['from']}),
    full: Flags.boolean({description: 'rebuild every period'}),
  }

  async run(): Promise<{refreshed: RollupRefresh[]}> {
    const {argv, flags} = await this.parse(RollupRefreshCommand)
    const {refreshRollups} = await import('../../core/rollups.js')
    const refreshed = await refreshRollups(await this.localCatalog(), argv as string[], {from: flags.from, to: flags.to, full: flags.full})
    if (!this.jsonEnabled()) {
      if (refreshed.length === 0) this.logToStderr('No rollups are declared; add rollups: [{grain: day, by: [...]}] to a metric and import it.')
      else
        this.log(
          renderTable(
            ['rollup', 'mode', 'periods', 'rows written', 'rows', 'ms', 'why'],
            refreshed.map((r) => [r.id, r.mode, r.mode === 'full' ? 'all' : r.periods.map((p) => `${p.from}..${p.to}`).join(' ') || '-', r.rows_written, r.rows, r.ms, r.reason]),
          ),
        )
    }
    return {refreshed}
  }
}
