import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {pointsStoreFlag} from '../../cli/points-flags.js'

export default class SourcesRemove extends BaseCommand {
  static summary = 'Remove a data source; its points stay unless --delete-points.'
  static examples = ['<%= config.bin %> sources remove steam', '<%= config.bin %> sources remove steam --delete-points']
  static args = {id: Args.string({required: true, description: 'data source id (see `metricat sources list`)'})}
  static flags = {
    ...pointsStoreFlag,
    'delete-points': Flags.boolean({description: "also delete every point with this dataSourceId (in the same transaction)"}),
  }

  async run(): Promise<{id: string; removed: true; pointsDeleted: number}> {
    const {args, flags} = await this.parse(SourcesRemove)
    const {pointsClient} = await import('../../cli/points-client.js')
    const result = await (await pointsClient(await this.catalog({points: flags.points}))).removeSource(args.id, {deletePoints: flags['delete-points']})
    if (!this.jsonEnabled()) {
      this.log(`Removed data source ${result.id}${flags['delete-points'] ? ` and its ${result.pointsDeleted.toLocaleString('en-US')} points` : ''}`)
    }
    return result
  }
}
