import * as Args from '@oclif/core/args'

import {BaseCommand} from '../cli/base-command.js'
import {queryFlags, toMetricQuery} from '../cli/query-flags.js'
import type {CompiledQuery} from '../query/types.js'

export default class Sql extends BaseCommand {
  static readOnly = true
  static summary = 'Print the exact SQL and parameters that `metricat query` would run.'
  static description = 'Parameters are listed in order as $1, $2, ...; request values never appear in the SQL text.'
  static examples = [
    '<%= config.bin %> sql revenue/total_revenue --by region --where "channel in web,partner"',
    '<%= config.bin %> sql revenue/mrr --compare previous --json',
    '<%= config.bin %> sql revenue/total_revenue --grain quarter --by region --no-rollup',
  ]
  static args = {id: Args.string({required: true, description: 'metric id, e.g. revenue/mrr'})}
  static flags = {...queryFlags}

  async run(): Promise<CompiledQuery> {
    const {args, flags} = await this.parse(Sql)
    const compiled = await (await this.catalog({warehouse: flags.warehouse})).compileQuery(toMetricQuery(args.id, flags))
    if (!this.jsonEnabled()) {
      this.log(compiled.sql.trimEnd())
      if (compiled.params.length > 0) this.log(`-- params: ${compiled.params.map((p, i) => `$${i + 1} = ${JSON.stringify(p)}`).join(', ')}`)
      if (compiled.rollup) {
        this.log(compiled.rollup.used ? `-- reads rollup ${compiled.rollup.used} (--no-rollup: the raw table)` : '-- reads the raw table')
        for (const c of compiled.rollup.considered) if (!c.used) this.log(`-- rollup ${c.id} not used: ${c.reason}`)
      }
    }
    return compiled
  }
}
