import type {Database, Tx} from '../db/connection.js'
import {PointStager} from './stage.js'
import type {NormalizedPoint} from './types.js'
import {dedupStaged, deleteReplaced, logPointChanges, upsertDeduped, type UpsertCounts} from './upsert.js'

/**
 * One ingest's points on their way into a store: `ingestInput` reads and checks the input, hands
 * each valid point to `add`, then calls `dedup` (in-batch duplicates: the last one wins) and
 * `write` inside the catalog's write transaction, where the job row is recorded too; `drop`
 * always runs at the end.
 */
export interface PointsBatch {
  add(point: NormalizedPoint): void
  /** after each chunk of input; `all` once the input is read */
  flush(all?: boolean): Promise<void>
  /** resolves in-batch duplicates; returns the number of distinct points */
  dedup(): Promise<number>
  /**
   * Stores the batch: new points inserted, changed ones replaced, identical ones left alone; with
   * `replaceSource` (snapshot sources) first removes that source's stored points of the batch's
   * metric keys that the batch does not hold again. Logs the change in `tx` (data_changes).
   */
  write(tx: Tx, options: {stamp: string; distinct: number; replaceSource?: string}): Promise<UpsertCounts & {deleted: number}>
  drop(): Promise<void>
}

/** Where points are stored: the metricat file (the default) or a ClickHouse server. */
export interface PointsStore {
  readonly kind: 'duckdb' | 'clickhouse'
  /** what to call it in messages */
  readonly label: string
  batch(db: Database, options: {dictionaryLimit?: number}): Promise<PointsBatch>
  /** releases connections (the file's store has none) */
  close?(): Promise<void>
}

/** Points in the metricat file (`metricat.metric_points`): staged in TEMP tables, one upsert. */
export const DUCKDB_POINTS: PointsStore = {
  kind: 'duckdb',
  label: 'the metricat file',
  async batch(db, options) {
    const stager = await PointStager.create(db, {dictionaryLimit: options.dictionaryLimit})
    const grouped = `${stager.tables.points}_grouped`
    let increments = 0
    return {
      add: (p) => stager.add(p),
      flush: (all) => stager.flush(all),
      dedup: async () => {
        const counts = await dedupStaged(db, stager.tables, stager.idsAmbiguous, grouped, stager.increments)
        increments = counts.increments
        return counts.distinct
      },
      write: async (tx, {stamp, distinct, replaceSource}) => {
        const deleted = replaceSource === undefined ? 0 : await deleteReplaced(tx, stager.tables, grouped, replaceSource)
        const counts = await upsertDeduped(tx, stager.tables, grouped, distinct, stamp, increments)
        await logPointChanges(tx, stager.tables, grouped, replaceSource !== undefined)
        return {...counts, deleted}
      },
      // DROP ... IF EXISTS: the grouped table exists once dedup ran
      drop: () => stager.drop([grouped]),
    }
  },
}
