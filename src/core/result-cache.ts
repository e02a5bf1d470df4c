import {pointsScope, readDataVersion} from '../db/data-versions.js'
import type {Catalog} from './catalog.js'

/** `metricat serve --cache-ttl` / `--cache-size` defaults. */
export const CACHE_DEFAULTS = {ttlSeconds: 60, maxMegabytes: 64}

export interface CacheStats {
  hits: number
  misses: number
  entries: number
  /** size of the cached results as JSON text */
  bytes: number
  max_bytes: number
  ttl_seconds: number
  /** entries dropped to stay within max_bytes */
  evictions: number
}

interface Entry {
  value: object
  bytes: number
  expires: number
}

/**
 * Query results in memory, least recently used first out once their JSON size passes `maxBytes`,
 * each kept at most `ttlMs`. Keys carry the data version of what the result read (see
 * `cachedResult`), so a write makes old entries unreachable; the TTL bounds what no version
 * tracks (a `--warehouse` file or tables written by other tools). A TTL of 0 turns it off.
 */
export class ResultCache {
  private readonly entries = new Map<string, Entry>()
  private bytes = 0
  private hits = 0
  private misses = 0
  private evictions = 0

  constructor(
    readonly ttlMs: number,
    readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0 && this.maxBytes > 0
  }

  get(key: string): object | undefined {
    const entry = this.entries.get(key)
    if (entry && entry.expires > this.now()) {
      // Map keeps insertion order: re-inserting makes this the most recently used
      this.entries.delete(key)
      this.entries.set(key, entry)
      this.hits++
      return entry.value
    }
    if (entry) this.remove(key, entry)
    this.misses++
    return undefined
  }

  set(key: string, value: object, bytes: number): void {
    if (!this.enabled || bytes > this.maxBytes) return
    const old = this.entries.get(key)
    if (old) this.remove(key, old)
    this.entries.set(key, {value, bytes, expires: this.now() + this.ttlMs})
    this.bytes += bytes
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break
      this.remove(k, e)
      this.evictions++
    }
  }

  clear(): {cleared: number} {
    const cleared = this.entries.size
    this.entries.clear()
    this.bytes = 0
    return {cleared}
  }

  stats(): CacheStats {
    return {hits: this.hits, misses: this.misses, entries: this.entries.size, bytes: this.bytes, max_bytes: this.maxBytes, ttl_seconds: this.ttlMs / 1000, evictions: this.evictions}
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key)
    this.bytes -= entry.bytes
  }
}

/** JSON with object keys sorted, so two spellings of one request are one key. */
export function canonicalKey(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  )
}

/**
 * A result through the cache: the key is the request plus the highest data version of `scopes`
 * (read from the database on every call, so writes by any process count); on a miss `run`
 * computes it and it is stored. The result carries `cached`. Without a cache (or disabled) it
 * just runs.
 */
export async function cachedResult<T extends object>(
  catalog: Catalog,
  cache: ResultCache | undefined,
  request: {kind: string; [k: string]: unknown},
  scopes: () => Promise<string[] | '*'>,
  run: () => Promise<T>,
): Promise<T & {cached: boolean}> {
  // Data versions only track writes to the DuckDB file: a ClickHouse warehouse, and points stored
  // on ClickHouse (which another metricat, with another file, may write), change without them, so
  // results read from there are never cached (they would outlive the data they were computed from).
  if (!cache?.enabled || catalog.warehouse.dialect !== 'duckdb') return {...(await run()), cached: false}
  const read = await scopes()
  const points = pointsScope('')
  if (catalog.pointsStore.kind !== 'duckdb' && (request.kind === 'points' || read === '*' || read.some((s) => s.startsWith(points)))) return {...(await run()), cached: false}
  const version = await readDataVersion(catalog.db, read)
  const key = canonicalKey({...request, data_version: version})
  const hit = cache.get(key)
  if (hit) return {...(hit as T), cached: true}
  const result = await run()
  cache.set(key, result, Buffer.byteLength(JSON.stringify(result)))
  return {...result, cached: false}
}
