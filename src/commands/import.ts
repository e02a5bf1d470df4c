import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import type {ImportPlan} from '../core/catalog.js'

export default class Import extends BaseCommand {
  static summary = 'Import metric YAML files into the catalog (atomic: all files or none).'
  static description = `Reads metrics/<category>/<name>.yml files (a mapping or a list of mappings). Every file is validated first; one bad file means nothing is written and every problem is listed as file:line:column. Unchanged metrics get no new version.`
  static examples = [
    '<%= config.bin %> import metrics/',
    '<%= config.bin %> import metrics/ --dry-run',
    '<%= config.bin %> import metrics/ --prune',
    '<%= config.bin %> import metrics/revenue/mrr.yml',
  ]
  static args = {path: Args.string({required: true, description: 'a YAML file or a folder of them'})}
  static flags = {
    prune: Flags.boolean({description: 'delete metrics whose files are gone (records a delete version)'}),
    'dry-run': Flags.boolean({description: 'print what would be added, changed and removed; write nothing'}),
  }

  async run(): Promise<ImportPlan> {
    const {args, flags} = await this.parse(Import)
    const catalog = await this.catalog()
    const plan = await catalog.importPath(args.path, {prune: flags.prune, dryRun: flags['dry-run']})
    ;(await import('../cli/print-plan.js')).printWarnings(plan.warnings)
    if (!this.jsonEnabled()) {
      const {printPlan} = await import('../cli/print-plan.js')
      this.log(printPlan(plan))
      if (flags['dry-run']) this.log('Dry run: nothing was written.')
    }
    return plan
  }
}
