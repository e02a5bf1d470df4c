import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import {renderTable, truncate} from '../cli/render.js'
import type {StoredMetric} from '../catalog/types.js'

export default class List extends BaseCommand {
  static readOnly = true
  static summary = 'List metrics, optionally of one category.'
  static examples = ['<%= config.bin %> list', '<%= config.bin %> list --category revenue', '<%= config.bin %> list --json']
  static flags = {
    category: Flags.string({char: 'c', description: 'only metrics of this category'}),
  }

  async run(): Promise<{metrics: StoredMetric[]}> {
    const {flags} = await this.parse(List)
    const metrics = await (await this.catalog()).list({category: flags.category})
    if (!this.jsonEnabled()) {
      if (metrics.length === 0) this.logToStderr(flags.category ? `No metrics in category ${flags.category}.` : 'No metrics yet: run `metricat import metrics/` or `metricat init --demo`.')
      else this.log(renderTable(['id', 'display name', 'type', 'unit', 'description'], metrics.map((m) => [m.id, m.display_name, m.type, m.unit, truncate(m.description, 60)])))
    }
    return {metrics}
  }
}
