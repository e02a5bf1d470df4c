import * as Args from '@oclif/core/args'

import {BaseCommand} from '../cli/base-command.js'
import {renderTable, truncate} from '../cli/render.js'
import type {SearchHit} from '../catalog/search.js'

export default class Search extends BaseCommand {
  static summary = 'Find metrics by name, synonym, alias or words in their description and notes, best first.'
  static description = 'Ranking: exact name, id, synonym or alias (100), then prefix (80), then substring (60), then share of the words found in display name, description and notes (up to 50). Case-insensitive.'
  static examples = ['<%= config.bin %> search "recurring revenue"', '<%= config.bin %> search churn --json']
  static args = {text: Args.string({required: true, description: 'what to look for'})}

  async run(): Promise<{query: string; results: SearchHit[]}> {
    const {args} = await this.parse(Search)
    const results = await (await this.catalog()).search(args.text)
    if (!this.jsonEnabled()) {
      if (results.length === 0) this.logToStderr(`No metric matches "${args.text}".`)
      else this.log(renderTable(['id', 'display name', 'score', 'matched', 'description'], results.map((r) => [r.id, r.display_name, r.score, r.matched, truncate(r.description, 50)])))
    }
    return {query: args.text, results}
  }
}
