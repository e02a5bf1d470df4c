import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import {renderTable, truncate} from '../cli/render.js'
import type {StoredMetric} from '../catalog/types.js'
import type {ColumnUse} from '../core/columns.js'

export default class Lookup extends BaseCommand {
  static readOnly = true
  static summary = 'Exact lookups: the metric a synonym names, the metrics that read a table, or the metrics that use a column.'
  static description = `--column finds the metrics whose expression, filters, dimensions, time column or SQL read the column, from DuckDB's parse of that SQL (not substring matching); --table narrows it to one table.`
  static examples = [
    '<%= config.bin %> lookup --synonym "recurring revenue"',
    '<%= config.bin %> lookup --table orders --json',
    '<%= config.bin %> lookup --column amount --table orders',
  ]
  static flags = {
    synonym: Flags.string({char: 's', description: 'a synonym (or name, id, alias), case-insensitive', exclusive: ['table', 'column']}),
    table: Flags.string({char: 't', description: 'a table name; `orders` also matches `main.orders`', exclusive: ['synonym']}),
    column: Flags.string({char: 'c', description: 'a column name, case-insensitive; with --table, only that table\'s column', exclusive: ['synonym']}),
  }

  async run(): Promise<{metrics: StoredMetric[]} | {column: string; table: string | null; uses: ColumnUse[]}> {
    const {flags} = await this.parse(Lookup)
    if (flags.synonym === undefined && flags.table === undefined && flags.column === undefined) {
      this.error('pass one of --synonym, --table or --column', {exit: 2})
    }
    const catalog = await this.catalog()
    if (flags.column !== undefined) {
      const uses = await catalog.lookupColumn(flags.column, flags.table)
      if (!this.jsonEnabled()) {
        if (uses.length === 0) this.logToStderr(`No metric uses column ${flags.column}${flags.table ? ` of ${flags.table}` : ''}.`)
        else this.log(renderTable(['metric', 'table', 'column', 'used in'], uses.map((u) => [u.metric, u.table, u.column, u.used_in.join(', ')])))
      }
      return {column: flags.column, table: flags.table ?? null, uses}
    }
    const metrics = flags.synonym === undefined ? await catalog.lookupTable(flags.table!) : await catalog.lookupSynonym(flags.synonym)
    if (!this.jsonEnabled()) {
      if (metrics.length === 0) this.logToStderr('No metric found.')
      else this.log(renderTable(['id', 'display name', 'table', 'description'], metrics.map((m) => [m.id, m.display_name, m.table_name, truncate(m.description, 60)])))
    }
    return {metrics}
  }
}
