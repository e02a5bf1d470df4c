import {Readable} from 'node:stream'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {collectPoints, ingestPoints, listJobs} from '../../src/core/points.js'
import {CatalogError} from '../../src/errors.js'
import {ingestInput} from '../../src/points/ingest.js'
import type {PointProblem} from '../../src/points/types.js'
import {newCatalog, tempDir} from '../helpers.js'

let cleanup: () => void
let catalog: Catalog

// one catalog for the file: each test starts with no points and no jobs, as in a new catalog
// (opening a new one and closing it after a write cost ~0.1 s of CPU per test)
beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  catalog = await newCatalog(t.dir)
})
afterEach(async () => {
  await catalog.db.run('DELETE FROM mc.metricat.metric_points')
  await catalog.db.run('DELETE FROM mc.metricat.jobs')
})
afterAll(() => {
  catalog.close()
  cleanup()
})

const ndjson = (points: unknown[]): string => points.map((p) => JSON.stringify(p)).join('\n')
const text = (s: string): Readable => Readable.from([s])

interface StoredPoint {
  metric_key: string
  data_source_id: string
  entity_kind: string
  entity_id: string
  granularity: string
  date: string
  dimensions: string
  value: number
  connector_key: string | null
  source_kind: string | null
  created_at: string
  updated_at: string
}

async function stored(): Promise<StoredPoint[]> {
  return catalog.db.all<StoredPoint>(
    `SELECT * EXCLUDE ("date", created_at, updated_at), "date"::VARCHAR AS "date", created_at::VARCHAR AS created_at, updated_at::VARCHAR AS updated_at
     FROM metricat.metric_points ORDER BY metric_key, "date", dimensions`,
  )
}

const points = [
  {metricKey: 'game.players', date: '2026-05-01', value: 100, dimensions: {platform: 'steam', region: 'EU'}},
  {metricKey: 'game.players', date: '2026-05-02', value: 120, dimensions: {platform: 'steam', region: 'EU'}},
  {metricKey: 'game.players', date: '2026-05-01', value: 40, dimensions: {platform: 'epic', region: 'EU'}},
]

describe('ingestPoints', () => {
  it('stores points with empty strings for absent key parts and UTC dates', async () => {
    const result = await ingestPoints(catalog, text(ndjson([{metricKey: 'm', date: '2026-05-01T01:30:00+02:00', value: 1.5}])), {source: 'p.ndjson'})
    expect(result).toMatchObject({source: 'p.ndjson', format: 'ndjson', points: 1, distinct: 1, inserted: 1, updated: 0, unchanged: 0, duplicates: 0})
    const [row] = await stored()
    expect(row).toMatchObject({metric_key: 'm', data_source_id: '', entity_kind: '', entity_id: '', granularity: '', dimensions: '{}', value: 1.5, date: '2026-04-30 23:30:00', connector_key: null})
  })

  it('changes nothing when the same input is ingested again', async () => {
    await ingestPoints(catalog, text(ndjson(points)))
    const before = await stored()
    const again = await ingestPoints(catalog, text(ndjson(points)))
    expect(again).toMatchObject({points: 3, inserted: 0, updated: 0, unchanged: 3})
    // unchanged rows are not rewritten: updated_at stays
    expect(await stored()).toEqual(before)
  })

  it('replaces the value of a re-sent point and leaves the others alone', async () => {
    await ingestPoints(catalog, text(ndjson(points)))
    const before = await stored()
    await new Promise((r) => setTimeout(r, 5))
    const changed = [{...points[0], value: 101}, points[1], {...points[2]!, date: '2026-05-03'}]
    const result = await ingestPoints(catalog, text(ndjson(changed)))
    expect(result).toMatchObject({inserted: 1, updated: 1, unchanged: 1})
    const after = await stored()
    expect(after).toHaveLength(4)
    const first = after.find((p) => p.date === '2026-05-01 00:00:00' && p.dimensions.includes('steam'))!
    expect(first.value).toBe(101)
    expect(first.created_at).toBe(before.find((p) => p.date === '2026-05-01 00:00:00' && p.dimensions.includes('steam'))!.created_at)
    expect(first.updated_at > first.created_at).toBe(true)
    const untouched = after.find((p) => p.date === '2026-05-02 00:00:00')!
    expect(untouched.updated_at).toBe(untouched.created_at)
  })

  it('resolves duplicates inside a batch to the last one', async () => {
    const batch = [{...points[0], value: 1}, points[1], {...points[0], value: 2}, {...points[0], value: 3}]
    const result = await ingestPoints(catalog, text(ndjson(batch)))
    expect(result).toMatchObject({points: 4, distinct: 2, duplicates: 2, inserted: 2})
    expect((await stored()).find((p) => p.date === '2026-05-01 00:00:00')!.value).toBe(3)
  })

  it('treats dimensions in another key order as the same point', async () => {
    await ingestPoints(catalog, text(ndjson([{metricKey: 'm', date: '2026-05-01', value: 1, dimensions: {a: 'x', b: 2, c: true}}])))
    const result = await ingestPoints(catalog, text(ndjson([{metricKey: 'm', date: '2026-05-01', value: 5, dimensions: {c: true, b: 2, a: 'x'}}])))
    expect(result).toMatchObject({inserted: 0, updated: 1})
    const rows = await stored()
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({dimensions: '{"a":"x","b":"2","c":"true"}', value: 5})
  })

  it('keeps points apart that differ in any key part', async () => {
    const p = {metricKey: 'm', date: '2026-05-01', value: 1}
    const variants = [p, {...p, dataSourceId: 's'}, {...p, entityKind: 'game'}, {...p, entityId: '1'}, {...p, granularity: 'day'}, {...p, date: '2026-05-01T00:00:01Z'}, {...p, dimensions: {a: 1}}, {...p, dimensions: {a: '2'}}]
    const result = await ingestPoints(catalog, text(ndjson(variants)))
    expect(result).toMatchObject({distinct: 8, inserted: 8})
  })

  it('counts a changed connectorKey as an update', async () => {
    await ingestPoints(catalog, text(ndjson([points[0]])))
    const result = await ingestPoints(catalog, text(ndjson([{...points[0], connectorKey: 'steam-api'}])))
    expect(result).toMatchObject({updated: 1, unchanged: 0})
  })

  it('reads a {"points": [...]} document and parsed {points} alike', async () => {
    const doc = `{\n  "points": [\n${points.map((p) => `    ${JSON.stringify(p)}`).join(',\n')}\n  ]\n}\n`
    expect(await ingestPoints(catalog, text(doc))).toMatchObject({format: 'json', inserted: 3})
    expect(await ingestPoints(catalog, {points})).toMatchObject({format: 'array', unchanged: 3})
  })

  it('fills defaults where a point lacks the field', async () => {
    await ingestPoints(catalog, {points: [points[0], {...points[1], entityId: '570'}]}, {defaults: {entityKind: 'game', entityId: '730', sourceKind: 'api'}})
    const rows = await stored()
    expect(rows.map((r) => [r.entity_kind, r.entity_id, r.source_kind])).toEqual([
      ['game', '730', 'api'],
      ['game', '570', 'api'],
    ])
  })

  it('rejects the whole batch when one point is invalid, with the line of every bad point', async () => {
    await ingestPoints(catalog, text(ndjson([points[0]])))
    const lines = [JSON.stringify(points[1]), JSON.stringify({...points[2], value: 'forty'}), '', '{"metricKey": "m", "date": "2026-02-30", "value": 1}', '{broken', JSON.stringify(points[2])]
    const error = await ingestPoints(catalog, text(lines.join('\n')), {source: 'batch.ndjson'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CatalogError)
    const e = error as CatalogError
    expect(e.code).toBe('VALIDATION')
    expect(e.message).toBe('batch.ndjson:2 /value: value must be a number, got a string "forty" (and 2 more invalid points); nothing was ingested')
    expect(e.details?.invalid).toBe(3)
    expect(e.problems.map((p) => [p.line, p.path, p.message])).toEqual([
      [2, '/value', 'value must be a number, got a string "forty"'],
      [4, '/date', 'date "2026-02-30" is not a valid calendar date and time in years 0001-9999 (UTC)'],
      [5, undefined, expect.stringMatching(/^invalid JSON: /)],
    ])
    expect((await stored()).map((p) => p.value)).toEqual([100])
  })

  it('reports bad items of a document by line and by position in the points array', async () => {
    const doc = '{"points": [\n  {"metricKey": "m", "date": "2026-05-01", "value": 1},\n  {"metricKey": "m", "date": "2026-05-01", "value": true}\n]}'
    const error = (await ingestPoints(catalog, text(doc), {source: 'doc.json'}).catch((e: unknown) => e)) as CatalogError
    expect(error.problems).toEqual([{file: 'doc.json', line: 3, index: 1, path: '/points/1/value', message: 'value must be a number, got true or false'}])
    const parsed = (await ingestPoints(catalog, {points: [{metricKey: 'm'}]}).catch((e: unknown) => e)) as CatalogError
    expect((parsed.problems as PointProblem[]).map((p) => [p.index, p.path])).toEqual([
      [0, '/points/0/date'],
      [0, '/points/0/value'],
    ])
  })

  it('lists at most 100 problems and counts the rest', async () => {
    const bad = Array.from({length: 250}, (_, i) => JSON.stringify({metricKey: 'm', date: '2026-05-01', value: `v${i}`}))
    const error = (await ingestPoints(catalog, text(bad.join('\n'))).catch((e: unknown) => e)) as CatalogError
    expect(error.details?.invalid).toBe(250)
    expect(error.problems).toHaveLength(101)
    expect(error.problems[99]!.line).toBe(100)
    expect(error.problems[100]!.message).toBe('... and 150 more problems not listed')
  })

  it('rejects a malformed document as a whole', async () => {
    const error = (await ingestPoints(catalog, text('{"points": [\n{"metricKey": "m", "date": "2026-05-01", "value": 1}\n'), {source: 'cut.json'}).catch((e: unknown) => e)) as CatalogError
    expect(error.code).toBe('VALIDATION')
    expect(error.message).toMatch(/^cut\.json:3: unexpected end of input: the points array is not closed/)
    expect(await stored()).toEqual([])
  })

  it('accepts empty input as zero points', async () => {
    expect(await ingestPoints(catalog, text(''))).toMatchObject({points: 0, inserted: 0})
  })

  it('records every ingest in jobs, failed ones with the error', async () => {
    const ok = await ingestPoints(catalog, {points}, {source: 'a.ndjson'})
    await ingestPoints(catalog, {points: [{metricKey: 'm'}]}, {source: 'b.ndjson'}).catch(() => undefined)
    const jobs = await listJobs(catalog)
    expect(jobs.map((j) => [j.kind, j.source, j.status, j.points_read, j.rows_inserted])).toEqual(
      expect.arrayContaining([
        ['ingest', 'a.ndjson', 'completed', 3, 3],
        ['ingest', 'b.ndjson', 'failed', 0, 0],
      ]),
    )
    expect(jobs.find((j) => j.id === ok.jobId)?.finished_at).toEqual(expect.any(String))
    expect(jobs.find((j) => j.status === 'failed')?.error).toMatch(/missing required field "date"/)
  })

  it('resolves duplicates the same way after the staging dictionaries forget entries', async () => {
    // 6 series x 3 dimension sets x 2 connectors, each point sent twice: the second copy wins
    const batch: Record<string, unknown>[] = []
    for (const round of [1, 2]) {
      for (let s = 0; s < 6; s++) {
        for (const d of [{a: 1}, {b: 2}, {a: 1, b: 2}]) {
          batch.push({metricKey: `m${s % 2}`, entityId: String(s), date: '2026-05-01', value: round * 100 + s, dimensions: d, connectorKey: round === 1 ? 'c1' : 'c2'})
        }
      }
    }
    const result = await ingestInput(catalog.db, {points: batch}, {dictionaryLimit: 2})
    expect(result).toMatchObject({points: 36, distinct: 18, duplicates: 18, inserted: 18})
    const rows = await stored()
    expect(rows).toHaveLength(18)
    expect(rows.every((r) => r.value >= 200 && r.connector_key === 'c2')).toBe(true)
  })

  it('leaves no staging tables behind', async () => {
    await ingestPoints(catalog, {points})
    await ingestPoints(catalog, {points: [{}]}).catch(() => undefined)
    const temp = await catalog.db.all(`SELECT table_name FROM information_schema.tables WHERE table_catalog = 'temp'`)
    expect(temp).toEqual([])
  })

  it('streams a large NDJSON input in many chunks', async () => {
    const n = 50_000
    async function* generate() {
      for (let i = 0; i < n; i += 1000) {
        let chunk = ''
        for (let j = i; j < i + 1000; j++) chunk += `${JSON.stringify({metricKey: `m${j % 7}`, date: new Date(Date.UTC(2026, 0, 1) + (j % 400) * 86_400_000).toISOString(), value: j, entityId: String(j)})}\n`
        yield chunk
      }
    }
    const progress: number[] = []
    const result = await ingestPoints(catalog, generate(), {onProgress: (p) => progress.push(p.points)})
    expect(result).toMatchObject({points: n, inserted: n})
    expect(progress.length).toBeGreaterThan(10)
    const [{total}] = await catalog.db.all<{total: number}>('SELECT sum(value)::DOUBLE AS total FROM metricat.metric_points')
    expect(total).toBe((n * (n - 1)) / 2)
  })
})

describe('collectPoints', () => {
  it('returns the checked points with defaults filled in, storing nothing', async () => {
    const collected = await collectPoints(text(ndjson([points[0], {...points[1], entityKind: 'app'}])), {defaults: {entityKind: 'game'}})
    expect(collected).toEqual([{...points[0], entityKind: 'game'}, {...points[1], entityKind: 'app'}])
    expect(await stored()).toEqual([])
  })
})
