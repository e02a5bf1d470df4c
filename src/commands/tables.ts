import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import {warehouseFlag} from '../cli/query-flags.js'
import {renderTable} from '../cli/render.js'
import type {TableMapEntry} from '../core/columns.js'

export default class Tables extends BaseCommand {
  static readOnly = true
  static summary = 'List every table the catalog\'s metrics read, with the metrics that read it.'
  static description = `--columns lists every table of the warehouse instead (the attached --warehouse file and the metricat file's main schema, or the ClickHouse database of a clickhouse:// --warehouse) with its columns, their types and, per column, the metrics that use it: the table map agents ask for.`
  static examples = ['<%= config.bin %> tables', '<%= config.bin %> tables --json', '<%= config.bin %> tables --columns', '<%= config.bin %> tables --columns --warehouse clickhouse://localhost:8123/analytics']
  static flags = {
    warehouse: warehouseFlag(),
    columns: Flags.boolean({description: 'every warehouse table with its columns, types and the metrics that use each column'}),
  }

  async run(): Promise<{tables: {table: string; metrics: string[]}[] | TableMapEntry[]}> {
    const {flags} = await this.parse(Tables)
    const catalog = await this.catalog({warehouse: flags.warehouse})
    if (flags.columns) {
      const map = await catalog.tableMap()
      if (!this.jsonEnabled()) {
        const rows = map.flatMap((t) =>
          t.columns.length === 0
            ? [[t.table, '', '', t.exists ? '' : '(not in the database)']]
            : t.columns.map((c, i) => [i === 0 ? t.table + (t.exists ? '' : ' (not in the database)') : '', c.name, c.type, c.metrics.map((m) => `${m.id} (${m.used_in.join(', ')})`).join('; ')]),
        )
        this.log(renderTable(['table', 'column', 'type', 'metrics'], rows))
      }
      return {tables: map}
    }
    const tables = await catalog.tables()
    // One row per metric rather than one multi-line cell per table: cli-table3 takes minutes
    // to lay out a cell of a few hundred lines.
    if (!this.jsonEnabled()) this.log(renderTable(['table', 'metrics'], tables.flatMap((t) => t.metrics.map((m, i) => [i === 0 ? t.table : '', m]))))
    return {tables}
  }
}
