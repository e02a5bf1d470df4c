import * as Args from '@oclif/core/args'

import {BaseCommand} from '../../cli/base-command.js'
import {sourceFlags, toSourceInput} from '../../cli/source-flags.js'
import type {DataSource} from '../../core/points.js'

export default class SourcesSet extends BaseCommand {
  static summary = 'Change fields of an existing data source: command, schedule, mode, limits.'
  static description = 'Only the flags given change; a new --poll replaces a --cron and the other way round, and moves the next poll. Its run history (last run, failures, status) stays; `sources enable` re-enables a disabled source.'
  static examples = ['<%= config.bin %> sources set steam --poll frequent', '<%= config.bin %> sources set prices --cron "30 5 * * *" --max-failures 3']
  static args = {id: Args.string({required: true, description: 'data source id (see `metricat sources list`)'})}
  static flags = {...sourceFlags}

  async run(): Promise<{source: DataSource; created: boolean}> {
    const {args, flags} = await this.parse(SourcesSet)
    const {pointsClient} = await import('../../cli/points-client.js')
    const result = await (await pointsClient(await this.catalog())).addSource(toSourceInput(args.id, flags), {update: true, mustExist: true})
    if (!this.jsonEnabled()) this.log(`Updated data source ${result.source.id}${result.source.next_poll_at ? `; next poll ${result.source.next_poll_at}` : ''}`)
    return result
  }
}
