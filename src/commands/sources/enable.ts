import * as Args from '@oclif/core/args'

import {BaseCommand} from '../../cli/base-command.js'
import type {DataSource} from '../../core/points.js'

export default class SourcesEnable extends BaseCommand {
  static summary = 'Re-enable a data source that was disabled after repeated failures (resets its failure count).'
  static examples = ['<%= config.bin %> sources enable steam']
  static args = {id: Args.string({required: true, description: 'data source id (see `metricat sources list`)'})}

  async run(): Promise<{source: DataSource}> {
    const {args} = await this.parse(SourcesEnable)
    const {pointsClient} = await import('../../cli/points-client.js')
    const source = await (await pointsClient(await this.catalog())).enableSource(args.id)
    if (!this.jsonEnabled()) this.log(`Enabled data source ${source.id}${source.next_poll_at ? `; next poll ${source.next_poll_at}` : ''}`)
    return {source}
  }
}
