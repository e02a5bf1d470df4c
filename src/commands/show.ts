import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'

export default class Show extends BaseCommand {
  static readOnly = true
  static summary = 'Show a metric definition: what it means, how it is computed, its SQL.'
  static description = 'ID may be a current id or a former id listed in a metric\'s aliases.'
  static examples = ['<%= config.bin %> show revenue/mrr', '<%= config.bin %> show revenue/mrr --version 1', '<%= config.bin %> show revenue/mrr --json']
  static args = {id: Args.string({required: true, description: 'metric id, e.g. revenue/mrr'})}
  static flags = {
    version: Flags.integer({char: 'v', min: 1, description: 'show the definition as of this version (see `history`)'}),
  }

  async run(): Promise<Record<string, unknown>> {
    const {args, flags} = await this.parse(Show)
    const metric = (await (await this.catalog()).show(args.id, flags.version)) as unknown as Record<string, unknown>
    if (!this.jsonEnabled()) {
      const {printDefinition} = await import('../cli/print-definition.js')
      this.log(printDefinition(metric))
    }
    return metric
  }
}
