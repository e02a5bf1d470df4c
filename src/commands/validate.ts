import * as Args from '@oclif/core/args'

import {BaseCommand} from '../cli/base-command.js'
import {warehouseFlag} from '../cli/query-flags.js'
import type {ValidationReport} from '../core/catalog.js'
import {CatalogError, formatProblem} from '../errors.js'

export default class Validate extends BaseCommand {
  static readOnly = true
  static summary = 'Check metric YAML (or the stored catalog): schema, catalog rules, then the warehouse.'
  static description = `Schema checks (fields, types, unknown fields), then catalog checks (duplicate ids or synonyms, ratio/derived references exist, no cycles), then - when a database or --warehouse is there - warehouse checks: every table, expression, filter, dimension, sql and variant must bind (run with LIMIT 0). Exits 1 on any problem, so it can gate a pull request. Without PATH it checks the metrics stored in the database.`
  static examples = [
    '<%= config.bin %> validate metrics/',
    '<%= config.bin %> validate metrics/revenue/mrr.yml --warehouse ./warehouse.duckdb',
    '<%= config.bin %> validate --warehouse clickhouse://localhost:8123/analytics',
    '<%= config.bin %> validate',
  ]
  static args = {path: Args.string({description: 'a YAML file or a folder of them (default: the stored catalog)'})}
  static flags = {
    warehouse: warehouseFlag(),
  }

  async run(): Promise<ValidationReport> {
    const {args, flags} = await this.parse(Validate)
    const {validateMetrics} = await import('../core/catalog.js')
    const options = await this.openOptions()
    const report = await validateMetrics({db: flags.db, warehouse: flags.warehouse, path: args.path, ...options}).catch(async (error: unknown) => {
      // it opens the file itself (there is no validation route on a server): say what holds it and what to do
      if (!(error instanceof CatalogError) || error.code !== 'DB_LOCKED') throw error
      const [{explainLock}, {resolveDbPath}] = await Promise.all([import('../cli/open-local.js'), import('../core/catalog.js')])
      throw await explainLock(error, {file: resolveDbPath(flags.db), wait: (options.waitMs ?? 0) / 1000, command: 'validate'})
    })
    ;(await import('../cli/print-plan.js')).printWarnings(report.warnings)
    const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`
    if (report.problems.length > 0) {
      const message = report.problems.length === 1 ? formatProblem(report.problems[0]!) : `${n(report.problems.length, 'problem')} in ${n(report.metrics, 'metric')}`
      throw new CatalogError('VALIDATION', message, {problems: report.problems})
    }
    if (!this.jsonEnabled()) {
      this.log(`OK: ${n(report.metrics, 'metric')}, no problems${report.warehouse ? ' (schema, catalog and warehouse checks)' : ' (schema and catalog checks; no database, so no warehouse checks)'}`)
    }
    return report
  }
}
