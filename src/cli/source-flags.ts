import * as Flags from '@oclif/core/flags'

import type {DataSourceInput} from '../core/points.js'
import {POLL_FREQUENCIES, SOURCE_MODES} from '../points/schedule.js'

/** The flags of `sources add` and `sources set`: every field a caller may set on a data source. */
export const sourceFlags = {
  name: Flags.string({description: 'display name (default: the id)'}),
  'connector-key': Flags.string({description: 'the connector (script) key'}),
  'source-kind': Flags.string({description: 'e.g. api, scrape, manual'}),
  'entity-kind': Flags.string({description: 'what its points are about, e.g. game'}),
  'entity-id': Flags.string({description: 'which one, e.g. 730'}),
  command: Flags.string({description: 'shell command line that prints the points (through a server: admin tokens only)'}),
  poll: Flags.option({options: POLL_FREQUENCIES, description: 'how often `metricat scheduler` runs it: frequent (15 min), hourly, daily (default), weekly, manual'})(),
  cron: Flags.string({description: 'a cron expression (UTC) instead of --poll, e.g. "0 6 * * *"'}),
  mode: Flags.option({options: SOURCE_MODES, description: 'series (default): points accumulate; snapshot: each successful run replaces its points per metric key'})(),
  'max-failures': Flags.integer({min: 1, max: 1000, description: 'consecutive failed runs before it is disabled (default 5)'}),
  timeout: Flags.integer({min: 1, max: 86_400, description: 'seconds before a run is stopped'}),
  retries: Flags.integer({min: 0, max: 10, description: 'further attempts after a failed run, with backoff (default 0)'}),
  schedule: Flags.string({description: 'free text kept with the source (older field; use --poll or --cron)'}),
}

export function toSourceInput(id: string, flags: Record<string, unknown>): DataSourceInput {
  const input: DataSourceInput = {id}
  const map: Record<string, keyof DataSourceInput> = {
    name: 'name',
    'connector-key': 'connector_key',
    'source-kind': 'source_kind',
    'entity-kind': 'entity_kind',
    'entity-id': 'entity_id',
    command: 'command',
    poll: 'poll_frequency',
    cron: 'cron',
    mode: 'mode',
    'max-failures': 'max_failures',
    timeout: 'timeout_seconds',
    retries: 'retries',
    schedule: 'schedule',
  }
  for (const [flag, field] of Object.entries(map)) if (flags[flag] !== undefined) (input as unknown as Record<string, unknown>)[field] = flags[flag]
  return input
}
