import {randomUUID} from 'node:crypto'

import type {Database, Tx} from '../db/connection.js'
import {insertJob, type JobKind, type JobRecord} from './jobs.js'
import {utcNow} from './point-date.js'
import {type PointInput, readPoints} from './read-input.js'
import {DUCKDB_POINTS, type PointsBatch, type PointsStore} from './store.js'
import type {IngestProgress, IngestResult, PointDefaults} from './types.js'

export interface IngestOptions {
  /** fields filled in where a point lacks them */
  defaults?: PointDefaults
  /** a name for messages and the job row: file name, `stdin`, `body`, a command line */
  source?: string
  /** recorded in metricat.jobs; default `ingest` */
  kind?: JobKind
  /** recorded in metricat.jobs; default `defaults.dataSourceId` */
  dataSourceId?: string
  onProgress?: (progress: IngestProgress) => void
  /**
   * Awaited once the input is read and staged, before anything is checked or written; a throw
   * cancels the ingest. The runner waits for the program's exit status here.
   */
  beforeWrite?: () => Promise<void>
  /** Further writes in the upsert's transaction (the runner's data-source bookkeeping). */
  afterWrite?: (tx: Tx, result: IngestResult) => Promise<void>
  /** Writes in the transaction that records a failed job. */
  onFailure?: (tx: Tx, error: unknown) => Promise<void>
  /**
   * Snapshot mode: in the write transaction, first delete this data source's stored points of
   * every metric key the batch holds that the batch does not hold again (a failed run changes nothing).
   */
  replaceSource?: string
  /** The job status of a failure (default `failed`; a run stopped by the scheduler's shutdown is `interrupted`). */
  failureStatus?: (error: unknown) => JobRecord['status']
  /** where the points go: the metricat file (default) or a ClickHouse server (`--points clickhouse://...`) */
  store?: PointsStore
  /** Tests only: a small limit forces the dictionaries to forget entries (see DICTIONARY_LIMIT). */
  dictionaryLimit?: number
  /** Job fields only the caller knows once the input is read (a run's exit code). */
  jobFields?: () => Pick<JobRecord, 'exitCode' | 'stderrTail' | 'attempt'>
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Reads, checks and stages every point, then applies the batch in one transaction: in-batch
 * duplicates resolve to the last one, existing points with a different value are updated,
 * identical ones are left alone. Nothing is written unless the whole input is valid; a process
 * killed before the transaction commits leaves the catalog as it was (the staging is a TEMP
 * table). Every ingest, failed or not, is recorded in metricat.jobs.
 */
export async function ingestInput(db: Database, input: PointInput, options: IngestOptions = {}): Promise<IngestResult> {
  const source = options.source ?? 'input'
  const kind = options.kind ?? 'ingest'
  const dataSourceId = options.dataSourceId ?? options.defaults?.dataSourceId
  const t0 = performance.now()
  const startedAt = utcNow()
  const jobId = randomUUID()
  const work = new WorkClock()
  const progress = (phase: IngestProgress['phase'], points: number, bytes: number): void =>
    options.onProgress?.({phase, points, bytes, elapsedMs: work.elapsedMs()})
  const job = (counts: Pick<JobRecord, 'status' | 'pointsRead' | 'inserted' | 'updated' | 'unchanged' | 'error' | 'deleted'>): JobRecord => ({
    id: jobId,
    kind,
    source,
    dataSourceId,
    startedAt,
    finishedAt: utcNow(),
    ...options.jobFields?.(),
    ...counts,
  })

  let batch: PointsBatch | undefined
  let pointsRead = 0
  try {
    batch = await (options.store ?? DUCKDB_POINTS).batch(db, {dictionaryLimit: options.dictionaryLimit})
    const staging = batch
    const read = await readPoints(timedInput(input, work), {
      defaults: options.defaults,
      source,
      onValid: (p) => staging.add(p),
      afterChunk: async ({points, bytes}) => {
        await staging.flush()
        progress('reading', points, bytes)
      },
    }).finally(() => options.beforeWrite?.())
    pointsRead = read.points
    await staging.flush(true)
    progress('writing', read.points, read.bytes)

    const distinct = await staging.dedup()
    const stamp = utcNow()
    const result = await db.transaction(async (tx) => {
      const {deleted, ...counts} = await staging.write(tx, {stamp, distinct, replaceSource: options.replaceSource})
      const r: IngestResult = {
        jobId,
        source,
        format: read.format,
        points: read.points,
        duplicates: read.points - counts.distinct,
        ...counts,
        ...(options.replaceSource === undefined ? {} : {deleted}),
        ms: 0,
      }
      await insertJob(tx, job({status: 'completed', pointsRead: read.points, inserted: r.inserted, updated: r.updated, unchanged: r.unchanged, deleted}))
      await options.afterWrite?.(tx, r)
      return r
    })
    result.ms = Math.round(performance.now() - t0)
    return result
  } catch (error) {
    // Best effort: the failure itself is what the caller needs to see.
    await db
      .transaction(async (tx) => {
        await insertJob(tx, job({status: options.failureStatus?.(error) ?? 'failed', pointsRead, inserted: 0, updated: 0, unchanged: 0, error: messageOf(error)}))
        await options.onFailure?.(tx, error)
      })
      .catch(() => undefined)
    throw error
  } finally {
    await batch?.drop()
  }
}

/**
 * Time the ingest spends working on its input: it runs from the first chunk and stops while the
 * next chunk is awaited. Progress (`elapsedMs`) leaves out the setup (a fixed cost) and the waits,
 * which are someone else's time: a program `run` started, a slow client, the disk.
 */
class WorkClock {
  private ms = 0
  private since: number | undefined

  start(): void {
    this.since ??= performance.now()
  }

  pause(): void {
    if (this.since === undefined) return
    this.ms += performance.now() - this.since
    this.since = undefined
  }

  elapsedMs(): number {
    return this.ms + (this.since === undefined ? 0 : performance.now() - this.since)
  }
}

/** The input, with `clock` paused while each chunk is awaited. */
function timedInput(input: PointInput, clock: WorkClock): PointInput {
  if (!(Symbol.asyncIterator in input)) {
    clock.start()
    return input
  }
  const source = input as AsyncIterable<string | Uint8Array>
  return {
    async *[Symbol.asyncIterator]() {
      const it = source[Symbol.asyncIterator]()
      let done = false
      try {
        for (;;) {
          clock.pause()
          const next = await it.next()
          clock.start()
          if (next.done) {
            done = true
            return
          }
          yield next.value
        }
      } finally {
        if (!done) await it.return?.()
      }
    },
  }
}
