import {BaseCommand} from '../../cli/base-command.js'
import {renderTable, truncate} from '../../cli/render.js'
import type {DataSource} from '../../core/points.js'

export default class SourcesList extends BaseCommand {
  static readOnly = true
  static summary = 'List data sources with their schedule, status, last success, next poll and consecutive failures.'
  static examples = ['<%= config.bin %> sources list', '<%= config.bin %> sources list --json']

  async run(): Promise<{sources: DataSource[]}> {
    await this.parse(SourcesList)
    const {pointsClient} = await import('../../cli/points-client.js')
    const sources = await (await pointsClient(await this.catalog())).listSources()
    if (!this.jsonEnabled()) {
      if (sources.length === 0) this.logToStderr('No data sources yet: `metricat sources add ID --command "..."`, or `metricat run --data-source-id ID -- CMD`.')
      else {
        this.log(
          renderTable(
            ['id', 'command', 'schedule', 'mode', 'status', 'last success', 'next poll', 'failures', 'last error'],
            sources.map((s) => [
              s.id,
              truncate(s.command, 40),
              s.cron ?? s.poll_frequency ?? (s.command ? 'daily' : 'manual'),
              s.mode,
              s.status,
              s.last_success_at,
              s.next_poll_at,
              `${s.failure_count}/${s.max_failures}`,
              truncate(s.status === 'disabled' ? s.disabled_reason : s.last_error, 60),
            ]),
          ),
        )
      }
    }
    return {sources}
  }
}
