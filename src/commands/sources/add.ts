import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import type {DataSource, DataSourceInput} from '../../core/points.js'

export default class SourcesAdd extends BaseCommand {
  static summary = 'Register a data source: where points come from, and the command that fetches them.'
  static description = 'The command is stored as a shell command line; `metricat run --data-source-id ID` with no command runs it, filling entity kind/id, connector key and source kind from the source. The schedule is free text for your scheduler (e.g. a cron line); metricat does not run it by itself.'
  static examples = [
    '<%= config.bin %> sources add steam --name "Steam players" --connector-key steam-api --source-kind api --entity-kind game --entity-id 730 --command "python3 scripts/steam.py" --schedule "0 * * * *"',
    '<%= config.bin %> sources add steam --update --schedule "*/15 * * * *"',
  ]
  static args = {id: Args.string({required: true, description: 'data source id, e.g. steam'})}
  static flags = {
    name: Flags.string({description: 'display name (default: the id)'}),
    'connector-key': Flags.string({description: 'the connector (script) key'}),
    'source-kind': Flags.string({description: 'e.g. api, scrape, manual'}),
    'entity-kind': Flags.string({description: 'what its points are about, e.g. game'}),
    'entity-id': Flags.string({description: 'which one, e.g. 730'}),
    command: Flags.string({description: 'shell command line that prints the points'}),
    schedule: Flags.string({description: 'when it should run, as text (e.g. a cron line)'}),
    update: Flags.boolean({description: 'change the given fields of an existing source instead of failing'}),
  }

  async run(): Promise<{source: DataSource; created: boolean}> {
    const {args, flags} = await this.parse(SourcesAdd)
    const input: DataSourceInput = {id: args.id}
    if (flags.name !== undefined) input.name = flags.name
    if (flags['connector-key'] !== undefined) input.connector_key = flags['connector-key']
    if (flags['source-kind'] !== undefined) input.source_kind = flags['source-kind']
    if (flags['entity-kind'] !== undefined) input.entity_kind = flags['entity-kind']
    if (flags['entity-id'] !== undefined) input.entity_id = flags['entity-id']
    if (flags.command !== undefined) input.command = flags.command
    if (flags.schedule !== undefined) input.schedule = flags.schedule
    const {pointsClient} = await import('../../cli/points-client.js')
    const result = await (await pointsClient(await this.catalog({create: true}))).addSource(input, {update: flags.update})
    if (!this.jsonEnabled()) this.log(`${result.created ? 'Added' : 'Updated'} data source ${result.source.id}`)
    return result
  }
}
