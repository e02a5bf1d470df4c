import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import {warehouseFlag} from '../cli/query-flags.js'
import {renderTable} from '../cli/render.js'
import type {DimensionValues} from '../core/catalog.js'

export default class Values extends BaseCommand {
  static readOnly = true
  static summary = 'List the values a dimension of a metric takes, with how many rows carry each.'
  static description = 'Values come from the metric\'s table(s) within its definition filters, most rows first. Use them to write --where filters that match: a --where value no row has is reported as a warning by `query`.'
  static examples = [
    '<%= config.bin %> values revenue/total_revenue region',
    '<%= config.bin %> values revenue/total_revenue channel --search web --json',
  ]
  static args = {
    id: Args.string({required: true, description: 'metric id, e.g. revenue/total_revenue'}),
    dimension: Args.string({required: true, description: 'a dimension the metric declares'}),
  }
  static flags = {
    warehouse: warehouseFlag(),
    search: Flags.string({char: 's', description: 'keep values containing this text (case-insensitive)'}),
    limit: Flags.integer({min: 1, max: 99_999, default: 100, description: 'at most this many values'}),
  }

  async run(): Promise<DimensionValues> {
    const {args, flags} = await this.parse(Values)
    const catalog = await this.catalog({warehouse: flags.warehouse})
    const result = await catalog.dimensionValues(args.id, args.dimension, {search: flags.search, limit: flags.limit})
    if (!this.jsonEnabled()) {
      if (result.values.length === 0) this.logToStderr(`No value of ${result.dimension}${flags.search ? ` contains ${JSON.stringify(flags.search)}` : ''}.`)
      else this.log(renderTable([result.dimension, 'rows'], result.values.map((v) => [v.value === null ? '(null)' : String(v.value), String(v.rows)])))
      if (result.truncated) this.logToStderr(`More values exist; raise --limit or narrow with --search.`)
    }
    return result
  }
}
