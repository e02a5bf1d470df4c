import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {hashToken, TokenStore} from '../../src/core/tokens.js'
import {CatalogError} from '../../src/errors.js'
import {closeDiscarding, newCatalog, tempDir} from '../helpers.js'

let catalog: Catalog
let store: TokenStore
let cleanup: () => void
beforeEach(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  catalog = await newCatalog(t.dir)
  store = new TokenStore(catalog.db)
})
afterEach(async () => {
  await closeDiscarding(catalog)
  cleanup()
})

describe('TokenStore', () => {
  it('creates a random 32-byte token and stores only its sha256', async () => {
    const a = await store.createToken('ci', 'service')
    const b = await store.createToken('ci-2', 'service')
    expect(a.token).toMatch(/^mct_[A-Za-z0-9_-]{43}$/)
    expect(a.token).not.toBe(b.token)
    const rows = await catalog.db.all<Record<string, string>>('SELECT * FROM mc.metricat.api_tokens ORDER BY name')
    expect(rows[0]).toMatchObject({name: 'ci', role: 'service', token_hash: hashToken(a.token), prefix: a.token.slice(0, 10)})
    expect(JSON.stringify(rows)).not.toContain(a.token)
  })

  it('verifies a token to its name and role, and refuses an unknown one', async () => {
    const {token} = await store.createToken('me', 'analyst')
    expect(await store.verify(token)).toEqual({name: 'me', role: 'analyst'})
    expect(await store.verify(`${token}x`)).toBeUndefined()
  })

  it('lists tokens by name without the tokens', async () => {
    await store.createToken('b', 'admin')
    await store.createToken('a', 'analyst')
    const list = await store.listTokens()
    expect(list).toEqual([
      {name: 'a', role: 'analyst', prefix: expect.stringMatching(/^mct_/), created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)},
      {name: 'b', role: 'admin', prefix: expect.stringMatching(/^mct_/), created_at: expect.any(String)},
    ])
  })

  it('refuses a taken name with CONFLICT', async () => {
    await store.createToken('me', 'analyst')
    await expect(store.createToken('me', 'admin')).rejects.toMatchObject({code: 'CONFLICT'})
  })

  it('refuses a bad name or role with VALIDATION', async () => {
    await expect(store.createToken('has space', 'admin')).rejects.toBeInstanceOf(CatalogError)
    await expect(store.createToken('ok', 'root' as never)).rejects.toMatchObject({code: 'VALIDATION'})
  })

  it('revoking makes the token unknown at once; an unknown name is NOT_FOUND', async () => {
    const {token} = await store.createToken('me', 'analyst')
    expect(await store.verify(token)).toBeDefined()
    expect(await store.revokeToken('me')).toEqual({name: 'me', revoked: true})
    expect(await store.verify(token)).toBeUndefined()
    expect(await store.count()).toBe(0)
    await expect(store.revokeToken('me')).rejects.toMatchObject({code: 'NOT_FOUND'})
  })
})
