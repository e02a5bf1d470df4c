import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ingestPoints} from '../../src/core/points.js'
import {type DemoSetup, type Requester, requester, setupDemo} from './helpers.js'

let s: DemoSetup
let call: Requester

beforeAll(async () => {
  s = await setupDemo()
  call = requester(s.catalog, {tokens: s.tokens})
  await ingestPoints(s.catalog, {points: [{metricKey: 'k', date: '2026-01-01', value: 1}]}, {source: 'a.ndjson'})
  await ingestPoints(s.catalog, {points: [{metricKey: 'k', date: 'bad', value: 1}]}, {source: 'b.ndjson'}).catch(() => undefined)
})
afterAll(() => s.cleanup())

describe('GET /api/jobs', () => {
  it('lists jobs newest first, filtered by status and a relative since', async () => {
    const all = await call('GET', '/api/jobs', {token: s.token.analyst})
    expect(all.status).toBe(200)
    expect(all.body.jobs.map((j: {source: string; status: string}) => [j.source, j.status])).toEqual([
      ['b.ndjson', 'failed'],
      ['a.ndjson', 'completed'],
    ])
    const failed = await call('GET', '/api/jobs?status=failed&since=30m&limit=5', {token: s.token.analyst})
    expect(failed.body.jobs).toHaveLength(1)
    expect(failed.body.jobs[0]).toMatchObject({kind: 'ingest', status: 'failed', error: expect.stringMatching(/date/)})
  })

  it('a bad parameter is a 400 naming it', async () => {
    expect((await call('GET', '/api/jobs?since=lately', {token: s.token.analyst})).body.error.message).toMatch(/--since "lately"/)
    expect((await call('GET', '/api/jobs?status=done', {token: s.token.analyst})).status).toBe(400)
  })
})
