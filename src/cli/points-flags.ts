import * as Flags from '@oclif/core/flags'

import type {IngestResult, PointDefaults} from '../core/points.js'

/** Fields `ingest` and `run` fill in where a point lacks them. */
export const pointDefaultFlags = {
  'data-source-id': Flags.string({description: 'dataSourceId for points without one (run: registers an unknown id and records the run on it)'}),
  'entity-kind': Flags.string({description: 'entityKind for points without one, e.g. game'}),
  'entity-id': Flags.string({description: 'entityId for points without one, e.g. 730'}),
  'connector-key': Flags.string({description: 'connectorKey for points without one, e.g. steam-api'}),
  'source-kind': Flags.string({description: 'sourceKind for points without one, e.g. api, scrape, manual'}),
}

export function toPointDefaults(flags: {[K in keyof typeof pointDefaultFlags]?: string}): PointDefaults {
  return {
    dataSourceId: flags['data-source-id'],
    entityKind: flags['entity-kind'],
    entityId: flags['entity-id'],
    connectorKey: flags['connector-key'],
    sourceKind: flags['source-kind'],
  }
}

function n(value: number): string {
  return value.toLocaleString('en-US')
}

/** `1,000 points: 990 inserted, 5 updated, 5 unchanged (3 duplicates in the batch, last one kept)` */
export function describeIngest(r: IngestResult): string {
  const dupes = r.duplicates > 0 ? ` (${n(r.duplicates)} duplicate${r.duplicates === 1 ? '' : 's'} in the batch, last one kept)` : ''
  return `${n(r.points)} point${r.points === 1 ? '' : 's'}: ${n(r.inserted)} inserted, ${n(r.updated)} updated, ${n(r.unchanged)} unchanged${dupes}`
}

/** `--points`: where points are stored (all commands that ingest or query points). */
export const pointsStoreFlag = {
  points: Flags.string({
    description: 'store and query points on ClickHouse: clickhouse://[user[:password]@]host:port/database, the HTTP port (default: $METRICAT_POINTS, then points: in ./metricat.config.yml, else the metricat file)',
  }),
}
