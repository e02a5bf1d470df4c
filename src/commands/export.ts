import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'

export default class Export extends BaseCommand {
  static readOnly = true
  static summary = 'Export metrics as YAML: to stdout, or as <category>/<name>.yml files under --dir.'
  static description = 'Output is deterministic (fixed key order, block scalars for multi-line SQL), so `import metrics/` then `export --dir metrics/` leaves the files unchanged.'
  static strict = false
  static examples = ['<%= config.bin %> export --dir metrics/', '<%= config.bin %> export revenue/mrr', '<%= config.bin %> export revenue/mrr revenue/arr --json']
  static args = {ids: Args.string({description: 'metric ids (default: all)'})}
  static flags = {
    dir: Flags.string({char: 'd', description: 'write files under this folder instead of printing'}),
  }

  async run(): Promise<{files: {id: string; path: string; yaml: string}[]}> {
    const {argv, flags} = await this.parse(Export)
    const files = await (await this.catalog()).exportMetrics({dir: flags.dir, ids: argv as string[]})
    if (!this.jsonEnabled()) {
      if (flags.dir) this.log(`Wrote ${files.length} file${files.length === 1 ? '' : 's'} under ${flags.dir}`)
      else process.stdout.write(files.map((f) => f.yaml).join('---\n'))
    }
    return {files}
  }
}
