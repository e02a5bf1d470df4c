import {BaseCommand} from '../../cli/base-command.js'
import {renderTable} from '../../cli/render.js'
import type {TokenInfo} from '../../core/tokens.js'

export default class TokenList extends BaseCommand {
  static readOnly = true
  static summary = 'List API tokens: name, role, first characters and creation time (never the tokens).'
  static examples = ['<%= config.bin %> token list', '<%= config.bin %> token list --json']

  async run(): Promise<{tokens: TokenInfo[]}> {
    await this.parse(TokenList)
    const tokens = await (await this.tokenApi()).listTokens()
    if (!this.jsonEnabled()) {
      if (tokens.length === 0) this.logToStderr('No tokens yet: `metricat token create NAME --role analyst`.')
      else this.log(renderTable(['name', 'role', 'starts with', 'created at'], tokens.map((t) => [t.name, t.role, `${t.prefix}…`, t.created_at])))
    }
    return {tokens}
  }
}
