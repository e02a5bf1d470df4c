import {randomBytes} from 'node:crypto'

import type {Database, Tx} from '../db/connection.js'
import {pointsScope, recordChanges} from '../db/data-versions.js'
import {CatalogError} from '../errors.js'
import {clickhouseLiteral, quoteIdentClickHouse} from '../query/dialect.js'
import {type ClickHouseUrl, clickhouseMessage, isClickHouseUrl, parseClickHouseUrl, redact} from '../warehouse/clickhouse.js'
import type {Warehouse} from '../warehouse/types.js'
import type {PointsBatch, PointsStore} from './store.js'
import type {NormalizedPoint} from './types.js'

type ClickHouseClient = import('@clickhouse/client').ClickHouseClient

/*
 * Points on a ClickHouse server (`--points clickhouse://...`, README "Points on ClickHouse").
 *
 * One table, `<database>.metric_points`, a ReplacingMergeTree ordered by the upsert key with a
 * `version` column: a re-sent point is a new row with a higher version, and every read uses FINAL,
 * which keeps the highest version of each key. A write inserts only the points that are new or
 * changed (compared with the stored FINAL rows), so re-sending a point writes nothing.
 *
 * Ingest: points are checked as for the file, then sent in batches (JSONEachRow) to a staging
 * table (`metric_points_stage_<random>`, dropped at the end); once the whole input is valid, the
 * batch is deduplicated (the last one wins) and compared with the stored rows into a second
 * staging table (`..._cmp`), and one INSERT ... SELECT writes the new and changed rows.
 * ClickHouse has no transactions: a process killed during that INSERT may leave part of it (each
 * block is atomic), and a killed ingest can leave a staging table behind (nothing reads it).
 *
 * Exactness: `value` travels as the 64 bits of the double (18.16 parses decimal text with a fast,
 * not always correctly rounded, parser); `date` as microseconds since 1970 (Int64), compared
 * exactly; buckets read it as DateTime('UTC'), so dates before 1970 or from 2106 are refused.
 * Absent connectorKey/sourceKind are '' (names are never empty).
 *
 * `op: increment` is refused: an atomic read-modify-write needs the file's write transaction.
 */

/** The points store a `--points` / METRICAT_POINTS value names: only `clickhouse://` URLs (the file is the default). */
export function openPointsStore(url: string): ClickHousePoints {
  if (!isClickHouseUrl(url)) {
    throw new CatalogError('BAD_REQUEST', `bad --points ${JSON.stringify(redact(url))}: expected clickhouse://[user[:password]@]host:port/database (leave it out to keep points in the metricat file)`, {points: redact(url)})
  }
  return new ClickHousePoints(url)
}

/** Microseconds since 1970 that a DateTime can hold: [1970-01-01, 2106-02-07). */
const MAX_US = 4_294_967_295 * 1_000_000

/** The key columns, in ORDER BY order (the upsert key of README "The point format"). */
const KEY = ['metric_key', 'data_source_id', 'entity_kind', 'entity_id', 'granularity', 'date_us', 'dimensions']

const STAGE_COLUMNS = `seq UInt64, metric_key String, data_source_id String, entity_kind String, entity_id String, granularity String,
  date_us Int64, dimensions String, dim_keys Array(String), dim_values Array(String), value_bits UInt64, connector_key String, source_kind String`

/** Rows per JSONEachRow request while an input is read. */
const SEND_ROWS = 50_000

/**
 * A `version` no earlier write of this process used: microseconds now, strictly increasing. Other
 * writers (another process, another machine) have other clocks, so every row written also takes
 * at least the stored row's version + 1 (`atLeastAbove`): a later write of a key always wins.
 */
let lastVersion = 0n
function nextVersion(): bigint {
  const now = BigInt(Date.now()) * 1000n
  lastVersion = now > lastVersion ? now : lastVersion + 1n
  return lastVersion
}

/** `version`, or the stored row's version (`column`, 0 for no stored row) + 1 when that is higher. */
function atLeastAbove(version: bigint, column: string): string {
  return `greatest(toUInt64(${version}), ${column} + 1)`
}

function usText(us: number): string {
  const ms = Math.floor(us / 1000)
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(us - Math.floor(us / 1_000_000) * 1_000_000).padStart(6, '0')}`
}

/** The points store on a ClickHouse server; the table is created on first use. */
export class ClickHousePoints implements PointsStore {
  readonly kind = 'clickhouse' as const
  readonly label: string
  readonly table: string
  private client: ClickHouseClient | undefined
  private ready: Promise<void> | undefined

  constructor(
    readonly url: string,
    readonly target: ClickHouseUrl = parseClickHouseUrl(url, 'points'),
  ) {
    this.label = `ClickHouse at ${target.host}:${target.port}/${target.database}`
    this.table = `${quoteIdentClickHouse(target.database)}.metric_points`
  }

  private async connect(): Promise<ClickHouseClient> {
    if (!this.client) {
      const {createClient} = await import('@clickhouse/client')
      this.client = createClient({
        url: `http://${this.target.host}:${this.target.port}`,
        username: this.target.username,
        password: this.target.password,
        database: this.target.database,
        // a CLI command must not wait for idle sockets to time out before it can exit
        keep_alive: {enabled: false},
        // FINAL must merge the versions of a key before `deleted = 0` (or any non-key condition)
        // drops rows; 18.16 would otherwise move such conditions to PREWHERE, before the merge
        clickhouse_settings: {optimize_move_to_prewhere: 0},
      })
    }
    return this.client
  }

  /** Runs a statement; ClickHouse errors become one-line POINTS_STORE errors. */
  async command(sql: string): Promise<void> {
    const client = await this.connect()
    try {
      await client.command({query: sql})
    } catch (error) {
      throw this.failed(error)
    }
  }

  /** Rows of a SELECT (64-bit integers as strings, as ClickHouse writes them in JSON). */
  async rows<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const client = await this.connect()
    try {
      const result = await client.query({query: sql, format: 'JSONEachRow'})
      return (await result.json()) as T[]
    } catch (error) {
      throw this.failed(error)
    }
  }

  async insert(table: string, values: Record<string, unknown>[]): Promise<void> {
    const client = await this.connect()
    try {
      await client.insert({table, values, format: 'JSONEachRow'})
    } catch (error) {
      throw this.failed(error)
    }
  }

  failed(error: unknown): CatalogError {
    if (error instanceof CatalogError) return error
    const cause = error as {code?: string; message?: string}
    const unreachable = cause?.code === 'ECONNREFUSED' || /ECONNREFUSED|ENOTFOUND|socket hang up/.test(String(cause?.message))
    return new CatalogError(
      'QUERY_FAILED',
      unreachable ? `cannot reach the points store, ${this.label}: ${String(cause?.message ?? error).split('\n')[0]}` : `points store ${this.label}: ${clickhouseMessage(error)}`,
      {points: redact(this.url)},
      {cause: error},
    )
  }

  /** Creates the database's points table when it is missing (idempotent). */
  ensureTable(): Promise<void> {
    this.ready ??= this.command(
      `CREATE TABLE IF NOT EXISTS ${this.table} (
  metric_key String, data_source_id String, entity_kind String, entity_id String, granularity String,
  date_us Int64, dimensions String, dim_keys Array(String), dim_values Array(String),
  value Float64, connector_key String, source_kind String,
  deleted UInt8, updated_at DateTime('UTC'), version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (${KEY.join(', ')})`,
    ).catch((error) => {
      this.ready = undefined
      throw error
    })
    return this.ready
  }

  /** The live points (FINAL, tombstones left out), for queries: `<source> WHERE ...`. */
  get liveRows(): string {
    return `${this.table} FINAL`
  }

  async batch(db: Database): Promise<PointsBatch> {
    void db
    await this.ensureTable()
    return new ClickHouseBatch(this)
  }

  /**
   * `warehouse` (this server as a ClickHouse warehouse, where metrics computed from points run)
   * with the points table created before its first statement, so a metric over no points yet
   * answers with no rows rather than a missing table.
   */
  withTable(warehouse: Warehouse): Warehouse {
    const ensure = () => this.ensureTable()
    return new Proxy(warehouse, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown
        if (typeof value !== 'function') return value
        const bound = (value as (...args: unknown[]) => unknown).bind(target)
        return prop === 'query' || prop === 'stream' || prop === 'describe' ? async (...args: unknown[]) => (await ensure(), bound(...args)) : bound
      },
    })
  }

  /** `sources remove --delete-points`: tombstones for every live point of the data source; returns how many and their metric keys. */
  async deleteSource(dataSourceId: string): Promise<{deleted: number; metricKeys: string[]}> {
    await this.ensureTable()
    const live = `FROM ${this.liveRows} WHERE deleted = 0 AND data_source_id = ${clickhouseLiteral(dataSourceId)}`
    const keys = await this.rows<{k: string; n: string}>(`SELECT metric_key AS k, count() AS n ${live} GROUP BY metric_key`)
    const deleted = keys.reduce((a, r) => a + Number(r.n), 0)
    if (deleted > 0) {
      await this.command(
        `INSERT INTO ${this.table} (${KEY.join(', ')}, dim_keys, dim_values, value, connector_key, source_kind, deleted, updated_at, version)
SELECT ${KEY.join(', ')}, dim_keys, dim_values, value, connector_key, source_kind, 1, now(), ${atLeastAbove(nextVersion(), 'version')} ${live}`,
      )
    }
    return {deleted, metricKeys: keys.map((r) => r.k)}
  }

  async close(): Promise<void> {
    await this.client?.close()
    this.client = undefined
  }
}

class ClickHouseBatch implements PointsBatch {
  private readonly stage: string
  /** the batch compared with the stored rows, once (`dedup`): one row per key with `__h` (stored) and `__changed` */
  private readonly comparedTable: string
  private created = false
  private pending: Record<string, unknown>[] = []
  private seq = 0
  /** per metric key: the batch's earliest and latest date (µs), for data_changes */
  private readonly ranges = new Map<string, {lo: number; hi: number}>()
  private readonly bits = Buffer.alloc(8)

  constructor(private readonly store: ClickHousePoints) {
    const name = `metric_points_stage_${randomBytes(8).toString('hex')}`
    this.stage = `${quoteIdentClickHouse(store.target.database)}.${quoteIdentClickHouse(name)}`
    this.comparedTable = `${quoteIdentClickHouse(store.target.database)}.${quoteIdentClickHouse(`${name}_cmp`)}`
  }

  add(p: NormalizedPoint): void {
    if (p.increment) {
      throw new CatalogError(
        'BAD_REQUEST',
        `point of ${p.metricKey}: op "increment" is not supported when points are stored on ClickHouse (${this.store.label}): an atomic add needs the metricat file's write transaction; send the running total with op "replace", or keep counters in the file`,
        {metricKey: p.metricKey},
      )
    }
    const us = p.dateMs * 1000 + p.dateUs
    if (us < 0 || us >= MAX_US) {
      throw new CatalogError('BAD_REQUEST', `point of ${p.metricKey} dated ${usText(us)}: points on ClickHouse must be dated from 1970-01-01 to 2106-02-06 (UTC), what its DateTime holds`, {
        metricKey: p.metricKey,
      })
    }
    const dims = JSON.parse(p.dimensions) as Record<string, string>
    this.bits.writeDoubleLE(p.value)
    this.pending.push({
      seq: this.seq++,
      metric_key: p.metricKey,
      data_source_id: p.dataSourceId,
      entity_kind: p.entityKind,
      entity_id: p.entityId,
      granularity: p.granularity,
      date_us: us,
      dimensions: p.dimensions,
      dim_keys: Object.keys(dims),
      dim_values: Object.values(dims),
      value_bits: this.bits.readBigUInt64LE().toString(),
      connector_key: p.connectorKey ?? '',
      source_kind: p.sourceKind ?? '',
    })
    const range = this.ranges.get(p.metricKey)
    if (!range) this.ranges.set(p.metricKey, {lo: us, hi: us})
    else {
      if (us < range.lo) range.lo = us
      if (us > range.hi) range.hi = us
    }
  }

  async flush(all = false): Promise<void> {
    if (this.pending.length === 0 || (!all && this.pending.length < SEND_ROWS)) return
    if (!this.created) {
      await this.store.command(`CREATE TABLE ${this.stage} (${STAGE_COLUMNS}) ENGINE = Log`)
      this.created = true
    }
    const rows = this.pending
    this.pending = []
    await this.store.insert(this.stage, rows)
  }

  /** The batch, one row per key (the last point wins), beside the stored row of that key (`__h` = 1 when there is one). */
  private compared(): string {
    const keys = KEY.join(', ')
    return `SELECT * FROM (
  SELECT ${keys},
    tupleElement(t, 1) AS dim_keys, tupleElement(t, 2) AS dim_values,
    reinterpretAsFloat64(reinterpretAsString(tupleElement(t, 3))) AS value,
    tupleElement(t, 4) AS connector_key, tupleElement(t, 5) AS source_kind
  FROM (
    SELECT ${keys}, argMax((dim_keys, dim_values, value_bits, connector_key, source_kind), seq) AS t
    FROM ${this.stage}
    GROUP BY ${keys}
  ) AS __last
) AS __batch ALL LEFT JOIN (
  SELECT ${keys}, value AS __old_value, connector_key AS __old_ck, source_kind AS __old_sk, toUInt8(deleted = 0) AS __h, version AS __old_version
  FROM ${this.store.liveRows}
  WHERE metric_key IN (SELECT metric_key FROM ${this.stage})
) AS __stored USING (${keys})`
  }

  private static readonly CHANGED = '(__h = 0 OR __old_value != value OR __old_ck != connector_key OR __old_sk != source_kind)'

  private counts = {distinct: 0, inserted: 0, updated: 0}

  async dedup(): Promise<number> {
    if (!this.created) return 0
    await this.store.command(
      `CREATE TABLE ${this.comparedTable} ENGINE = Log AS
SELECT ${KEY.join(', ')}, dim_keys, dim_values, value, connector_key, source_kind, __h, __old_version, toUInt8(${ClickHouseBatch.CHANGED}) AS __changed
FROM (${this.compared()}) AS __compared`,
    )
    const [row] = await this.store.rows<{n: string; inserted: string; updated: string}>(
      `SELECT count() AS n, countIf(__h = 0) AS inserted, countIf(__h = 1 AND __changed = 1) AS updated FROM ${this.comparedTable}`,
    )
    this.counts = {distinct: Number(row!.n), inserted: Number(row!.inserted), updated: Number(row!.updated)}
    return this.counts.distinct
  }

  async write(tx: Tx, options: {stamp: string; distinct: number; replaceSource?: string}): Promise<{distinct: number; inserted: number; updated: number; unchanged: number; deleted: number}> {
    const version = nextVersion()
    let deleted = 0
    if (options.replaceSource !== undefined && this.created) deleted = await this.replace(options.replaceSource, version)
    const {inserted, updated} = this.counts
    if (inserted + updated > 0) {
      await this.store.command(
        `INSERT INTO ${this.store.table} (${KEY.join(', ')}, dim_keys, dim_values, value, connector_key, source_kind, deleted, updated_at, version)
SELECT ${KEY.join(', ')}, dim_keys, dim_values, value, connector_key, source_kind, 0, toDateTime(${clickhouseLiteral(options.stamp.slice(0, 19))}, 'UTC'), ${atLeastAbove(version, '__old_version')}
FROM ${this.comparedTable}
WHERE __changed = 1`,
      )
    }
    const snapshot = options.replaceSource !== undefined
    await recordChanges(
      tx,
      [...this.ranges].map(([key, r]) =>
        snapshot
          ? {scope: pointsScope(key), kind: 'replace' as const}
          : {scope: pointsScope(key), kind: 'points' as const, ranges: [{column: 'date', lo: usText(r.lo), hi: usText(r.hi)}]},
      ),
    )
    return {distinct: options.distinct, inserted, updated, unchanged: options.distinct - inserted - updated, deleted}
  }

  /** Snapshot sources: tombstones (deleted = 1, a higher version) for the source's points of the batch's keys that the batch does not hold again. */
  private async replace(dataSourceId: string, version: bigint): Promise<number> {
    const keys = KEY.join(', ')
    const source = clickhouseLiteral(dataSourceId)
    const gone = `FROM ${this.store.liveRows}
WHERE deleted = 0 AND data_source_id = ${source}
  AND metric_key IN (SELECT metric_key FROM ${this.stage} WHERE data_source_id = ${source})
  AND (${keys}) NOT IN (SELECT ${keys} FROM ${this.stage})`
    const [row] = await this.store.rows<{n: string}>(`SELECT count() AS n ${gone}`)
    const n = Number(row!.n)
    if (n > 0) {
      await this.store.command(
        `INSERT INTO ${this.store.table} (${keys}, dim_keys, dim_values, value, connector_key, source_kind, deleted, updated_at, version)
SELECT ${keys}, dim_keys, dim_values, value, connector_key, source_kind, 1, now(), ${atLeastAbove(version, 'version')} ${gone}`,
      )
    }
    return n
  }

  async drop(): Promise<void> {
    if (!this.created) return
    for (const table of [this.stage, this.comparedTable]) await this.store.command(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined)
  }
}
