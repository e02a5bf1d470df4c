import type {DuckDBAppender, DuckDBDataChunk, DuckDBType, DuckDBValue} from '@duckdb/node-api'

import {type Database, duckdbApi} from '../db/connection.js'
import {CatalogError} from '../errors.js'
import {quoteIdent} from '../query/quote.js'
import type {NormalizedPoint} from './types.js'

type DuckDBApi = typeof import('@duckdb/node-api')

/** DuckDB's vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048
/** Append to DuckDB once this many chunks are waiting (~16 k points). */
const FLUSH_CHUNKS = 8
const MAX_POINTS = 2 ** 31 - 1

/**
 * Strings are staged through dictionaries: the staging table holds integer ids, and each distinct
 * series (metricKey, dataSourceId, entityKind, entityId, granularity), dimensions text and
 * (connectorKey, sourceKind) pair is appended once to a small side table. Handing DuckDB a string
 * costs a native call per value; an integer column is copied a chunk at a time. A dictionary
 * that grows past this many entries is forgotten (memory stays flat on any input); later rows
 * then get fresh ids for strings already seen, and the dedup matches on the strings instead.
 */
export const DICTIONARY_LIMIT = 200_000

/** The staging table and its dictionaries, by role. */
export interface StagingTables {
  points: string
  keys: string
  attrs: string
  dims: string
}

const DDL: Record<keyof StagingTables, string> = {
  points: 'seq INTEGER NOT NULL, key_id INTEGER NOT NULL, attr_id INTEGER NOT NULL, dims_id INTEGER NOT NULL, date_ms DOUBLE NOT NULL, date_us INTEGER NOT NULL, value DOUBLE NOT NULL, inc INTEGER NOT NULL',
  keys: 'id INTEGER NOT NULL, metric_key VARCHAR NOT NULL, data_source_id VARCHAR NOT NULL, entity_kind VARCHAR NOT NULL, entity_id VARCHAR NOT NULL, granularity VARCHAR NOT NULL',
  attrs: 'id INTEGER NOT NULL, connector_key VARCHAR, source_kind VARCHAR',
  dims: 'id INTEGER NOT NULL, dimensions VARCHAR NOT NULL',
}

let counter = 0

/** One dictionary: strings to ids, with the new entries still to be appended. */
class Dictionary<Row extends unknown[]> {
  private readonly ids = new Map<string, number>()
  private next = 0
  pending: [number, ...Row][] = []
  /** true once entries were forgotten: ids are then no longer one per string */
  forgot = false

  constructor(private readonly limit: number) {}

  id(key: string, row: () => Row): number {
    let id = this.ids.get(key)
    if (id === undefined) {
      if (this.ids.size >= this.limit) {
        this.ids.clear()
        this.forgot = true
      }
      id = this.next++
      this.ids.set(key, id)
      this.pending.push([id, ...row()])
    }
    return id
  }
}

/**
 * Collects checked points into DuckDB data chunks and appends them to TEMP tables with the
 * appender. TEMP tables belong to the connection and vanish with the process, so a killed ingest
 * leaves nothing behind; the catalog tables are only touched by the upsert afterwards. Appends
 * run through `db.exclusive`, between other statements on the shared connection.
 */
export class PointStager {
  /** points staged so far */
  count = 0
  private n = 0
  private readonly seq = new Int32Array(CHUNK_ROWS)
  private readonly keyId = new Int32Array(CHUNK_ROWS)
  private readonly attrId = new Int32Array(CHUNK_ROWS)
  private readonly dimsId = new Int32Array(CHUNK_ROWS)
  private readonly dateMs = new Float64Array(CHUNK_ROWS)
  private readonly dateUs = new Int32Array(CHUNK_ROWS)
  private readonly value = new Float64Array(CHUNK_ROWS)
  private readonly inc = new Int32Array(CHUNK_ROWS)
  /** whether any staged point has `op: "increment"` (the dedup and upsert then take the counter path) */
  increments = false
  private pending: DuckDBDataChunk[] = []
  private readonly types: DuckDBType[]
  private readonly keys: Dictionary<[string, string, string, string, string]>
  private readonly attrs: Dictionary<[string | null, string | null]>
  private readonly dims: Dictionary<[string]>
  // the previous point's series: files are often grouped by series, so skip the lookup
  private last: NormalizedPoint | undefined
  private lastKeyId = -1

  private constructor(
    private readonly db: Database,
    private readonly api: DuckDBApi,
    readonly tables: StagingTables,
    dictionaryLimit: number,
  ) {
    const {INTEGER, DOUBLE} = api
    this.types = [INTEGER, INTEGER, INTEGER, INTEGER, DOUBLE, INTEGER, DOUBLE, INTEGER]
    this.keys = new Dictionary(dictionaryLimit)
    this.attrs = new Dictionary(dictionaryLimit)
    this.dims = new Dictionary(dictionaryLimit)
  }

  static async create(db: Database, options: {dictionaryLimit?: number} = {}): Promise<PointStager> {
    const api = duckdbApi()
    const base = `points_staging_${process.pid}_${++counter}`
    const tables: StagingTables = {points: base, keys: `${base}_keys`, attrs: `${base}_attrs`, dims: `${base}_dims`}
    for (const role of Object.keys(tables) as (keyof StagingTables)[]) await db.run(`CREATE TEMP TABLE ${quoteIdent(tables[role])} (${DDL[role]})`)
    return new PointStager(db, api, tables, options.dictionaryLimit ?? DICTIONARY_LIMIT)
  }

  /** Whether one string may have several ids (a dictionary was forgotten), so dedup must compare strings. */
  get idsAmbiguous(): boolean {
    return this.keys.forgot || this.attrs.forgot || this.dims.forgot
  }

  add(p: NormalizedPoint): void {
    if (this.count === MAX_POINTS) throw new CatalogError('PAYLOAD_TOO_LARGE', `one ingest takes at most ${MAX_POINTS} points; split the input`)
    const i = this.n
    this.seq[i] = this.count++
    const l = this.last
    if (
      l !== undefined &&
      l.metricKey === p.metricKey &&
      l.entityId === p.entityId &&
      l.entityKind === p.entityKind &&
      l.dataSourceId === p.dataSourceId &&
      l.granularity === p.granularity
    ) {
      this.keyId[i] = this.lastKeyId
    } else {
      const key = `${p.metricKey}\u0000${p.dataSourceId}\u0000${p.entityKind}\u0000${p.entityId}\u0000${p.granularity}`
      this.lastKeyId = this.keys.id(key, () => [p.metricKey, p.dataSourceId, p.entityKind, p.entityId, p.granularity])
      this.keyId[i] = this.lastKeyId
      this.last = p
    }
    this.attrId[i] =
      p.connectorKey === null && p.sourceKind === null
        ? this.attrs.id('', () => [null, null])
        : this.attrs.id(`${p.connectorKey ?? ''}\u0000${p.sourceKind ?? ''}\u0000`, () => [p.connectorKey, p.sourceKind])
    this.dimsId[i] = this.dims.id(p.dimensions, () => [p.dimensions])
    this.dateMs[i] = p.dateMs
    this.dateUs[i] = p.dateUs
    this.value[i] = p.value
    this.inc[i] = p.increment ? 1 : 0
    if (p.increment) this.increments = true
    if (++this.n === CHUNK_ROWS) this.seal()
  }

  /** Appends the waiting chunks once enough have gathered, or everything with `all`. */
  async flush(all = false): Promise<void> {
    if (all && this.n > 0) this.seal()
    if (this.pending.length === 0 || (!all && this.pending.length < FLUSH_CHUNKS)) return
    const chunks = this.pending
    this.pending = []
    const entries = {keys: this.keys.pending, attrs: this.attrs.pending, dims: this.dims.pending}
    this.keys.pending = []
    this.attrs.pending = []
    this.dims.pending = []
    await this.db.exclusive(async () => {
      for (const role of ['keys', 'attrs', 'dims'] as const) {
        if (entries[role].length === 0) continue
        await this.append(this.tables[role], (a) => {
          for (const row of entries[role]) {
            a.appendInteger(row[0])
            for (const v of row.slice(1) as (string | null)[]) {
              if (v === null) a.appendNull()
              else a.appendVarchar(v)
            }
            a.endRow()
          }
        })
      }
      await this.append(this.tables.points, (a) => {
        for (const chunk of chunks) a.appendDataChunk(chunk)
      })
    })
  }

  /** Drops the staging tables (and `extra` TEMP tables derived from them). */
  async drop(extra: string[] = []): Promise<void> {
    this.pending = []
    for (const t of [...Object.values(this.tables), ...extra]) await this.db.run(`DROP TABLE IF EXISTS temp.main.${quoteIdent(t)}`).catch(() => undefined)
  }

  private async append(table: string, fill: (appender: DuckDBAppender) => void): Promise<void> {
    const appender = await this.db.connection.createAppender(table, 'main', 'temp')
    try {
      fill(appender)
    } finally {
      appender.closeSync()
    }
  }

  /** Turns the rows gathered so far into a data chunk (the values are copied into DuckDB memory). */
  private seal(): void {
    const n = this.n
    const chunk = this.api.DuckDBDataChunk.create(this.types, n)
    const cut = (a: Int32Array | Float64Array): DuckDBValue[] => (n === a.length ? a : a.subarray(0, n)) as unknown as DuckDBValue[]
    chunk.setColumnValues(0, cut(this.seq))
    chunk.setColumnValues(1, cut(this.keyId))
    chunk.setColumnValues(2, cut(this.attrId))
    chunk.setColumnValues(3, cut(this.dimsId))
    chunk.setColumnValues(4, cut(this.dateMs))
    chunk.setColumnValues(5, cut(this.dateUs))
    chunk.setColumnValues(6, cut(this.value))
    chunk.setColumnValues(7, cut(this.inc))
    this.pending.push(chunk)
    this.n = 0
  }
}
