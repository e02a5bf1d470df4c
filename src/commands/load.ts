import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import {LOAD_FORMATS, type LoadResult} from '../core/warehouse.js'

export default class Load extends BaseCommand {
  static summary = 'Load a CSV, Parquet, JSON or NDJSON file into a warehouse table (main.TABLE of --db).'
  static description = 'Creates the table, or appends by column name when it exists; --replace recreates it. One transaction: a bad file leaves the table as it was. The format comes from the extension (.csv .tsv .parquet .json .ndjson .jsonl) unless --format is given.'
  static examples = [
    '<%= config.bin %> load orders ./exports/orders.csv',
    '<%= config.bin %> load orders ./exports/orders-2026-11.parquet',
    '<%= config.bin %> load user_events ./events.ndjson --replace',
  ]
  static args = {
    table: Args.string({required: true, description: 'table name in main (letters, digits, _)'}),
    file: Args.string({required: true, description: 'the file to load'}),
  }
  static flags = {
    replace: Flags.boolean({description: 'drop and recreate the table instead of appending'}),
    format: Flags.option({options: LOAD_FORMATS, description: 'file format (default: from the extension)'})(),
  }

  async run(): Promise<LoadResult> {
    const {args, flags} = await this.parse(Load)
    const {loadTable} = await import('../core/warehouse.js')
    const result = await loadTable(await this.localCatalog({readFiles: [args.file]}), args.table, args.file, {replace: flags.replace, format: flags.format})
    if (!this.jsonEnabled()) this.log(`${result.mode === 'appended' ? 'Appended' : result.mode === 'replaced' ? 'Replaced' : 'Created'} ${result.table}: ${result.rows.toLocaleString('en-US')} rows from ${result.file} (${result.format})`)
    return result
  }
}
