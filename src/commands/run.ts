import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import {describeIngest, pointDefaultFlags, pointsStoreFlag, toPointDefaults} from '../cli/points-flags.js'
import type {RunResult} from '../core/points.js'

export default class Run extends BaseCommand {
  static summary = 'Run a program that prints metric points on stdout, and ingest them if it succeeds.'
  static description = `The program can be written in any language: it prints points as NDJSON or as {"points": [...]} on stdout; its stderr is passed through. The flags fill entityKind, entityId, dataSourceId, connectorKey and sourceKind in points that lack them. If the program exits non-zero, or prints anything that is not a valid point, nothing is ingested and metricat exits 1 with the reason. Every run is recorded in metricat.jobs; with --data-source-id the data source's last_run_at, last_status, last_error and failure_count (consecutive failures) are updated, and an unknown id is registered. Without a command, the data source's stored command runs (through the shell). With --server (or $METRICAT_SERVER, or HIT's $HIT_APP_URL) the program runs here and the run is recorded on a running \`metricat serve\` (token in $METRICAT_TOKEN or $HIT_SERVICE_TOKEN): its points, the \`run\` job, and the data source's last run, success, error and failure count, for failed runs too. Everything after \`--\` goes to the program untouched.`
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
    ...pointsStoreFlag,
    ...pointDefaultFlags,
    timeout: Flags.integer({min: 1, description: 'stop the program (SIGTERM, then SIGKILL) after this many seconds; the run fails'}),
  }

  /** HIT's runner read its server and token from HIT_APP_URL / HIT_SERVICE_TOKEN; so does `run` when METRICAT_* are unset. */
  protected serverFallback(): {url?: string; token?: string} {
    return {url: process.env.HIT_APP_URL || undefined, token: process.env.HIT_SERVICE_TOKEN || undefined}
  }

  async run(): Promise<RunResult> {
    // Everything after the first `--` is the program's: oclif would still read flags there
    // (`run -- python3 x.py --db y` lost `--db y` to metricat's own --db), so it never sees them.
    const dashes = this.argv.indexOf('--')
    const program = dashes === -1 ? [] : this.argv.slice(dashes + 1)
    if (dashes !== -1) this.argv = this.argv.slice(0, dashes)
    const {argv: rest, flags} = await this.parse(Run)
    if (rest.length > 0 && program.length > 0) {
      this.error(`unexpected argument ${JSON.stringify(String(rest[0]))} before --; the program and its arguments go after --`, {exit: 2})
    }
    const argv = program.length > 0 ? program : (rest as string[])
    // without a program and without a source whose stored command could run, the command line is incomplete
    if (argv.length === 0 && flags['data-source-id'] === undefined) this.error('nothing to run: give a command after --, e.g. metricat run -- python3 fetch.py', {exit: 2})
    const {pointsClient} = await import('../cli/points-client.js')
    const client = await pointsClient(await this.catalog({points: flags.points}))
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
