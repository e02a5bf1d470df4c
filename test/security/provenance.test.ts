// Issue 10 item 9: API clients cannot forge the source or the actor a change records.
import {userInfo} from 'node:os'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {TokenStore} from '../../src/core/tokens.js'
import {newCatalog, tempDir} from '../helpers.js'
import {type Requester, requester} from '../server/helpers.js'

let catalog: Catalog
let cleanup: () => void
let call: Requester
const LOCAL = 'mct_per-run-local-token-for-tests'
const token: Record<string, string> = {}

beforeAll(async () => {
  const t = tempDir('metricat-sec-prov-')
  cleanup = t.cleanup
  catalog = await newCatalog(t.dir)
  const tokens = new TokenStore(catalog.db)
  token.admin = (await tokens.createToken('admin-1', 'admin')).token
  // a token that is merely named like the local CLI's principal
  token.local = (await tokens.createToken('local', 'admin')).token
  call = requester(catalog, {tokens, localToken: LOCAL})
})
afterAll(() => {
  catalog?.close()
  cleanup()
})

const last = async (id: string) => (await catalog.history(id)).at(-1)!
const osUser = () => process.env.METRICAT_ACTOR || userInfo().username

describe('provenance is what the server knows, not what the request says', () => {
  it('an admin token cannot claim `source: yaml` in a metric body', async () => {
    const r = await call('POST', '/api/admin/metrics?category=prov', {token: token.admin, body: {name: 'a', sql: 'SELECT 1 AS value', source: 'yaml'}})
    if (r.status === 201) expect(await last('prov/a')).toMatchObject({source: 'api', actor: 'admin-1'})
    else expect(r.status).toBe(422) // refused as an unknown field: equally unforged
    const ok = await call('POST', '/api/admin/metrics?category=prov', {token: token.admin, body: {name: 'a', sql: 'SELECT 1 AS value'}})
    expect(ok.status).toBeLessThan(300)
    expect(await last('prov/a')).toMatchObject({source: 'api', actor: 'admin-1'})
  })

  it('an admin token cannot claim ?source=cli on delete or source: yaml on import', async () => {
    const del = await call('DELETE', '/api/admin/metrics/prov/a?source=cli', {token: token.admin})
    expect(del.status).toBe(200)
    expect(await last('prov/a')).toMatchObject({change: 'delete', source: 'api', actor: 'admin-1'})
    const imp = await call('POST', '/api/admin/import', {token: token.admin, body: {documents: [{file: 'b.yml', text: 'name: b\nsql: SELECT 1 AS value\n', category: 'prov'}], source: 'yaml'}})
    expect(imp.status).toBe(200)
    expect(await last('prov/b')).toMatchObject({source: 'api', actor: 'admin-1'})
    const yaml = await call('POST', '/api/admin/import?category=prov&source=yaml', {token: token.admin, raw: 'name: c\nsql: SELECT 1 AS value\n', headers: {'content-type': 'application/yaml'}})
    expect(yaml.status).toBe(200)
    expect(await last('prov/c')).toMatchObject({source: 'api', actor: 'admin-1'})
  })

  it('a token named `local` is recorded as the token `local`, not as the OS user, and cannot claim a source', async () => {
    const r = await call('POST', '/api/admin/import', {token: token.local, body: {documents: [{file: 'd.yml', text: 'name: d\nsql: SELECT 1 AS value\n', category: 'prov'}], source: 'yaml'}})
    expect(r.status).toBe(200)
    expect(await last('prov/d')).toMatchObject({source: 'api', actor: 'local'})
    await call('DELETE', '/api/admin/metrics/prov/d?source=cli', {token: token.local})
    expect(await last('prov/d')).toMatchObject({change: 'delete', source: 'api', actor: 'local'})
  })

  it("the server's per-run local token acts as the OS user and says where its change came from", async () => {
    const r = await call('POST', '/api/admin/import', {token: LOCAL, body: {documents: [{file: 'e.yml', text: 'name: e\nsql: SELECT 1 AS value\n', category: 'prov'}], source: 'yaml'}})
    expect(r.status).toBe(200)
    expect(await last('prov/e')).toMatchObject({source: 'yaml', actor: osUser()})
    await call('DELETE', '/api/admin/metrics/prov/e?source=cli', {token: LOCAL})
    expect(await last('prov/e')).toMatchObject({change: 'delete', source: 'cli', actor: osUser()})
  })
})
