import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import {describeIngest, pointDefaultFlags, toPointDefaults} from '../cli/points-flags.js'
import type {RunResult} from '../core/points.js'

export default class Run extends BaseCommand {
  static summary = 'Run a program that prints metric points on stdout, and ingest them if it succeeds.'
  static description = `The program can be written in any language: it prints points as NDJSON or as {"points": [...]} on stdout; its stderr is passed through. The flags fill entityKind, entityId, dataSourceId, connectorKey and sourceKind in points that lack them. If the program exits non-zero, or prints anything that is not a valid point, nothing is ingested and metricat exits 1 with the reason. Every run is recorded in metricat.jobs; with --data-source-id the data source's last_run_at, last_status, last_error and failure_count (consecutive failures) are updated, and an unknown id is registered. Without a command, the data source's stored command runs (through the shell). With --server the points are sent to a running \`metricat serve\` (token in $METRICAT_TOKEN).`
  static examples = [
    '<%= config.bin %> run -- python3 scripts/steam_players.py',
    '<%= config.bin %> run --data-source-id steam --entity-kind game --entity-id 730 -- node fetch.js --day 2026-05-01',
    '<%= config.bin %> run --data-source-id steam',
    'METRICAT_TOKEN=... <%= config.bin %> run --server http://127.0.0.1:8787 --connector-key gh -- ./stars.sh',
  ]
  static usage = 'run [--data-source-id ID] [--entity-kind K] [--entity-id ID] [--connector-key K] [--source-kind K] [--timeout S] [--server URL] -- CMD [ARGS...]'
  static strict = false
  static args = {}
  static flags = {
    ...pointDefaultFlags,
    timeout: Flags.integer({min: 1, description: 'stop the program (SIGTERM, then SIGKILL) after this many seconds; the run fails'}),
  }

  async run(): Promise<RunResult> {
    const {argv, flags} = await this.parse(Run)
    const {pointsClient} = await import('../cli/points-client.js')
    const client = await pointsClient(await this.catalog({create: true}))
    const {IngestProgressLine} = await import('../cli/progress.js')
    const progress = new IngestProgressLine('run')
    const result = await client
      .run({
        argv: argv as string[],
        defaults: toPointDefaults(flags),
        timeoutMs: flags.timeout === undefined ? undefined : flags.timeout * 1000,
        onProgress: progress.update,
      })
      .finally(() => progress.done())
    if (!this.jsonEnabled()) {
      const registered = result.registered ? ` (registered data source ${result.dataSourceId})` : ''
      this.log(`Ran ${result.command}: ${describeIngest(result.ingest)}${registered}`)
    }
    return result
  }
}
