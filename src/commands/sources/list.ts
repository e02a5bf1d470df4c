import {BaseCommand} from '../../cli/base-command.js'
import {renderTable, truncate} from '../../cli/render.js'
import type {DataSource} from '../../core/points.js'

export default class SourcesList extends BaseCommand {
  static summary = 'List data sources with their last run, status and consecutive failures.'
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
            ['id', 'name', 'connector', 'kind', 'entity', 'command', 'schedule', 'last run', 'status', 'failures', 'last error'],
            sources.map((s) => [
              s.id,
              s.name,
              s.connector_key,
              s.source_kind,
              s.entity_kind || s.entity_id ? `${s.entity_kind ?? ''}/${s.entity_id ?? ''}` : '',
              truncate(s.command, 40),
              s.schedule,
              s.last_run_at,
              s.last_status,
              s.failure_count,
              truncate(s.last_error, 60),
            ]),
          ),
        )
      }
    }
    return {sources}
  }
}
