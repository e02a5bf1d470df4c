// Issue 10 item 8: the server answers only requests whose Host is its bound address or a name
// given with --allowed-host, so a page that rebinds its own DNS name to 127.0.0.1 is refused.
import http from 'node:http'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {allowedHostNames} from '../../src/server/host.js'
import {startServer} from '../../src/server/start.js'
import {newCatalog, tempDir} from '../helpers.js'
import {requester} from '../server/helpers.js'

let catalog: Catalog
let cleanup: () => void

beforeAll(async () => {
  const t = tempDir('metricat-sec-host-')
  cleanup = t.cleanup
  catalog = await newCatalog(t.dir)
})
afterAll(() => {
  catalog?.close()
  cleanup()
})

describe('Host header check (DNS rebinding)', () => {
  it('a loopback server accepts its address and the loopback names, and a configured name', () => {
    const names = allowedHostNames('127.0.0.1', ['metrics.example.com'])
    expect([...names].sort()).toEqual(['127.0.0.1', '::1', 'localhost', 'metrics.example.com'])
    expect(allowedHostNames('0.0.0.0').has('127.0.0.1')).toBe(true)
    expect(allowedHostNames('0.0.0.0').has('evil.example')).toBe(false)
    expect(allowedHostNames('10.1.2.3').has('localhost')).toBe(false)
  })

  it('--public-read reads from a rebound name are refused with 403; the bound address works', async () => {
    const call = requester(catalog, {publicRead: true, allowedHosts: allowedHostNames('127.0.0.1')})
    const evil = await call('GET', '/api/metrics', {headers: {host: 'attacker.example:8787'}})
    expect(evil.status).toBe(403)
    expect(evil.body.error).toMatchObject({code: 'FORBIDDEN', message: expect.stringMatching(/^Host "attacker\.example:8787" is not an address of this server; to accept it, start `metricat serve --allowed-host attacker\.example`/)})
    expect((await call('GET', '/api/health', {headers: {host: 'attacker.example'}})).status).toBe(403)
    expect((await call('GET', '/api/metrics', {headers: {host: '127.0.0.1:8787'}})).status).toBe(200)
    expect((await call('GET', '/api/metrics', {headers: {host: 'localhost:8787'}})).status).toBe(200)
    expect((await call('GET', '/api/metrics', {headers: {host: '[::1]:8787'}})).status).toBe(200)
  })

  it('a running server checks the Host of real requests', async () => {
    const server = await startServer(catalog, {host: '127.0.0.1', port: 0, publicRead: true, allowedHosts: ['metrics.internal']})
    try {
      const {port} = new URL(server.url)
      const get = (host: string) =>
        new Promise<number>((resolve, reject) => {
          const req = http.request({host: '127.0.0.1', port: Number(port), path: '/api/metrics', headers: {host}}, (res) => {
            res.resume()
            resolve(res.statusCode ?? 0)
          })
          req.on('error', reject)
          req.end()
        })
      expect(await get('rebound.example')).toBe(403)
      expect(await get(`127.0.0.1:${port}`)).toBe(200)
      expect(await get('metrics.internal')).toBe(200)
    } finally {
      await server.stop()
      catalog = await (await import('../../src/core/catalog.js')).openCatalog({db: catalog.file})
    }
  })
})
