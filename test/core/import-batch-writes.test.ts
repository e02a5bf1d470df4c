// An import writes all its rows in one transaction through DuckDB's appender (src/catalog/
// repository.ts appendRows). These tests pin what that path must keep: the same stored rows and
// history as writing the metrics one file at a time, nothing written when anything in the batch
// fails, every field's value as the YAML gave it, and definition SQL checked per field even when
// metrics share a text (it is parsed once per distinct text).
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {contentHash, pickDefinition} from '../../src/catalog/hash.js'
import {writeMetrics} from '../../src/catalog/repository.js'
import type {MetricDefinition, StoredMetric} from '../../src/catalog/types.js'
import type {Catalog} from '../../src/core/catalog.js'
import {CatalogError} from '../../src/errors.js'
import {closeDiscarding, newCatalog, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let catalog: Catalog
beforeEach(async () => {
  ;({dir, cleanup} = tempDir('metricat-batch-'))
  catalog = await newCatalog(dir)
})
afterEach(async () => {
  await closeDiscarding(catalog)
  cleanup()
})

function metricYaml(name: string, extra = ''): string {
  return `name: ${name}
display_name: Metric ${name}
description: "Quotes ' and \\" and unicode é — ✓ for ${name}"
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
filters:
  - status = 'completed'
synonyms:
  - ${name} synonym
notes: |
  Line one.
  Line two.
${extra}`
}

const PERCENTILE = `name: p90_amount
type: percentile
percentile: 0.9
table: orders
time_column: ordered_at
expression: amount
grain: day
`

/** Writes `files` ({relative path: text}) under a fresh folder; returns the folder. */
function folder(name: string, files: Record<string, string>): string {
  const root = path.join(dir, name)
  rmSync(root, {recursive: true, force: true})
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), {recursive: true})
    writeFileSync(path.join(root, rel), text)
  }
  return root
}

const V1 = {
  'sales/a.yml': metricYaml('a'),
  'sales/b.yml': metricYaml('b'),
  'sales/c.yml': metricYaml('c'),
  'ops/d.yml': metricYaml('d', 'owner: ops@example.com\n'),
  'ops/p90_amount.yml': PERCENTILE,
}
// a changed, b unchanged, c removed (prune), d changed, e added, the percentile unchanged
const V2 = {
  'sales/a.yml': metricYaml('a').replace('unit: USD', 'unit: EUR'),
  'sales/b.yml': metricYaml('b'),
  'ops/d.yml': metricYaml('d', 'owner: data@example.com\n'),
  'ops/e.yml': metricYaml('e'),
  'ops/p90_amount.yml': PERCENTILE,
}

async function counts(c: Catalog): Promise<{defs: number; versions: number; dataVersions: number}> {
  const [row] = await c.db.all<{defs: number; versions: number; dataVersions: number}>(
    `SELECT (SELECT count(*) FROM mc.metricat.metric_definitions)::INTEGER AS defs,
            (SELECT count(*) FROM mc.metricat.metric_versions)::INTEGER AS versions,
            (SELECT coalesce(max(version), 0) FROM mc.metricat.data_versions)::INTEGER AS "dataVersions"`,
  )
  return row!
}

/** The stored metric without what differs from one write to another (timestamps). */
function stable(m: StoredMetric): Record<string, unknown> {
  const {created_at: _c, updated_at: _u, ...rest} = m
  return rest
}

describe('import writes (one transaction, appended rows)', () => {
  it('stores the same rows and history as importing the same files one at a time', async () => {
    const v1 = folder('v1', V1)
    const v2 = folder('v2', V2)
    // batched: one import per folder; v2 prunes c
    await catalog.importPath(v1)
    const plan = await catalog.importPath(v2, {prune: true})
    expect(plan.added.map((x) => x.id)).toEqual(['ops/e'])
    expect(plan.changed.map((x) => x.id).sort()).toEqual(['ops/d', 'sales/a'])
    expect(plan.unchanged.sort()).toEqual(['ops/p90_amount', 'sales/b'])
    expect(plan.removed.map((x) => x.id)).toEqual(['sales/c'])

    // one file at a time, in a second catalog (each import its own transaction of one row)
    const single = await newCatalog(dir, 'single.duckdb')
    try {
      for (const rel of Object.keys(V1)) await single.importPath(path.join(v1, rel))
      for (const rel of Object.keys(V2)) await single.importPath(path.join(v2, rel))
      await single.delete('sales/c', {source: 'yaml'})

      const batched = await catalog.list()
      expect(batched.map(stable)).toEqual((await single.list()).map(stable))
      for (const id of ['sales/a', 'sales/b', 'sales/c', 'ops/d', 'ops/e', 'ops/p90_amount']) {
        const strip = (h: Awaited<ReturnType<Catalog['history']>>) => h.map(({changed_at: _t, source: _s, ...rest}) => rest)
        expect(strip(await catalog.history(id))).toEqual(strip(await single.history(id)))
      }
    } finally {
      single.close()
    }

    // what the history says, independently of how it was written
    const a = await catalog.history('sales/a')
    expect(a.map((h) => [h.version, h.change, h.definition.unit])).toEqual([[1, 'create', 'USD'], [2, 'update', 'EUR']])
    for (const h of a) expect(h.content_hash).toBe(contentHash(h.definition))
    expect((await catalog.history('sales/c')).map((h) => [h.version, h.change])).toEqual([[1, 'create'], [2, 'delete']])
    expect((await catalog.history('sales/b')).map((h) => h.version)).toEqual([1])
    const storedA = await catalog.get('sales/a')
    expect(storedA.version).toBe(2)
    expect(storedA.content_hash).toBe(contentHash(pickDefinition(storedA)))
    expect(pickDefinition(storedA)).toEqual(a[1]!.definition)
    // an update keeps created_at; updated_at is the transaction's time, also every version row's
    const storedB = await catalog.get('sales/b')
    expect(storedA.created_at).toBe(storedB.created_at)
    expect(storedA.updated_at).not.toBe(storedA.created_at)
    expect(storedA.updated_at).toBe(a[1]!.changed_at)
    expect((await catalog.get('ops/e')).updated_at).toBe(storedA.updated_at)
    expect((await catalog.history('sales/c'))[1]!.changed_at).toBe(storedA.updated_at)
  })

  it('keeps every field as the YAML gave it (text, JSON lists and objects, numbers)', async () => {
    await catalog.importPath(folder('v1', V1))
    const d = await catalog.get('ops/d')
    expect(d).toMatchObject({
      description: `Quotes ' and " and unicode é — ✓ for d`,
      dimensions: ['region', {name: 'plan', expr: 'lower(plan)'}],
      filters: ["status = 'completed'"],
      synonyms: ['d synonym'],
      notes: 'Line one.\nLine two.\n',
      owner: 'ops@example.com',
      version: 1,
    })
    const p = await catalog.get('ops/p90_amount')
    expect(p.percentile).toBe(0.9)
    expect(typeof p.percentile).toBe('number')
    expect(p.description).toBeUndefined()
    const [row] = await catalog.db.all<{t: string; src: string}>(`SELECT json_type(fields, '$.percentile') AS t, source AS src FROM mc.metricat.metric_definitions WHERE id = 'ops/p90_amount'`)
    expect(row).toEqual({t: 'DOUBLE', src: 'yaml'})
  })

  it('writes nothing when a row in the middle of the batch fails inside the transaction', async () => {
    await catalog.importPath(folder('v1', V1))
    const before = await counts(catalog)
    const defs = (await catalog.list()).map((m) => pickDefinition(m))
    const changed = defs.map((d): MetricDefinition => ({...d, unit: 'GBP'}))
    // the same id twice in one batch: the primary key refuses the second row, after others were appended
    const batch = [...changed.slice(0, 3), changed[1]!, ...changed.slice(3)].map((definition) => ({definition}))
    const error = await catalog.db.transaction((tx) => writeMetrics(tx, batch, {source: 'cli'})).catch((e: unknown) => e)
    expect(String((error as Error).message)).toMatch(/Duplicate key|primary key|constraint/i)
    expect(await counts(catalog)).toEqual(before)
    for (const m of await catalog.list()) expect(m.unit === 'GBP').toBe(false)

    // rows appended, then the transaction fails later: the appended rows go with it
    const late = await catalog.db
      .transaction(async (tx) => {
        await writeMetrics(tx, changed.map((definition) => ({definition})), {source: 'cli'})
        throw new Error('fails after the rows were appended')
      })
      .catch((e: unknown) => e)
    expect((late as Error).message).toBe('fails after the rows were appended')
    expect(await counts(catalog)).toEqual(before)
    expect((await catalog.list()).map((m) => m.unit)).not.toContain('GBP')
    expect((await catalog.history('sales/a')).map((h) => h.version)).toEqual([1])
  })

  it('writes nothing when one file among many is bad, and names its file and line', async () => {
    const files: Record<string, string> = {}
    for (let i = 0; i < 60; i++) files[`cat/m${String(i).padStart(2, '0')}.yml`] = metricYaml(`m${String(i).padStart(2, '0')}`)
    files['cat/m30.yml'] = metricYaml('m30').replace("  - status = 'completed'", "  - status = 'completed'\n  - 1); DROP TABLE x; --")
    const error = (await catalog.importPath(folder('many', files)).catch((e: unknown) => e)) as CatalogError
    expect(error).toBeInstanceOf(CatalogError)
    expect(error.message).toMatch(/m30\.yml:\d+.*filters\[1\] must be exactly one SQL expression/)
    expect(await counts(catalog)).toEqual({defs: 0, versions: 0, dataVersions: 0})
  })

  it('reports a bad SQL text that several metrics share once per metric, each with its own file', async () => {
    const bad = '  - 1) FROM t WHERE (1'
    const root = folder('shared', {
      'cat/x.yml': metricYaml('x').replace("  - status = 'completed'", bad),
      'cat/y.yml': metricYaml('y').replace("  - status = 'completed'", bad),
      // the same text checked as a query (valid: one SELECT) and, wrapped, as an expression (not)
      'cat/z.yml': metricYaml('z').replace('notes: |', 'sql: "SELECT (1) FROM t WHERE (1\\n)"\nnotes: |'),
    })
    const error = (await catalog.importPath(root).catch((e: unknown) => e)) as CatalogError
    expect(error).toBeInstanceOf(CatalogError)
    const problems = (error.details as {problems: {file?: string; metric?: string; message: string}[]}).problems
    expect(problems.map((p) => [path.basename(p.file ?? ''), p.metric])).toEqual([
      ['x.yml', 'cat/x'],
      ['y.yml', 'cat/y'],
    ])
    for (const p of problems) expect(p.message).toMatch(/^filters\[0\] must be exactly one SQL expression/)
  })
})
