import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import type {InitResult} from '../core/init.js'

export default class Init extends BaseCommand {
  static summary = 'Create and migrate the metricat database; --demo adds the starter metrics and a sample warehouse.'
  static description = `Only init creates a database; every other command on a missing file fails. Safe to run again: migrations are applied once, and the starter pack import is idempotent.

--demo never destroys your data: when the file has a table named like a demo table (subscriptions, subscription_changes, orders, user_events, tickets, opportunities, infra_costs) that init --demo did not make or that changed since, or a starter metric edited since, it lists them and changes nothing. --force replaces them.`
  static examples = ['<%= config.bin %> init', '<%= config.bin %> init --demo', '<%= config.bin %> init --db ./analytics.duckdb', '<%= config.bin %> init --demo --force']
  static flags = {
    demo: Flags.boolean({description: 'import the starter metric pack and generate the demo warehouse tables in main'}),
    force: Flags.boolean({description: 'with --demo: replace tables and starter metrics that hold your own data or edits', dependsOn: ['demo']}),
  }

  async run(): Promise<InitResult> {
    const {flags} = await this.parse(Init)
    const catalog = await this.localCatalog({create: true})
    const {initCatalog} = await import('../core/init.js')
    const result = await initCatalog(catalog, {demo: flags.demo, force: flags.force, progress: (m) => this.logToStderr(m)})
    if (!this.jsonEnabled()) {
      this.log(`Database ready: ${result.db} (schema version ${result.schema_version})`)
      if (result.starter) this.log(`Starter pack: ${result.starter.added} added, ${result.starter.changed} changed, ${result.starter.unchanged} unchanged`)
      if (result.warehouse) this.log(`Demo warehouse${result.warehouse_kept ? ' (already there, unchanged; --force regenerates it)' : ''}: ${result.warehouse.map((t) => `${t.table} (${t.rows.toLocaleString('en-US')} rows)`).join(', ')}`)
      this.log(result.starter ? 'Next: metricat list, metricat search revenue, metricat show revenue/mrr' : 'Next: metricat import metrics/')
    }
    return result
  }
}
