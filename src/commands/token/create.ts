import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {ROLES, type CreatedToken} from '../../core/tokens.js'

export default class TokenCreate extends BaseCommand {
  static summary = 'Create an API token for `metricat serve` and print it once.'
  static description = `Roles: admin (everything), analyst (read the catalog and run queries), service (ingest points only). Only a sha256 of the token is stored: copy it now, it cannot be shown again. Send it as \`Authorization: Bearer <token>\`, or set METRICAT_TOKEN for \`--server\`.`
  static examples = [
    '<%= config.bin %> token create dashboards --role analyst',
    '<%= config.bin %> token create nightly-etl --role service --json',
    'export METRICAT_TOKEN=$(<%= config.bin %> token create me --role admin --json | jq -r .token)',
  ]
  static args = {name: Args.string({required: true, description: 'a name to recognise and revoke the token by (letters, digits, . _ -)'})}
  static flags = {
    role: Flags.option({options: ROLES, required: true, description: 'what the token may do'})(),
  }

  async run(): Promise<CreatedToken> {
    const {args, flags} = await this.parse(TokenCreate)
    const created = await (await this.tokenApi()).createToken(args.name, flags.role)
    if (!this.jsonEnabled()) {
      this.log(created.token)
      this.logToStderr(`Created token ${created.name} (role ${created.role}). It is shown only this once; store it now.`)
    }
    return created
  }
}
