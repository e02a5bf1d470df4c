import path from 'node:path'
import {Readable} from 'node:stream'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {ingestPoints, queryPoints} from '../../src/core/points.js'
import {Database} from '../../src/db/connection.js'
import {MIGRATIONS} from '../../src/db/migrations/index.js'
import {migrate} from '../../src/db/migrator.js'
import {CatalogError} from '../../src/errors.js'
import {newCatalog, tempDir} from '../helpers.js'

// Issue 10 item 12: points input hardening (byte-order mark, dates pushed out of range by their
// offset, numbers vs text in dimensions, invalid UTF-8, numeric filters past int64).

let dir: string
let cleanup: () => void
let catalog: Catalog

// one catalog for the file: each test starts with no points and no jobs, as in a new catalog
// (opening a new one and closing it after a write cost ~0.1 s of CPU per test)
beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  catalog = await newCatalog(dir)
})
afterEach(async () => {
  await catalog.db.run('DELETE FROM mc.metricat.metric_points')
  await catalog.db.run('DELETE FROM mc.metricat.jobs')
})
afterAll(() => {
  catalog.close()
  cleanup()
})

const bytes = (...parts: (string | number[])[]): Readable =>
  Readable.from(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))))
const line = (p: unknown) => `${JSON.stringify(p)}\n`

async function stored(): Promise<{dimensions: string; value: number; date: string}[]> {
  return catalog.db.all('SELECT dimensions, value, strftime("date", \'%Y-%m-%dT%H:%M:%S\') AS date FROM mc.metricat.metric_points ORDER BY "date", dimensions')
}

async function rejected(input: Readable | {points: unknown[]}): Promise<CatalogError> {
  const error = await ingestPoints(catalog, input).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(CatalogError)
  return error as CatalogError
}

describe('a UTF-8 byte-order mark', () => {
  it('is skipped at the start of NDJSON', async () => {
    const r = await ingestPoints(catalog, bytes([0xef, 0xbb, 0xbf], line({metricKey: 'k', date: '2026-01-01', value: 1}), line({metricKey: 'k', date: '2026-01-02', value: 2})))
    expect(r).toMatchObject({format: 'ndjson', points: 2, inserted: 2})
  })

  it('is skipped at the start of a {"points": [...]} document, also when split across chunks', async () => {
    const r = await ingestPoints(catalog, bytes([0xef], [0xbb, 0xbf], '{"points": [', JSON.stringify({metricKey: 'k', date: '2026-01-01', value: 1}), ']}'))
    expect(r).toMatchObject({format: 'json', points: 1, inserted: 1})
  })
})

describe('dates', () => {
  it('refuses an offset that carries the date before year 1 or past year 9999, naming the line', async () => {
    for (const date of ['0001-01-01T00:30:00+01:00', '9999-12-31T23:30:00-01:00']) {
      const e = await rejected(bytes(line({metricKey: 'k', date: '2026-01-01', value: 1}), line({metricKey: 'k', date, value: 1})))
      expect(e.code).toBe('VALIDATION')
      expect(e.message).toMatch(/^body:2 \/date: date .* years 0001-9999/)
    }
    expect(await stored()).toEqual([])
  })

  it('keeps dates just inside the range', async () => {
    await ingestPoints(catalog, {points: [{metricKey: 'k', date: '0001-01-01T00:30:00-01:00', value: 1}, {metricKey: 'k', date: '9999-12-31T23:30:00+01:00', value: 2}]})
    expect((await stored()).map((r) => r.date)).toEqual(['0001-01-01T01:30:00', '9999-12-31T22:30:00'])
  })

  it('refuses epoch numbers outside years 1-9999', async () => {
    const e = await rejected({points: [{metricKey: 'k', date: 1e15, value: 1}]})
    expect(e.message).toMatch(/\/points\/0\/date: date 1000000000000000 is not an epoch time in years 0001-9999/)
  })
})

describe('dimension values: numbers and booleans are stored as text', () => {
  it('{"a": 1} and {"a": "1"} are one point: the second replaces the first, a query counts it once', async () => {
    await ingestPoints(catalog, {points: [{metricKey: 'k', date: '2026-01-01', value: 5, dimensions: {a: 1}}]})
    const r = await ingestPoints(catalog, {points: [{metricKey: 'k', date: '2026-01-01', value: 7, dimensions: {a: '1'}}]})
    expect(r).toMatchObject({inserted: 0, updated: 1})
    expect(await stored()).toEqual([{dimensions: '{"a":"1"}', value: 7, date: '2026-01-01T00:00:00'}])
    const q = await queryPoints(catalog, {key: 'k', bucket: 'none', by: ['a']})
    expect(q.rows).toEqual([{a: '1', value: 7}])
  })

  it('in one batch, 1 and "1" (and true and "true") are duplicates, the last one kept', async () => {
    const r = await ingestPoints(catalog, {
      points: [
        {metricKey: 'k', date: '2026-01-01', value: 1, dimensions: {a: 1, b: true}},
        {metricKey: 'k', date: '2026-01-01', value: 2, dimensions: {b: 'true', a: '1'}},
      ],
    })
    expect(r).toMatchObject({points: 2, distinct: 1, duplicates: 1, inserted: 1})
    expect(await stored()).toEqual([{dimensions: '{"a":"1","b":"true"}', value: 2, date: '2026-01-01T00:00:00'}])
  })

  it('a filter with a number matches the text of the number', async () => {
    await ingestPoints(catalog, {points: [{metricKey: 'k', date: '2026-01-01', value: 3, dimensions: {a: 1}}]})
    const q = await queryPoints(catalog, {key: 'k', bucket: 'none', filters: [{dimension: 'a', op: '=', value: 1}]})
    expect(q.rows).toEqual([{value: 3}])
  })
})

describe('invalid UTF-8', () => {
  it('is an error naming its line; nothing is written', async () => {
    const e = await rejected(bytes(line({metricKey: 'k', date: '2026-01-01', value: 1}), line({metricKey: 'k', date: '2026-01-02', value: 2}), '{"metricKey": "k', [0xff, 0xfe], '", "date": "2026-01-03", "value": 3}\n'))
    expect(e.code).toBe('VALIDATION')
    expect(e.message).toMatch(/^body:3: the input is not valid UTF-8 \(byte 0xff\)/)
    expect(await stored()).toEqual([])
  })

  it('is found when a character is cut at a chunk boundary and then goes wrong', async () => {
    // é is C3 A9; C3 followed by a non-continuation byte is invalid
    const e = await rejected(bytes(line({metricKey: 'k', date: '2026-01-01', value: 1}), '{"metricKey": "', [0xc3], [0x41], '", "date": "2026-01-02", "value": 2}\n'))
    expect(e.message).toMatch(/^body:2: the input is not valid UTF-8/)
  })

  it('is found when the input ends inside a character', async () => {
    const e = await rejected(bytes(line({metricKey: 'k', date: '2026-01-01', value: 1}), [0xe2, 0x82]))
    expect(e.message).toMatch(/^body:2: the input is not valid UTF-8 \(it ends inside a character\)/)
  })

  it('valid multi-byte text split across chunks is read as it is', async () => {
    const text = line({metricKey: 'k', date: '2026-01-01', value: 1, dimensions: {city: 'Zürich €𝄞'}})
    const raw = Buffer.from(text, 'utf8')
    await ingestPoints(catalog, Readable.from([...raw].map((b) => Buffer.from([b]))))
    expect((await stored())[0]!.dimensions).toBe('{"city":"Zürich €𝄞"}')
  })
})

describe('numeric filters past the int64 range', () => {
  it('>= 1e20 and = 1e20 work', async () => {
    await ingestPoints(catalog, {
      points: [
        {metricKey: 'k', date: '2026-01-01', value: 1, dimensions: {big: 1e20}},
        {metricKey: 'k', date: '2026-01-01', value: 2, dimensions: {big: 5}},
        {metricKey: 'k', date: '2026-01-01', value: 4, dimensions: {big: 1e22}},
      ],
    })
    const sum = async (op: '>=' | '=' | '<', value: number) => (await queryPoints(catalog, {key: 'k', bucket: 'none', filters: [{dimension: 'big', op, value}]})).rows[0]!.value
    expect(await sum('>=', 1e20)).toBe(5)
    expect(await sum('=', 1e20)).toBe(1)
    expect(await sum('<', 1e20)).toBe(2)
    expect(await sum('=', 1e22)).toBe(4)
  })
})

describe('migration 5 (text dimensions) on a database written before it', () => {
  it('rewrites numeric and boolean dimension values as text; where that merges two points, the one updated last wins', async () => {
    catalog.close()
    const file = path.join(dir, 'old.duckdb')
    const db = await Database.open(file)
    try {
      await migrate(
        db,
        MIGRATIONS.filter((m) => m.version < 5),
      )
      const insert = (dims: string, value: number, updated: string) =>
        db.run(
          `INSERT INTO mc.metricat.metric_points (metric_key, "date", dimensions, value, created_at, updated_at) VALUES ('k', TIMESTAMP '2026-01-01', $1, $2, TIMESTAMP '2026-01-01', CAST($3 AS TIMESTAMP))`,
          [dims, value, updated],
        )
      await insert('{"a":1}', 1, '2026-01-02')
      await insert('{"a":"1"}', 2, '2026-01-03')
      await insert('{"a":"2"}', 3, '2026-01-02')
      await insert('{"a":2}', 4, '2026-01-03')
      await insert('{"a":1.5,"b":true,"c/~":"x"}', 5, '2026-01-01')
      await insert('{}', 6, '2026-01-01')
      await migrate(db)
      const rows = await db.all<{dimensions: string; value: number}>('SELECT dimensions, value FROM mc.metricat.metric_points ORDER BY dimensions')
      expect(rows).toEqual([
        {dimensions: '{"a":"1"}', value: 2},
        {dimensions: '{"a":"1.5","b":"true","c/~":"x"}', value: 5},
        {dimensions: '{"a":"2"}', value: 4},
        {dimensions: '{}', value: 6},
      ])
    } finally {
      db.close()
    }
    catalog = await newCatalog(dir)
  })
})
