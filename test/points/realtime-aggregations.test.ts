import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {openCatalog} from '../../src/core/catalog.js'
import {ingestPoints, queryPoints} from '../../src/core/points.js'
import {TokenStore} from '../../src/core/tokens.js'
import {startServer, type RunningServer} from '../../src/server/start.js'
import {emptyDatabase, newCatalog, runCommand, tempDir} from '../helpers.js'

// Realtime point aggregations: counters (op: increment), percentiles, rate and the minute bucket.

let dir: string
let cleanup: () => void
let catalog: Catalog

beforeAll(async () => {
  ;({dir, cleanup} = tempDir('metricat-realtime-'))
  catalog = await newCatalog(dir)
})
afterAll(() => {
  catalog.close()
  cleanup()
})

const stored = async (c: Catalog, key: string): Promise<number[]> =>
  (await c.db.all<{value: number}>('SELECT value FROM mc.metricat.metric_points WHERE metric_key = $1 ORDER BY dimensions', [key])).map((r) => r.value)

describe('op: increment', () => {
  it('adds increments to the stored value, starting from 0', async () => {
    const inc = (value: number) => ({metricKey: 'visits', date: '2026-01-01', value, op: 'increment'})
    const first = await ingestPoints(catalog, {points: [inc(2), inc(3)]})
    expect(first).toMatchObject({inserted: 1, updated: 0, duplicates: 1})
    expect(await stored(catalog, 'visits')).toEqual([5])
    const second = await ingestPoints(catalog, {points: [inc(4)]})
    expect(second).toMatchObject({inserted: 0, updated: 1})
    expect(await stored(catalog, 'visits')).toEqual([9])
  })

  it('keeps replace as the default: a point without op replaces the counter', async () => {
    await ingestPoints(catalog, {points: [{metricKey: 'gauge', date: '2026-01-01', value: 7, op: 'increment'}]})
    await ingestPoints(catalog, {points: [{metricKey: 'gauge', date: '2026-01-01', value: 1}]})
    expect(await stored(catalog, 'gauge')).toEqual([1])
  })

  it('applies the points of one key in batch order: increments after the last replace add to it', async () => {
    await ingestPoints(catalog, {points: [{metricKey: 'order', date: '2026-01-01', value: 100}]})
    await ingestPoints(catalog, {
      points: [
        {metricKey: 'order', date: '2026-01-01', value: 1, op: 'increment'},
        {metricKey: 'order', date: '2026-01-01', value: 10, op: 'replace'},
        {metricKey: 'order', date: '2026-01-01', value: 5, op: 'increment'},
        {metricKey: 'order', date: '2026-01-01', value: 0.5, op: 'increment'},
      ],
    })
    expect(await stored(catalog, 'order')).toEqual([15.5])
  })

  it('counts each dimension combination separately and leaves a zero increment unchanged', async () => {
    const p = (platform: string, value: number) => ({metricKey: 'clicks', date: '2026-01-01', value, op: 'increment', dimensions: {platform}})
    await ingestPoints(catalog, {points: [p('a', 1), p('b', 2), p('a', 3)]})
    expect(await stored(catalog, 'clicks')).toEqual([4, 2])
    const r = await ingestPoints(catalog, {points: [p('a', 0)]})
    expect(r).toMatchObject({inserted: 0, updated: 0, unchanged: 1})
    expect(await stored(catalog, 'clicks')).toEqual([4, 2])
  })

  it('rejects an unknown op with the point named', async () => {
    await expect(ingestPoints(catalog, {points: [{metricKey: 'x', date: '2026-01-01', value: 1, op: 'add'}]})).rejects.toMatchObject({
      code: 'VALIDATION',
      details: {problems: [expect.objectContaining({path: '/points/0/op', message: expect.stringContaining('replace, increment')})]},
    })
  })

  it('adds up every increment of concurrent HTTP requests to one server, and of CLI ingests going through it', async () => {
    const c = await newCatalog(dir, 'served.duckdb')
    const token = (await new TokenStore(c.db).createToken('etl', 'service')).token
    let server: RunningServer | undefined
    try {
      server = await startServer(c, {host: '127.0.0.1', port: 0})
      const url = server.url
      const body = (value: number, dims?: Record<string, string>) =>
        JSON.stringify({points: [{metricKey: 'requests', date: '2026-03-01T10:00:00Z', value, op: 'increment', ...(dims ? {dimensions: dims} : {})}]})
      const send = (b: string) =>
        fetch(`${url}/api/metrics/ingest`, {method: 'POST', headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'}, body: b}).then(async (r) => {
          expect(r.status).toBe(200)
          return r.json()
        })
      // 40 requests in flight at once: 1..40 adds up to 820
      await Promise.all(Array.from({length: 40}, (_, i) => send(body(i + 1))))
      expect(await stored(c, 'requests')).toEqual([820])

      // CLI ingests through the server, 5 at once
      const file = path.join(dir, 'inc.ndjson')
      writeFileSync(file, `${JSON.stringify({metricKey: 'requests', date: '2026-03-01T10:00:00Z', value: 2, op: 'increment'})}\n`.repeat(3))
      const runs = await Promise.all(Array.from({length: 5}, () => runCommand(['ingest', file, '--server', url, '--json'], {env: {METRICAT_TOKEN: token}})))
      for (const r of runs) expect(r.code, r.stderr).toBe(0)
      expect(await stored(c, 'requests')).toEqual([820 + 5 * 6])
    } finally {
      await server?.stop()
    }
  })

  it('CLI ingest on the file adds increments too', async () => {
    const db = path.join(dir, 'cli.duckdb')
    await emptyDatabase(dir, 'cli.duckdb')
    const file = path.join(dir, 'cli-inc.ndjson')
    writeFileSync(file, ['{"metricKey":"jobs","date":"2026-01-01","value":1,"op":"increment"}', '{"metricKey":"jobs","date":"2026-01-01","value":2,"op":"increment"}', ''].join('\n'))
    for (let i = 0; i < 3; i++) expect((await runCommand(['ingest', file, '--db', db])).code).toBe(0)
    const r = await runCommand(['points', 'jobs', '--bucket', 'none', '--db', db, '--json'])
    expect(JSON.parse(r.stdout).rows).toEqual([{value: 9}])
  })
})

describe('percentiles, rate and the minute bucket', () => {
  beforeAll(async () => {
    // one minute bucket with 1, 2, 3, 4, 10; the next minute empty; then 5
    const lat = [1, 2, 3, 4, 10].map((value, i) => ({metricKey: 'latency', date: `2026-02-01T10:00:${String(i * 10).padStart(2, '0')}Z`, value}))
    lat.push({metricKey: 'latency', date: '2026-02-01T10:02:30Z', value: 5})
    // 120 hits in 10:00-10:01, 60 in 10:30-10:31
    const hits = [
      {metricKey: 'hits', date: '2026-02-01T10:00:05Z', value: 100},
      {metricKey: 'hits', date: '2026-02-01T10:00:55Z', value: 20},
      {metricKey: 'hits', date: '2026-02-01T10:30:00Z', value: 60},
    ]
    await ingestPoints(catalog, {points: [...lat, ...hits]})
  })

  const values = async (agg: string, extra: Record<string, unknown> = {}) =>
    (await queryPoints(catalog, {key: 'latency', bucket: 'minute', agg: agg as never, from: '2026-02-01T10:00:00Z', to: '2026-02-01T10:03:00Z', ...extra})).rows

  it('p50, p90, p95 and p99 interpolate between the two nearest values', async () => {
    // sorted 1 2 3 4 10: position (n-1)*q = 4q; p90 -> 3.6 -> 4 + 0.6*(10-4)
    const at = async (agg: string) => (await values(agg))[0]!.value as number
    expect(await at('p50')).toBe(3)
    expect(await at('p90')).toBeCloseTo(7.6, 12)
    expect(await at('p95')).toBeCloseTo(8.8, 12)
    expect(await at('p99')).toBeCloseTo(9.76, 12)
  })

  it('percentile:F takes any fraction from 0 to 1', async () => {
    expect((await values('percentile:0.75'))[0]!.value).toBe(4)
    expect((await values('percentile:0.125'))[0]!.value).toBeCloseTo(1.5, 12)
    expect((await values('percentile:0'))[0]!.value).toBe(1)
    expect((await values('percentile:1'))[0]!.value).toBe(10)
  })

  it('fills an empty minute with null for percentiles and gives minute periods as ISO date-times', async () => {
    expect(await values('p50')).toEqual([
      {period: '2026-02-01T10:00:00Z', value: 3},
      {period: '2026-02-01T10:01:00Z', value: null},
      {period: '2026-02-01T10:02:00Z', value: 5},
    ])
  })

  it('rate is the bucket sum per second, over the part of the bucket inside the range', async () => {
    const minute = await queryPoints(catalog, {key: 'hits', bucket: 'minute', agg: 'rate', from: '2026-02-01T10:00:00Z', to: '2026-02-01T10:02:00Z'})
    expect(minute.rows).toEqual([
      {period: '2026-02-01T10:00:00Z', value: 2},
      {period: '2026-02-01T10:01:00Z', value: 0},
    ])
    // the hour holds 180 hits; the range covers 10:00-10:40 of it: 180 / 2400 s
    const hour = await queryPoints(catalog, {key: 'hits', bucket: 'hour', agg: 'rate', from: '2026-02-01T10:00:00Z', to: '2026-02-01T10:40:00Z'})
    expect(hour.rows).toEqual([{period: '2026-02-01T10:00:00Z', value: 180 / 2400}])
    // without bounds, the whole bucket: 180 / 3600 s
    const whole = await queryPoints(catalog, {key: 'hits', bucket: 'hour', agg: 'rate'})
    expect(whole.rows).toEqual([{period: '2026-02-01T10:00:00Z', value: 0.05}])
    const none = await queryPoints(catalog, {key: 'hits', bucket: 'none', agg: 'rate', from: '2026-02-01T10:00:00Z', to: '2026-02-01T11:00:00Z'})
    expect(none.rows).toEqual([{value: 0.05}])
  })

  it('refuses rate with bucket none and no range, and a percentile outside 0..1', async () => {
    await expect(queryPoints(catalog, {key: 'hits', bucket: 'none', agg: 'rate'})).rejects.toMatchObject({code: 'BAD_REQUEST', message: expect.stringContaining('needs from and to')})
    await expect(queryPoints(catalog, {key: 'hits', agg: 'percentile:1.5' as never})).rejects.toMatchObject({code: 'VALIDATION'})
  })

  it('points --agg takes p95 and percentile:F on the CLI; a bad one is a usage error', async () => {
    const db = catalog.file
    catalog.close()
    try {
      const ok = await runCommand(['points', 'latency', '--bucket', 'minute', '--agg', 'percentile:0.75', '--from', '2026-02-01T10:00:00Z', '--to', '2026-02-01T10:01:00Z', '--db', db, '--json'])
      expect(ok.code, ok.stderr).toBe(0)
      expect(JSON.parse(ok.stdout).rows).toEqual([{period: '2026-02-01T10:00:00Z', value: 4}])
      const p95 = await runCommand(['points', 'latency', '--bucket', 'none', '--agg', 'p95', '--to', '2026-02-01T10:01:00Z', '--db', db, '--json'])
      expect(JSON.parse(p95.stdout).rows[0].value).toBeCloseTo(8.8, 12)
      const bad = await runCommand(['points', 'latency', '--agg', 'percentile:2', '--db', db])
      expect(bad.code).toBe(2)
      expect(bad.stderr).toContain('percentile:F with F from 0 to 1')
    } finally {
      catalog = await openCatalog({db})
    }
  })
})
