import * as Args from '@oclif/core/args'

import {BaseCommand} from '../cli/base-command.js'
import {renderTable} from '../cli/render.js'
import type {MetricVersion} from '../catalog/repository.js'

export default class History extends BaseCommand {
  static readOnly = true
  static summary = 'List every version of a metric: when, how and by whom it changed.'
  static examples = ['<%= config.bin %> history revenue/mrr', '<%= config.bin %> history revenue/mrr --json']
  static args = {id: Args.string({required: true, description: 'metric id (a deleted metric keeps its history)'})}

  async run(): Promise<{id: string; versions: MetricVersion[]}> {
    const {args} = await this.parse(History)
    const versions = await (await this.catalog()).history(args.id)
    if (!this.jsonEnabled()) {
      this.log(renderTable(['version', 'change', 'source', 'actor', 'changed at', 'hash'], versions.map((v) => [v.version, v.change, v.source, v.actor, v.changed_at, v.content_hash])))
    }
    return {id: versions[0]?.id ?? args.id, versions}
  }
}
