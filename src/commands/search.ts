import * as Args from '@oclif/core/args'

import {BaseCommand} from '../cli/base-command.js'
import {renderTable, truncate} from '../cli/render.js'
import type {SearchHit} from '../catalog/search.js'

export default class Search extends BaseCommand {
  static readOnly = true
  static summary = 'Find metrics by name, synonym, alias or the words of a question ("how much money did we make"), best first.'
  static description = 'An exact name, id, synonym, alias or display name (ignoring case, _, - and spacing) scores 100 and comes first; the rest are ranked by relevance (BM25 over synonyms, name, display name, category, aliases, description and notes, with stemming and a business vocabulary: money -> revenue, bill -> cost, ...), the best at 90.'
  static examples = ['<%= config.bin %> search "recurring revenue"', '<%= config.bin %> search churn --json']
  static args = {text: Args.string({required: true, description: 'what to look for'})}

  async run(): Promise<{query: string; results: SearchHit[]}> {
    const {args} = await this.parse(Search)
    if (args.text.trim() === '') this.error('nothing to search for: give words, e.g. metricat search "recurring revenue"', {exit: 2})
    const results = await (await this.catalog()).search(args.text)
    if (!this.jsonEnabled()) {
      if (results.length === 0) this.logToStderr(`No metric matches "${args.text}".`)
      else this.log(renderTable(['id', 'display name', 'score', 'matched', 'description'], results.map((r) => [r.id, r.display_name, r.score, r.matched, truncate(r.description, 50)])))
    }
    return {query: args.text, results}
  }
}
