import * as Args from '@oclif/core/args'

import {BaseCommand} from '../../cli/base-command.js'

export default class TokenRevoke extends BaseCommand {
  static summary = 'Revoke an API token: requests that send it get 401 from then on.'
  static examples = ['<%= config.bin %> token revoke dashboards']
  static args = {name: Args.string({required: true, description: 'the token name (see `metricat token list`)'})}

  async run(): Promise<{name: string; revoked: true}> {
    const {args} = await this.parse(TokenRevoke)
    const result = await (await this.tokenApi()).revokeToken(args.name)
    if (!this.jsonEnabled()) this.log(`Revoked token ${result.name}`)
    return result
  }
}
