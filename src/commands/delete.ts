import * as Args from '@oclif/core/args'

import {BaseCommand} from '../cli/base-command.js'

export default class Delete extends BaseCommand {
  static summary = 'Delete a metric from the catalog (its history is kept).'
  static description = 'The YAML file is not touched: delete it too, or the next `import` brings the metric back.'
  static examples = ['<%= config.bin %> delete revenue/old_metric']
  static args = {id: Args.string({required: true, description: 'metric id'})}

  async run(): Promise<{id: string; deleted: true}> {
    const {args} = await this.parse(Delete)
    const result = await (await this.catalog()).delete(args.id, {source: 'cli'})
    if (!this.jsonEnabled()) this.log(`Deleted ${result.id}`)
    return result
  }
}
