import {createReadStream, existsSync, statSync} from 'node:fs'
import * as Args from '@oclif/core/args'

import {BaseCommand} from '../cli/base-command.js'
import {describeIngest, pointDefaultFlags, pointsStoreFlag, toPointDefaults} from '../cli/points-flags.js'
import type {IngestResult} from '../core/points.js'
import {noSuchPath} from '../errors.js'

export default class Ingest extends BaseCommand {
  static summary = 'Ingest metric points from an NDJSON or {"points": [...]} file, or from stdin with -.'
  static description = `A point is {metricKey, date, value, granularity?, dimensions?, entityKind?, entityId?, dataSourceId?} (schemas/point.schema.json). The file is streamed, so its size does not matter. The batch is applied completely or not at all: one invalid point rejects it, and every bad line is listed. Re-sending a point (same metricKey, dataSourceId, entityKind, entityId, granularity, date and dimensions) replaces its value; duplicates inside the batch resolve to the last one; points already stored with the same value are left alone.`
  static examples = [
    '<%= config.bin %> ingest points.ndjson',
    '<%= config.bin %> ingest export.json --entity-kind game --entity-id 730',
    'python3 fetch.py | <%= config.bin %> ingest - --data-source-id steam',
    '<%= config.bin %> ingest points.ndjson --server http://127.0.0.1:8787 --json',
    '<%= config.bin %> ingest points.ndjson --points clickhouse://127.0.0.1:8123/metrics',
  ]
  static args = {file: Args.string({required: true, description: 'NDJSON or JSON file; - reads stdin'})}
  static flags = {...pointDefaultFlags, ...pointsStoreFlag}

  async run(): Promise<IngestResult> {
    const {args, flags} = await this.parse(Ingest)
    if (args.file !== '-' && (!existsSync(args.file) || statSync(args.file).isDirectory())) {
      throw noSuchPath(args.file, {path: args.file})
    }
    const {pointsClient} = await import('../cli/points-client.js')
    const client = await pointsClient(await this.catalog({points: flags.points}))
    const {IngestProgressLine} = await import('../cli/progress.js')
    const source = args.file === '-' ? 'stdin' : args.file
    const progress = new IngestProgressLine(`ingest ${source}`)
    const input = args.file === '-' ? process.stdin : createReadStream(args.file, {highWaterMark: 1024 * 1024})
    const result = await client.ingest(input, {defaults: toPointDefaults(flags), source, onProgress: progress.update}).finally(() => progress.done())
    if (!this.jsonEnabled()) this.log(`Ingested ${describeIngest(result)}`)
    return result
  }
}
