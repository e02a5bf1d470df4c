import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import {renderTable, truncate} from '../cli/render.js'
import type {StoredMetric} from '../catalog/types.js'

export default class Lookup extends BaseCommand {
  static summary = 'Exact lookups: the metric a synonym names, or the metrics that read a table.'
  static examples = ['<%= config.bin %> lookup --synonym "recurring revenue"', '<%= config.bin %> lookup --table orders --json']
  static flags = {
    synonym: Flags.string({char: 's', description: 'a synonym (or name, id, alias), case-insensitive', exactlyOne: ['synonym', 'table']}),
    table: Flags.string({char: 't', description: 'a table name; `orders` also matches `main.orders`', exactlyOne: ['synonym', 'table']}),
  }

  async run(): Promise<{metrics: StoredMetric[]}> {
    const {flags} = await this.parse(Lookup)
    const catalog = await this.catalog()
    const metrics = flags.synonym === undefined ? await catalog.lookupTable(flags.table!) : await catalog.lookupSynonym(flags.synonym)
    if (!this.jsonEnabled()) {
      if (metrics.length === 0) this.logToStderr('No metric found.')
      else this.log(renderTable(['id', 'display name', 'table', 'description'], metrics.map((m) => [m.id, m.display_name, m.table_name, truncate(m.description, 60)])))
    }
    return {metrics}
  }
}
