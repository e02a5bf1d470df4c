import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import {renderTable, truncate} from '../cli/render.js'
import type {JobRow} from '../core/points.js'
import {JOB_STATUSES} from '../points/jobs.js'

export default class Jobs extends BaseCommand {
  static readOnly = true
  static summary = 'Show the job log: ingests and runs, newest first, with their outcome.'
  static description = 'Every ingest and run is a job: id, kind, data source, status (running, completed, failed, partial, interrupted), start, finish, duration, points read, inserted, updated, unchanged, deleted (snapshot runs), the error and the tail of the program\'s stderr. --since takes a relative time (30m, 12h, 7d, 12w) or a date.'
  static examples = ['<%= config.bin %> jobs', '<%= config.bin %> jobs --source steam --status failed --since 7d', '<%= config.bin %> jobs --limit 5 --json']
  static flags = {
    source: Flags.string({description: 'only jobs of this data source'}),
    status: Flags.option({options: JOB_STATUSES, description: 'only jobs with this status'})(),
    kind: Flags.string({description: 'only jobs of this kind: ingest, run, ...'}),
    since: Flags.string({description: 'only jobs started since: 30m, 12h, 7d, 12w or a date'}),
    limit: Flags.integer({default: 50, min: 1, max: 10_000, description: 'at most this many jobs'}),
  }

  async run(): Promise<{jobs: JobRow[]}> {
    const {flags} = await this.parse(Jobs)
    const {pointsClient} = await import('../cli/points-client.js')
    const jobs = await (await pointsClient(await this.catalog())).listJobs({source: flags.source, status: flags.status, kind: flags.kind, since: flags.since, limit: flags.limit})
    if (!this.jsonEnabled()) {
      if (jobs.length === 0) this.logToStderr('No jobs match.')
      else
        this.log(
          renderTable(
            ['started', 'kind', 'source', 'status', 'duration s', 'read', 'ins', 'upd', 'unch', 'del', 'error'],
            jobs.map((j) => [
              j.started_at,
              j.kind,
              j.data_source_id ?? truncate(j.source, 30),
              j.status,
              j.duration_s === null ? '' : j.duration_s.toFixed(1),
              j.points_read,
              j.rows_inserted,
              j.rows_updated,
              j.rows_unchanged,
              j.rows_deleted,
              truncate(j.error, 60),
            ]),
          ),
        )
    }
    return {jobs}
  }
}
