// Migration 11 keeps a definition's fields in one JSON column of metric_definitions instead of
// one column per field (DuckDB's checkpoint rewrites every column of a changed table, so each
// write paid for 35 columns). A catalog built at schema version 10, with definitions that use
// every kind of field, a history of several versions and a deleted metric, is migrated and every
// read is compared with what the code before the migration read from the same catalog: the file
// `__snapshots__/definitions-json-migration.reads.json` was written by this test run on the code
// of schema version 10 (commit "tests: the reads of a schema-10 catalog, before migration 11"),
// and the migrated catalog must read the same, byte for byte.
import {copyFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {canonicalJson, contentHash, pickDefinition} from '../../src/catalog/hash.js'
import type {MetricDefinition} from '../../src/catalog/types.js'
import {loadMetricFiles} from '../../src/catalog/yaml.js'
import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {Database} from '../../src/db/connection.js'
import {MIGRATIONS} from '../../src/db/migrations/index.js'
import {migrate} from '../../src/db/migrator.js'
import {runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
beforeEach(() => ({dir, cleanup} = tempDir('metricat-defs-json-')))
afterEach(() => cleanup())

// the schema-10 catalog, built once (buildV10) and copied by each test
let built: {dir: string; cleanup: () => void; file: string; defs: MetricDefinition[]}
beforeAll(async () => {
  const tmp = tempDir('metricat-defs-json-v10-')
  const file = path.join(tmp.dir, 'v10.duckdb')
  built = {...tmp, file, defs: await buildV10(file)}
})
afterAll(() => built.cleanup())

/** A copy of the schema-10 catalog in this test's folder, and the definitions it holds. */
function v10Copy(): {file: string; defs: MetricDefinition[]} {
  const file = path.join(dir, 'v10.duckdb')
  copyFileSync(built.file, file)
  return {file, defs: built.defs}
}

// metric_definitions as schema version 10 had it: one column per field, these as JSON text.
const V10_FIELDS = [
  'id', 'name', 'category', 'display_name', 'description', 'type', 'unit', 'grain', 'time_aggregation', 'table_name', 'tables',
  'expression', 'time_column', 'dimensions', 'filters', 'synonyms', 'notes', 'sql', 'sql_variants', 'validation',
  'numerator', 'denominator', 'formula', 'percentile', 'points_key', 'owner', 'aliases', 'chart', 'rollups',
]
const V10_JSON = new Set(['tables', 'dimensions', 'filters', 'synonyms', 'sql_variants', 'validation', 'aliases', 'chart', 'rollups'])

// Every kind of field, texts with quotes, backslashes, unicode and line breaks, nested mappings
// whose keys are not in sorted order (they are kept as written), numbers of several shapes.
const FILES: Record<string, string> = {
  'revenue/mrr.yml': `name: mrr
display_name: "Monthly \\"Recurring\\" Revenue"
description: "Recurring revenue normalised to one month — it's ✓ in € and 😀, a \\\\ backslash"
type: sum
unit: USD
grain: month
table: orders
time_column: ordered_at
expression: amount
dimensions:
  - region
  - name: plan
    expr: lower(plan)
    description: the plan, lower case
  - description: status first
    name: status
filters:
  - status = 'completed'
  - amount > 0
synonyms:
  - recurring revenue
  - monthly recurring revenue
aliases:
  - finance/mrr
  - finance/monthly_recurring_revenue
owner: finance@example.com
validation:
  not_null: true
  max: 1000000000
  min: 0
chart:
  stacked: true
  type: area
rollups:
  - grain: month
    by: [region, plan]
  - grain: quarter
sql: |
  SELECT date_trunc('month', ordered_at) AS period, sum(amount) AS value
  FROM orders
  GROUP BY 1
sql_by_clickhouse: SELECT toStartOfMonth(ordered_at) AS period, sum(amount) AS value FROM orders GROUP BY 1
sql_by_bigquery: SELECT 1
notes: |
  Line one.
  Line two, with a tab:	here.
`,
  'revenue/arpu.yml': `name: arpu
type: ratio
numerator: revenue/mrr
denominator: product/customers
unit: USD
grain: monthly
synonyms: [average revenue per user]
`,
  'revenue/mrr_growth.yml': `name: mrr_growth
type: derived
formula: "revenue/mrr * 2 - revenue/arpu"
grain: month
`,
  'product/customers.yml': `name: customers
type: count_distinct
table: orders
tables: [orders, customers]
time_column: ordered_at
expression: customer_id
grain: day
time_aggregation: last
chart:
  type: bar
`,
  'ops/p90_amount.yml': `name: p90_amount
type: percentile
percentile: 0.9
table: orders
time_column: ordered_at
expression: amount
grain: day
rollups: []
`,
  'ops/p333.yml': `name: p333
type: percentile
percentile: 0.3333333333333333
table: orders
time_column: ordered_at
expression: amount
`,
  'ops/signups.yml': `name: signups
type: sum
points_key: signups_daily
grain: day
time_aggregation: sum
dimensions: [country]
`,
  'ops/median_amount.yml': `name: median_amount
type: median
table: orders
time_column: ordered_at
expression: amount
filters: []
validation:
  min: -1.5
`,
}

// The first version of revenue/mrr (updated later) and a metric deleted later.
const MRR_V1 = `name: mrr
type: sum
table: orders
time_column: ordered_at
expression: amount
aliases: [finance/mrr]
`
const DELETED = `name: legacy_total
type: sum
table: orders
time_column: ordered_at
expression: amount
synonyms: [old total]
`

/** The definitions the import would store for these files (written under `under`). */
async function parse(files: Record<string, string>, under: string): Promise<MetricDefinition[]> {
  const root = path.join(under, `parse-${Math.random().toString(36).slice(2)}`)
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.join(root, path.dirname(file)), {recursive: true})
    writeFileSync(path.join(root, file), text)
  }
  const loaded = await loadMetricFiles(root)
  expect(loaded.problems).toEqual([])
  return loaded.metrics.map((m) => m.definition)
}

/** A row of metric_definitions as the writer of schema version 10 stored it. */
function v10Row(def: MetricDefinition, bookkeeping: Record<string, unknown>): Record<string, unknown> {
  const clean = pickDefinition(def) as unknown as Record<string, unknown>
  const row: Record<string, unknown> = {}
  for (const k of V10_FIELDS) {
    const v = clean[k]
    row[k] = v === undefined || v === null ? null : V10_JSON.has(k) ? JSON.stringify(v) : v
  }
  return {...row, content_hash: contentHash(def), ...bookkeeping}
}

async function insertV10(db: Database, row: Record<string, unknown>) {
  const columns = Object.keys(row)
  await db.run(
    `INSERT INTO metricat.metric_definitions (${columns.join(', ')}) VALUES (${columns.map((c, i) => (c === 'percentile' ? `$${i + 1}::DOUBLE` : `$${i + 1}`)).join(', ')})`,
    columns.map((c) => row[c] as string | number | null),
  )
}

async function insertVersion(db: Database, def: MetricDefinition, version: number, change: string, at: string, source = 'yaml') {
  await db.run(`INSERT INTO metricat.metric_versions VALUES ($1, $2, $3, $4, $5, $6, 'tester', $7::TIMESTAMP)`, [
    def.id, version, change, canonicalJson(pickDefinition(def)), contentHash(def), source, at,
  ])
}

const T1 = '2026-01-02 03:04:05.123456'
const T2 = '2026-02-03 04:05:06'

/** A catalog at schema version 10 holding FILES (revenue/mrr at its second version) and a deleted metric, and a warehouse table. */
async function buildV10(file: string): Promise<MetricDefinition[]> {
  const defs = await parse(FILES, path.dirname(file))
  const [mrrV1] = await parse({'revenue/mrr.yml': MRR_V1}, path.dirname(file))
  const [deleted] = await parse({'ops/legacy_total.yml': DELETED}, path.dirname(file))
  const db = await Database.open(file)
  try {
    expect(await migrate(db, MIGRATIONS.filter((m) => m.version <= 10))).toBe(10)
    await db.run(`CREATE TABLE mc.main.orders (ordered_at TIMESTAMP, amount DOUBLE, region VARCHAR, plan VARCHAR, status VARCHAR, customer_id INTEGER)`)
    await db.run(`INSERT INTO mc.main.orders VALUES ('2026-01-05 10:00:00', 10.5, 'eu', 'Pro', 'completed', 1), ('2026-02-07 11:00:00', 20, 'us', 'Free', 'completed', 2)`)
    for (const def of defs) {
      const mrr = def.id === 'revenue/mrr'
      const api = def.id === 'ops/signups'
      await insertV10(db, v10Row(def, {
        version: mrr ? 2 : 1,
        source: api ? 'api' : 'yaml',
        source_file: api ? null : `metrics/${def.id}.yml`,
        created_at: T1,
        updated_at: mrr ? T2 : T1,
      }))
      if (mrr) await insertVersion(db, mrrV1, 1, 'create', T1)
      await insertVersion(db, def, mrr ? 2 : 1, mrr ? 'update' : 'create', mrr ? T2 : T1, api ? 'api' : 'yaml')
    }
    await insertVersion(db, deleted, 1, 'create', T1)
    await insertVersion(db, deleted, 2, 'delete', T2, 'cli')
  } finally {
    db.close()
  }
  return defs
}

/** Every read of the catalog's definitions, as JSON text. */
async function reads(catalog: Catalog, file: string, defs: MetricDefinition[]): Promise<Record<string, unknown>> {
  const ids = defs.map((d) => d.id).sort()
  const out: Record<string, unknown> = {}
  // through a former id first, before anything fills the catalog's cache
  out.byAlias = await catalog.get('finance/monthly_recurring_revenue')
  out.list = await catalog.list()
  out.listCategory = (await catalog.list({category: 'ops'})).map((m) => m.id)
  for (const id of ids) out[`show ${id}`] = await catalog.show(id)
  out['show revenue/mrr 1'] = await catalog.show('revenue/mrr', 1)
  out['show finance/mrr'] = await catalog.show('finance/mrr')
  for (const id of [...ids, 'ops/legacy_total', 'finance/mrr']) out[`history ${id}`] = await catalog.history(id)
  for (const text of ['recurring revenue', 'percentile amount', 'customers', 'old total', 'signups']) out[`search ${text}`] = await catalog.search(text)
  out.lookupSynonym = await catalog.lookupSynonym('average revenue per user')
  out.lookupTable = await catalog.lookupTable('orders')
  out.tables = await catalog.tables()
  out.lookupColumn = await catalog.lookupColumn('amount')
  out.export = await catalog.exportMetrics()
  out.exportSome = await catalog.exportMetrics({ids: ['finance/mrr', 'ops/p333']})
  const exported = path.join(dir, `exported-${Math.random().toString(36).slice(2)}`)
  const written = await catalog.exportMetrics({dir: exported})
  out.exportFiles = written.map((f) => ({path: path.relative(exported, f.path), text: readFileSync(f.path, 'utf8')}))
  // importing what was exported changes nothing; the same files with one field edited change one metric
  const plan = await catalog.diff(exported)
  out.diffExported = {...plan, unchanged: plan.unchanged}
  writeFileSync(path.join(exported, 'revenue', 'mrr.yml'), readFileSync(path.join(exported, 'revenue', 'mrr.yml'), 'utf8').replace('unit: USD', 'unit: EUR'))
  const edited = await catalog.diff(exported)
  out.diffEdited = {...edited, changed: edited.changed.map((c) => ({...c, file: c.file && path.relative(exported, c.file)}))}
  out.bookkeeping = await catalog.db.all(
    `SELECT id, version, content_hash, source, source_file, created_at::VARCHAR AS created_at, updated_at::VARCHAR AS updated_at FROM mc.metricat.metric_definitions ORDER BY id`,
  )
  out.versions = await catalog.db.all(`SELECT id, version, change, definition::VARCHAR AS definition, content_hash, source, actor, changed_at::VARCHAR AS changed_at FROM mc.metricat.metric_versions ORDER BY id, version`)
  // the CLI's own output, which prints the stored definition's keys in their order
  for (const args of [['show', 'revenue/mrr', '--json'], ['list', '--json'], ['show', 'finance/mrr'], ['history', 'revenue/mrr', '--json'], ['search', 'recurring', '--json']]) {
    const r = await runCommand([...args, '--db', file])
    out[`cli ${args.join(' ')}`] = {code: r.code, stdout: r.stdout, stderr: r.stderr}
  }
  return JSON.parse(JSON.stringify(out)) as Record<string, unknown>
}

describe('migration 11: definition fields as one JSON column', () => {
  it('reads a catalog made at schema version 10 exactly as the code before it did', async () => {
    const {file, defs} = v10Copy()
    const catalog = await openCatalog({db: file})
    try {
      const [{v}] = await catalog.db.all<{v: number}>('SELECT max(version)::INTEGER AS v FROM mc.metricat.schema_version')
      expect(v).toBe(MIGRATIONS.at(-1)!.version)
      const got = await reads(catalog, file, defs)
      // the content hashes are those of the definitions as parsed from the files
      expect((got.list as {id: string; content_hash: string}[]).map((m) => [m.id, m.content_hash])).toEqual(
        [...defs].sort((a, b) => (a.id < b.id ? -1 : 1)).map((d) => [d.id, contentHash(d)]),
      )
      for (const m of await catalog.list()) expect(contentHash(pickDefinition(m))).toBe(m.content_hash)
      await expect(JSON.stringify(got, null, 2)).toMatchFileSnapshot('./__snapshots__/definitions-json-migration.reads.json')
    } finally {
      catalog.close()
    }
  })
})

describe('migration 11: the rewritten rows', () => {
  it('stores each definition as the writer does: the fields but id, in writing order, as JSON text', async () => {
    const {file, defs} = v10Copy()
    const catalog = await openCatalog({db: file})
    try {
      const columns = await catalog.db.all<{c: string}>(`SELECT column_name AS c FROM duckdb_columns() WHERE database_name = 'mc' AND schema_name = 'metricat' AND table_name = 'metric_definitions' ORDER BY column_index`)
      expect(columns.map((r) => r.c)).toEqual(['id', 'fields', 'source', 'source_file', 'version', 'content_hash', 'created_at', 'updated_at'])
      const rows = await catalog.db.all<{id: string; fields: string}>(`SELECT id, fields::VARCHAR AS fields FROM mc.metricat.metric_definitions ORDER BY id`)
      expect(rows.map((r) => r.id)).toEqual(defs.map((d) => d.id).sort())
      for (const {id, fields} of rows) {
        const {id: _, ...expected} = pickDefinition(defs.find((d) => d.id === id)!)
        expect(fields).toBe(JSON.stringify(expected))
      }
      // a write after the migration: a new version of a migrated metric, found by its former id
      const root = path.join(dir, 'metrics')
      mkdirSync(path.join(root, 'revenue'), {recursive: true})
      writeFileSync(path.join(root, 'revenue', 'mrr.yml'), FILES['revenue/mrr.yml']!.replace('unit: USD', 'unit: EUR'))
      const plan = await catalog.importPath(root)
      expect(plan.changed.map((c) => [c.id, c.fields])).toEqual([['revenue/mrr', [{field: 'unit', before: 'USD', after: 'EUR'}]]])
      const mrr = await catalog.get('finance/mrr')
      expect([mrr.id, mrr.version, mrr.unit, mrr.content_hash]).toEqual(['revenue/mrr', 3, 'EUR', contentHash(pickDefinition(mrr))])
      expect((await catalog.history('revenue/mrr')).map((h) => [h.version, h.change, h.content_hash])).toEqual([
        [1, 'create', expect.any(String)],
        [2, 'update', contentHash(defs.find((d) => d.id === 'revenue/mrr')!)],
        [3, 'update', mrr.content_hash],
      ])
    } finally {
      catalog.close()
    }
  })

  it('changes nothing when a stored row cannot be rewritten (a list field that is not JSON)', async () => {
    const {file} = v10Copy()
    let db = await Database.open(file)
    await db.run(`UPDATE metricat.metric_definitions SET chart = '{"type": "bar"' WHERE id = 'product/customers'`)
    db.close()
    const error = await openCatalog({db: file}).catch((e: unknown) => e)
    expect(String((error as Error).message)).toMatch(/migration 11 \(definition-fields-json\) failed, nothing was changed/)
    db = await Database.open(file)
    try {
      const [{v}] = await db.all<{v: number}>('SELECT max(version)::INTEGER AS v FROM metricat.schema_version')
      expect(v).toBe(10)
      const rows = await db.all<{id: string; chart: string | null}>(`SELECT id, chart FROM metricat.metric_definitions WHERE chart IS NOT NULL ORDER BY id`)
      expect(rows).toEqual([{id: 'product/customers', chart: '{"type": "bar"'}, {id: 'revenue/mrr', chart: '{"stacked":true,"type":"area"}'}])
    } finally {
      db.close()
    }
  })
})
