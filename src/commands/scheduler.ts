import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import type {SourceRunOutcome} from '../core/scheduler.js'

export default class SchedulerCommand extends BaseCommand {
  static summary = 'Run due data sources on their schedules, in the foreground (or once, with --once).'
  static description = `A source is due when it has a command, is not disabled and its next poll time has passed (see \`sources add --poll/--cron\`). Each run claims its source with a lease row in the database, so two schedulers never run one source twice. A failed run is retried (--retries on the source, with backoff); after max_failures consecutive failed runs the source is disabled until \`sources enable\`. SIGTERM (or Ctrl-C) stops claiming sources, lets running jobs finish within their timeout, then stops them and records them as interrupted. --once runs what is due now and exits (for cron and CI); it exits 1 when a run failed.`
  static examples = ['<%= config.bin %> scheduler', '<%= config.bin %> scheduler --once --json', '<%= config.bin %> scheduler --concurrency 4 --interval 60']
  static flags = {
    once: Flags.boolean({description: 'run the sources due now, then exit'}),
    concurrency: Flags.integer({default: 2, min: 1, max: 32, description: 'sources run at the same time'}),
    interval: Flags.integer({default: 30, min: 1, max: 3600, description: 'seconds between looks for due sources'}),
  }

  async run(): Promise<{runs: SourceRunOutcome[]}> {
    const {flags} = await this.parse(SchedulerCommand)
    const catalog = await this.localCatalog()
    const {Scheduler} = await import('../core/scheduler.js')
    const log = (line: string) => this.logToStderr(`${new Date().toISOString()} ${line}`)
    const scheduler = new Scheduler(catalog, {concurrency: flags.concurrency, intervalMs: flags.interval * 1000, log})
    if (flags.once) {
      const runs = await scheduler.runDue()
      if (!this.jsonEnabled()) this.log(runs.length === 0 ? 'No sources due.' : runs.map((r) => `${r.id}: ${r.status}${r.error ? ` (${r.error})` : ''}`).join('\n'))
      if (runs.some((r) => r.status === 'failed')) process.exitCode = 1
      return {runs}
    }
    this.logToStderr(`metricat scheduler on ${catalog.file} (concurrency ${flags.concurrency}); Ctrl-C or SIGTERM to stop`)
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      log(`${signal}: stopping; running jobs may finish within their timeout`)
      void scheduler.stop()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    await scheduler.loop()
    await scheduler.stop()
    return {runs: []}
  }
}
