import {BaseCommand} from '../cli/base-command.js'
import {renderTable} from '../cli/render.js'

export default class Tables extends BaseCommand {
  static summary = 'List every table the catalog\'s metrics read, with the metrics that read it.'
  static examples = ['<%= config.bin %> tables', '<%= config.bin %> tables --json']

  async run(): Promise<{tables: {table: string; metrics: string[]}[]}> {
    await this.parse(Tables)
    const tables = await (await this.catalog()).tables()
    // One row per metric rather than one multi-line cell per table: cli-table3 takes minutes
    // to lay out a cell of a few hundred lines.
    if (!this.jsonEnabled()) this.log(renderTable(['table', 'metrics'], tables.flatMap((t) => t.metrics.map((m, i) => [i === 0 ? t.table : '', m]))))
    return {tables}
  }
}
