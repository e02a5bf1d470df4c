import * as Args from '@oclif/core/args'

import {BaseCommand} from '../cli/base-command.js'
import type {ImportPlan} from '../core/catalog.js'

export default class Diff extends BaseCommand {
  static readOnly = true
  static summary = 'Show what importing PATH would add, change (field by field) and remove.'
  static description = 'Removed means: in the catalog but in no file under PATH (what `import --prune` would delete). Exit code 0 either way.'
  static examples = ['<%= config.bin %> diff metrics/', '<%= config.bin %> diff metrics/ --json']
  static args = {path: Args.string({required: true, description: 'a YAML file or a folder of them'})}

  async run(): Promise<ImportPlan> {
    const {args} = await this.parse(Diff)
    const plan = await (await this.catalog()).diff(args.path)
    ;(await import('../cli/print-plan.js')).printWarnings(plan.warnings)
    if (!this.jsonEnabled()) {
      const {printPlan} = await import('../cli/print-plan.js')
      this.log(printPlan(plan))
    }
    return plan
  }
}
