// Issue 10 item 4: an admin token reaches the catalog, not the host. A metric created through
// the admin API cannot read or write files, erase a version history or insert a token.
import {existsSync} from 'node:fs'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {TokenStore} from '../../src/core/tokens.js'
import {newCatalog, tempDir} from '../helpers.js'
import {type Requester, requester, snapshot} from '../server/helpers.js'

let catalog: Catalog
let dir: string
let cleanup: () => void
let call: Requester
let admin: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir('metricat-sec-admin-'))
  catalog = await newCatalog(dir)
  await catalog.db.run(`CREATE TABLE mc.main.t AS SELECT DATE '2026-01-01' + CAST(i AS INTEGER) AS day, i::DOUBLE AS amount FROM range(3) r(i)`)
  const tokens = new TokenStore(catalog.db)
  admin = (await tokens.createToken('admin-1', 'admin')).token
  call = requester(catalog, {tokens})
  // one metric with a history to erase
  expect((await call('POST', '/api/admin/metrics?category=host', {token: admin, body: {name: 'kept', type: 'sum', table: 't', time_column: 'day', expression: 'amount'}})).status).toBe(201)
})
afterAll(() => {
  catalog?.close()
  cleanup()
})

const written = () => path.join(dir, 'written.csv')
const ATTEMPTS: Record<string, Record<string, unknown>> = {
  'read /etc/passwd with sql': {sql: "SELECT * FROM read_csv('/etc/passwd')"},
  'read /etc/passwd as a replacement scan': {sql: "SELECT * FROM '/etc/passwd'"},
  'read a file in the table query': {type: 'count', table: "SELECT content FROM read_text('/etc/passwd')", time_column: 'now()'},
  'read a file in the expression': {type: 'max', table: 't', time_column: 'day', expression: "(SELECT max(content) FROM read_text('/etc/passwd'))"},
  'write a file with COPY': {sql: `SELECT 1 AS value; COPY (SELECT 1) TO '@DIR@/written.csv'`},
  'write a file from a variant': {sql: 'SELECT 1 AS value', sql_by_x: `COPY (SELECT 1) TO '@DIR@/written.csv'`},
  'erase a history': {sql: 'DELETE FROM mc.metricat.metric_versions'},
  'erase a history from an expression': {type: 'sum', table: 't', time_column: 'day', expression: 'amount) AS v FROM t; DELETE FROM mc.metricat.metric_versions; SELECT (1'},
  'erase a history from a filter': {type: 'sum', table: 't', time_column: 'day', expression: 'amount', filters: ['true); DELETE FROM mc.metricat.metric_versions; SELECT (1']},
  'insert a token': {sql: "INSERT INTO mc.metricat.api_tokens (name, role, token_hash, prefix, created_at) VALUES ('x', 'admin', 'h', 'mct_', now())"},
  'insert a token from the table': {type: 'count', table: "t; INSERT INTO mc.metricat.api_tokens VALUES ('x', 'admin', 'h', 'mct_', now())", time_column: 'day'},
  'attach another database': {sql: `SELECT 1 AS value; ATTACH '@DIR@/other.duckdb' AS other`},
  'turn file access back on': {sql: 'SET enable_external_access = true'},
}

describe('an admin-created metric cannot reach the host or rewrite the catalog', () => {
  for (const [what, body] of Object.entries(ATTEMPTS)) {
    it(what, async () => {
      const before = await snapshot(catalog)
      const withDir = JSON.parse(JSON.stringify(body).replaceAll('@DIR@', dir)) as Record<string, unknown>
      const created = await call('POST', '/api/admin/metrics?category=host', {token: admin, body: {name: 'evil', ...withDir}})
      // refused as a definition (422), or stored as a harmless quoted table name that cannot run
      if (created.status < 300) {
        const q = await call('POST', '/api/metrics/host/evil/query', {token: admin, body: {}})
        expect(q.status).toBeGreaterThanOrEqual(400)
        expect(JSON.stringify(q.body)).not.toContain('root:')
        await call('DELETE', '/api/admin/metrics/host/evil', {token: admin})
      } else {
        expect(created.status).toBe(422)
        expect(created.body.error.message).toMatch(/must be exactly one/)
        expect(await snapshot(catalog)).toEqual(before)
      }
      expect(JSON.stringify(created.body)).not.toContain('root:')
      expect(existsSync(written())).toBe(false)
      expect(existsSync(path.join(dir, 'other.duckdb'))).toBe(false)
      expect((await catalog.history('host/kept')).length).toBe(1)
      expect((await new TokenStore(catalog.db).listTokens()).map((t) => t.name)).toEqual(['admin-1'])
    })
  }

  it('the same attempts through the admin import route are refused as a whole', async () => {
    const before = await snapshot(catalog)
    const r = await call('POST', '/api/admin/import', {token: admin, body: {documents: [
      {file: 'ok.yml', category: 'host', text: 'name: fine\nsql: SELECT 1 AS value\n'},
      {file: 'bad.yml', category: 'host', text: 'name: bad\nsql: "DELETE FROM mc.metricat.metric_versions"\n'},
    ]}})
    expect(r.status).toBe(422)
    expect(r.body.error.message).toMatch(/^bad\.yml:1:1 \/sql: sql must be exactly one read-only query/)
    expect(await snapshot(catalog)).toEqual(before)
  })
})
