import {statSync} from 'node:fs'

import {expect} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {TokenStore, type Role} from '../../src/core/tokens.js'
import {createApp, type AppOptions} from '../../src/server/app.js'
import {demoWithTokens, tempDir} from '../helpers.js'

export interface DemoSetup {
  dir: string
  db: string
  catalog: Catalog
  tokens: TokenStore
  /** one token per role */
  token: Record<Role, string>
  cleanup: () => void
}

/** A fresh database with the starter pack, the demo warehouse and one token per role (a copy of one made once per run). */
export async function setupDemo(): Promise<DemoSetup> {
  const {dir, cleanup} = tempDir('metricat-server-')
  const {db, token} = await demoWithTokens(dir, 'server.duckdb')
  const catalog = await openCatalog({db})
  return {
    dir,
    db,
    catalog,
    tokens: new TokenStore(catalog.db),
    token,
    cleanup: () => {
      catalog.close()
      cleanup()
    },
  }
}

export interface Call {
  status: number
  body: any
  headers: Headers
}

export type Requester = (method: string, url: string, options?: {token?: string; body?: unknown; raw?: string; headers?: Record<string, string>}) => Promise<Call>

/** `createApp(catalog).request(...)` with a token and a JSON (or raw) body; the reply parsed as JSON. */
export function requester(catalog: Catalog, options: AppOptions = {}): Requester {
  const app = createApp(catalog, options)
  return async (method, url, o = {}) => {
    const headers: Record<string, string> = {...o.headers}
    if (o.token) headers.authorization = `Bearer ${o.token}`
    let body: string | undefined = o.raw
    if (o.body !== undefined) {
      body = JSON.stringify(o.body)
      headers['content-type'] ??= 'application/json'
    }
    const res = await app.request(url, {method, headers, body})
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {}
    return {status: res.status, body: parsed, headers: res.headers}
  }
}

/** What a request must not change: definitions, versions, tokens, points and the warehouse's tables. */
export async function snapshot(catalog: Catalog): Promise<unknown> {
  return {
    definitions: await catalog.db.all('SELECT id, version, content_hash FROM mc.metricat.metric_definitions ORDER BY id'),
    versions: await catalog.db.all('SELECT count(*)::INTEGER AS n FROM mc.metricat.metric_versions'),
    tokens: await catalog.db.all('SELECT name, token_hash FROM mc.metricat.api_tokens ORDER BY name'),
    points: await catalog.db.all('SELECT count(*)::INTEGER AS n FROM mc.metricat.metric_points'),
    tables: await catalog.db.all(
      "SELECT schema_name, table_name, estimated_size::INTEGER AS rows FROM duckdb_tables() WHERE database_name = 'mc' AND table_name <> 'jobs' ORDER BY ALL",
    ),
  }
}

/**
 * The database file and its write-ahead log as the file system sees them (size and modification
 * time; `null` for a missing file). DuckDB appends every committed write to `<file>.wal` and a
 * checkpoint rewrites `<file>`, so an unchanged state means nothing was committed in between: a
 * stronger check than `snapshot` for what a request committed, at the cost of two `stat` calls
 * instead of five queries (~10 ms of CPU). It does not see a transaction left open: compare
 * `snapshot`s as well, once around the requests.
 */
export function fileState(db: string): {file: string | null; wal: string | null} {
  const state = (f: string) => {
    const st = statSync(f, {throwIfNoEntry: false})
    return st ? `${st.size} bytes, modified ${st.mtimeMs}` : null
  }
  return {file: state(db), wal: state(`${db}.wal`)}
}

/** The injection corpus (CONTRIBUTING.md, "SQL safety"): every identifier and filter path is tested against it. */
export const HOSTILE = [`'; drop table x --`, `a"b`, 'line\nbreak', "x'; DROP TABLE mc.main.orders; --", 'üñï\u0000code', '"); DELETE FROM mc.metricat.metric_definitions; --']

/**
 * The same rows: same keys and texts, numbers equal to 1e-9 relative. DuckDB sums DOUBLE columns
 * in parallel, so the last bits of a float sum can differ between two runs of the same query.
 */
export function expectSameRows(actual: Record<string, unknown>[], expected: Record<string, unknown>[]): void {
  expect(actual.length).toBe(expected.length)
  actual.forEach((row, i) => {
    const want = expected[i]!
    expect(Object.keys(row)).toEqual(Object.keys(want))
    for (const [k, v] of Object.entries(row)) {
      const w = want[k]
      if (typeof v === 'number' && typeof w === 'number') expect(Math.abs(v - w)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(w)))
      else expect(v).toEqual(w)
    }
  })
}
