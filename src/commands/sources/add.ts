import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {sourceFlags, toSourceInput} from '../../cli/source-flags.js'
import type {DataSource} from '../../core/points.js'

export default class SourcesAdd extends BaseCommand {
  static summary = 'Register a data source: where points come from, the command that fetches them and its schedule.'
  static description = 'The command is stored as a shell command line; `metricat run --data-source-id ID` with no command runs it, filling entity kind/id, connector key and source kind from the source, and `metricat scheduler` runs it on its schedule (--poll, default daily, or --cron in UTC). `sources set ID ...` changes fields of an existing source.'
  static examples = [
    '<%= config.bin %> sources add steam --name "Steam players" --connector-key steam-api --source-kind api --entity-kind game --entity-id 730 --command "python3 scripts/steam.py" --poll hourly',
    '<%= config.bin %> sources add prices --command "node prices.js" --cron "0 6 * * 1-5" --mode snapshot --retries 2 --timeout 300',
  ]
  static args = {id: Args.string({required: true, description: 'data source id, e.g. steam'})}
  static flags = {
    ...sourceFlags,
    update: Flags.boolean({description: 'change the given fields of an existing source instead of failing (same as `sources set`)'}),
  }

  async run(): Promise<{source: DataSource; created: boolean}> {
    const {args, flags} = await this.parse(SourcesAdd)
    const {pointsClient} = await import('../../cli/points-client.js')
    const result = await (await pointsClient(await this.catalog())).addSource(toSourceInput(args.id, flags), {update: flags.update})
    if (!this.jsonEnabled()) this.log(`${result.created ? 'Added' : 'Updated'} data source ${result.source.id}${result.source.next_poll_at ? `; next poll ${result.source.next_poll_at}` : ''}`)
    return result
  }
}
