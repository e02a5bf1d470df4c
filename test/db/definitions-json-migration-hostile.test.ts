// Migration 11 rewrites each stored definition into one JSON column. Beside the snapshot test
// (test/db/definitions-json-migration.test.ts), this stores values that are easy to get wrong
// when text becomes JSON in SQL: NUL and other control characters, quotes and backslashes, line
// and paragraph separators, text that looks like JSON, empty texts, lists and mappings, numbers at
// the ends of the double range, -0, mapping keys out of sorted order. Each row is read as the
// reader of schema version 10 read it (one column per field, the list fields parsed from JSON)
// and must read the same, with the same key order, after the migration.
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {readAllMetrics, readMetricByAlias} from '../../src/catalog/repository.js'
import {Database} from '../../src/db/connection.js'
import {MIGRATIONS} from '../../src/db/migrations/index.js'
import {migrate} from '../../src/db/migrator.js'
import {tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
beforeEach(() => ({dir, cleanup} = tempDir('metricat-defs-json-hostile-')))
afterEach(() => cleanup())

// metric_definitions at schema version 10, and the reader of that version (src/catalog/repository.ts at 96b106b)
const V10_FIELDS = [
  'id', 'name', 'category', 'display_name', 'description', 'type', 'unit', 'grain', 'time_aggregation', 'table_name', 'tables',
  'expression', 'time_column', 'dimensions', 'filters', 'synonyms', 'notes', 'sql', 'sql_variants', 'validation',
  'numerator', 'denominator', 'formula', 'percentile', 'points_key', 'owner', 'aliases', 'chart', 'rollups',
]
const V10_JSON = new Set(['tables', 'dimensions', 'filters', 'synonyms', 'sql_variants', 'validation', 'aliases', 'chart', 'rollups'])
function v10Read(row: Record<string, unknown>): Record<string, unknown> {
  const def: Record<string, unknown> = {}
  for (const k of V10_FIELDS) {
    const v = row[k]
    if (v === null || v === undefined) continue
    def[k] = V10_JSON.has(k) ? JSON.parse(v as string) : v
  }
  return def
}

const HOSTILE_TEXT = 'nul:\u0000 ctl:\u0001\u001f\u007f sep:\u2028\u2029 q:\'"` bs:\\ \\\\ \\u0041 crlf:\r\n tab:\t emoji:😀 bom:\uFEFF é'
const ROWS: Record<string, unknown>[] = [
  {
    id: 'h/text', name: 'text', category: 'h', display_name: HOSTILE_TEXT, description: '{"a": [1, null]}', type: 'sum', unit: 'null', grain: 'month',
    table_name: 'o"r\'d', expression: 'amount', time_column: 'at', notes: '  lead\n\ntrail  ', owner: 'true', sql: "SELECT '\\' AS value -- \u0000",
    dimensions: JSON.stringify(['region', {description: HOSTILE_TEXT, expr: "CASE WHEN x = 'a''b' THEN '\\' END", name: 'weird'}]),
    filters: JSON.stringify([`region <> 'it''s "x" \\'`]), synonyms: JSON.stringify([HOSTILE_TEXT, 'null']),
    sql_variants: JSON.stringify({zeta: 'SELECT 1', alpha: `SELECT '\u0000'`}), aliases: JSON.stringify(['old/text']),
    chart: JSON.stringify({type: 'area', stacked: true}), rollups: JSON.stringify([{grain: 'month', by: ['region']}]),
    validation: JSON.stringify({max: 1e300, not_null: false, min: -123456789012345678901234567890}),
  },
  // empty texts, lists and mappings are values, not absent fields
  {id: 'h/empty', name: 'empty', category: 'h', description: '', unit: '', owner: '', type: 'count', tables: '[]', dimensions: '[]', filters: '[]', synonyms: '[]', validation: '{}', chart: '{}', rollups: '[]', sql_variants: '{}'},
  {id: 'h/p_tiny', name: 'p_tiny', category: 'h', type: 'percentile', percentile: 5e-324, validation: JSON.stringify({min: 5e-324, max: 1.7976931348623157e308})},
  {id: 'h/p_third', name: 'p_third', category: 'h', type: 'percentile', percentile: 0.30000000000000004},
  {id: 'h/p_one', name: 'p_one', category: 'h', type: 'percentile', percentile: 1},
  {id: 'h/p_zero', name: 'p_zero', category: 'h', type: 'percentile', percentile: 0},
  {id: 'h/p_negzero', name: 'p_negzero', category: 'h', type: 'percentile', percentile: -0},
  // only the required columns
  {id: 'h/bare', name: 'bare', category: 'h'},
]

async function insertV10(db: Database, row: Record<string, unknown>) {
  const columns = [...Object.keys(row), 'version', 'content_hash', 'created_at', 'updated_at']
  const values = [...Object.values(row), 1, 'h', '2026-01-02 03:04:05', '2026-01-02 03:04:05']
  await db.run(
    `INSERT INTO metricat.metric_definitions (${columns.join(', ')}) VALUES (${columns.map((c, i) => (c === 'percentile' ? `$${i + 1}::VARCHAR::DOUBLE` : `$${i + 1}`)).join(', ')})`,
    values.map((v, i) => (columns[i] === 'percentile' ? Object.is(v, -0) ? '-0.0' : String(v) : v)) as (string | number)[],
  )
}

/** Each definition's fields without the bookkeeping, as JSON text (key order counts), and each percentile as it is (-0 counts). */
function shape(defs: Record<string, unknown>[]): {text: string[]; percentiles: unknown[]} {
  const fields = defs.map((d) => Object.fromEntries(Object.entries(d).filter(([k]) => V10_FIELDS.includes(k))))
  return {text: fields.map((f) => JSON.stringify(f)), percentiles: fields.map((f) => f.percentile)}
}

describe('migration 11 with hostile stored values', () => {
  it('reads every row as the reader of schema version 10 did', async () => {
    const file = path.join(dir, 'v10.duckdb')
    const db = await Database.open(file)
    try {
      expect(await migrate(db, MIGRATIONS.filter((m) => m.version <= 10))).toBe(10)
      for (const row of ROWS) await insertV10(db, row)
      const before = (await db.all(`SELECT * FROM mc.metricat.metric_definitions ORDER BY id`)).map(v10Read)
      // the values went in as written (a NUL kept, -0 kept)
      expect(before.find((d) => d.id === 'h/text')!.display_name).toBe(HOSTILE_TEXT)
      expect(Object.is(before.find((d) => d.id === 'h/p_negzero')!.percentile, -0)).toBe(true)
      expect(await migrate(db)).toBe(MIGRATIONS.at(-1)!.version)
      const after = await readAllMetrics(db)
      const [b, a] = [shape(before), shape(after as unknown as Record<string, unknown>[])]
      expect(a.text).toEqual(b.text)
      expect(a.percentiles.map((p) => (Object.is(p, -0) ? '-0' : p))).toEqual(b.percentiles.map((p) => (Object.is(p, -0) ? '-0' : p)))
      expect((await readMetricByAlias(db, 'old/text'))?.id).toBe('h/text')
    } finally {
      db.close()
    }
  })
})
