import {Args} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import type {ValidationReport} from '../core/catalog.js'
import {CatalogError, formatProblem} from '../errors.js'

export default class Validate extends BaseCommand {
  static summary = 'Check metric YAML (or the stored catalog): schema, then references, duplicates and cycles.'
  static description = 'Exits 1 on any problem, so it can gate a pull request. Without PATH it checks the metrics stored in the database.'
  static examples = ['<%= config.bin %> validate metrics/', '<%= config.bin %> validate metrics/revenue/mrr.yml', '<%= config.bin %> validate']
  static args = {path: Args.string({description: 'a YAML file or a folder of them (default: the stored catalog)'})}

  async run(): Promise<ValidationReport> {
    const {args} = await this.parse(Validate)
    const {Catalog, openCatalog} = await import('../core/catalog.js')
    const {flags} = await this.parse(Validate)
    // Validating files needs no database: use an in-memory one unless a database exists to check against.
    const catalog = args.path && !(await dbExists(flags.db)) ? new Catalog(await openMemory()) : await openCatalog({db: flags.db})
    try {
      const report = await catalog.validate(args.path)
      if (report.problems.length > 0) {
        throw new CatalogError('VALIDATION', `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${report.metrics} metric${report.metrics === 1 ? '' : 's'}`, {problems: report.problems})
      }
      if (!this.jsonEnabled()) this.log(`OK: ${report.metrics} metric${report.metrics === 1 ? '' : 's'}, no problems`)
      return report
    } catch (error) {
      if (error instanceof CatalogError && error.problems.length === 1) {
        throw new CatalogError(error.code, formatProblem(error.problems[0]!), error.details)
      }
      throw error
    } finally {
      catalog.close()
    }
  }
}

async function dbExists(flag: string | undefined): Promise<boolean> {
  const {existsSync} = await import('node:fs')
  const {resolveDbPath} = await import('../core/catalog.js')
  return existsSync(resolveDbPath(flag))
}

async function openMemory() {
  const {Database} = await import('../db/connection.js')
  const {migrate} = await import('../db/migrator.js')
  const db = await Database.open(':memory:')
  await migrate(db)
  return db
}
