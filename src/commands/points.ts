import * as Args from '@oclif/core/args'
import {CLIError} from '@oclif/core/errors'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import {pointsStoreFlag} from '../cli/points-flags.js'
import type {PointsQuery, PointsResult} from '../core/points.js'
import {AGGS, BUCKETS, GRANULARITY_INPUTS, PERCENTILE_AGG_PATTERN, type Agg} from '../points/types.js'
import {parseWhere} from '../query/parse-where.js'

export default class Points extends BaseCommand {
  static readOnly = true
  static summary = 'Aggregate the ingested points of one metric key by bucket, filtered and split by dimensions.'
  static description = `Buckets inside [--from, --to) (or the data's own range) that hold no points are filled: 0 for sum, count and rate, empty otherwise. Percentiles (p50, p90, p95, p99, percentile:F) interpolate linearly between the two nearest values (quantile_cont); rate divides a bucket's sum by the seconds of the bucket that lie inside [--from, --to) (with --bucket none, [--from, --to) itself, so both are required). Weeks start on Monday; dates are UTC. --where and --by name dimension keys of the points; values are bound as parameters.`
  static examples = [
    '<%= config.bin %> points game.players --bucket month --agg avg',
    '<%= config.bin %> points game.players --from 2026-01-01 --to 2026-04-01 --bucket week --where platform=steam',
    '<%= config.bin %> points game.players --bucket month --by platform,region --agg max --format csv',
    '<%= config.bin %> points api.latency_ms --bucket minute --agg p95 --from 2026-01-01T10:00 --to 2026-01-01T11:00',
    '<%= config.bin %> points api.requests --bucket hour --agg rate',
    '<%= config.bin %> points revenue.daily --bucket none --agg sum --entity-kind customer --entity-id 42 --json',
    '<%= config.bin %> points game.players --bucket month --points clickhouse://127.0.0.1:8123/metrics',
  ]
  static args = {key: Args.string({required: true, description: 'the metricKey of the points'})}
  static flags = {
    ...pointsStoreFlag,
    from: Flags.string({description: 'start, inclusive (YYYY-MM-DD or ISO timestamp, UTC)'}),
    to: Flags.string({description: 'end, exclusive (YYYY-MM-DD or ISO timestamp, UTC)'}),
    bucket: Flags.option({options: BUCKETS, default: 'day', description: 'period of each row; none: one row per group'})(),
    agg: Flags.string({
      default: 'sum',
      helpValue: `${AGGS.join('|')}|percentile:F`,
      description: 'how the points in a bucket combine: last is the latest by date; p50..p99 and percentile:F (F from 0 to 1, e.g. percentile:0.75) are interpolated percentiles; rate is the sum per second of the bucket',
      parse: async (input) => {
        if ((AGGS as readonly string[]).includes(input) || new RegExp(PERCENTILE_AGG_PATTERN).test(input)) return input
        throw new CLIError(`Expected --agg=${input} to be one of: ${AGGS.join(', ')}, or percentile:F with F from 0 to 1 (e.g. percentile:0.75)`, {exit: 2})
      },
    }),
    where: Flags.string({char: 'w', multiple: true, description: 'dimension filter, e.g. "platform=steam", "region in EU,NA", "players>=100", "platform is null"'}),
    by: Flags.string({description: 'comma-separated dimension keys to split by'}),
    'entity-kind': Flags.string({description: 'only points of this entityKind'}),
    'entity-id': Flags.string({description: 'only points of this entityId'}),
    'data-source-id': Flags.string({description: 'only points of this data source'}),
    granularity: Flags.option({options: GRANULARITY_INPUTS, description: 'only points of this granularity'})(),
    limit: Flags.integer({min: 1, description: 'the latest N buckets, every row of each, oldest first (with --bucket none: at most N rows)'}),
    format: Flags.option({options: ['table', 'json', 'csv'] as const, default: 'table', description: 'output format (--json is the same as --format json)'})(),
  }

  async run(): Promise<PointsResult> {
    const {args, flags} = await this.parse(Points)
    const request: PointsQuery = {key: args.key, bucket: flags.bucket, agg: flags.agg as Agg}
    if (flags.from) request.from = flags.from
    if (flags.to) request.to = flags.to
    if (flags.where?.length) request.filters = flags.where.map((w) => parseWhere(w))
    if (flags.by) request.by = flags.by.split(',').map((d) => d.trim()).filter(Boolean)
    if (flags['entity-kind']) request.entityKind = flags['entity-kind']
    if (flags['entity-id']) request.entityId = flags['entity-id']
    if (flags['data-source-id']) request.dataSourceId = flags['data-source-id']
    if (flags.granularity) request.granularity = flags.granularity
    if (flags.limit !== undefined) request.limit = flags.limit
    const {pointsClient} = await import('../cli/points-client.js')
    const result = await (await pointsClient(await this.catalog({points: flags.points}))).query(request)
    if (!this.jsonEnabled()) {
      const {printResult} = await import('../cli/print-result.js')
      await printResult(result, flags.format, this)
    }
    return result
  }
}
