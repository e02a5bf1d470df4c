import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {CatalogError} from '../../src/errors.js'
import {closeDiscarding, copyFixture, newCatalog, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let catalog: Catalog
let metrics: string
beforeEach(async () => {
  ;({dir, cleanup} = tempDir())
  catalog = await newCatalog(dir)
  metrics = copyFixture('metrics', dir)
})
afterEach(async () => {
  await closeDiscarding(catalog)
  cleanup()
})

async function versionCount(): Promise<number> {
  const [{n}] = await catalog.db.all<{n: number}>('SELECT count(*)::INTEGER AS n FROM mc.metricat.metric_versions')
  return n
}

describe('import', () => {
  it('adds every metric of a folder and writes one create version each', async () => {
    const plan = await catalog.importPath(metrics)
    expect(plan.added.map((a) => a.id).sort()).toEqual(['product/active_users', 'revenue/arr', 'revenue/mrr', 'revenue/total_revenue'])
    expect(plan.applied).toBe(true)
    expect(await versionCount()).toBe(4)
    expect((await catalog.get('revenue/mrr')).version).toBe(1)
  })

  it('writes no version when nothing changed', async () => {
    await catalog.importPath(metrics)
    const again = await catalog.importPath(metrics)
    expect(again).toMatchObject({added: [], changed: [], removed: [], applied: false})
    expect(again.unchanged).toHaveLength(4)
    expect(await versionCount()).toBe(4)
  })

  it('writes one update version for a changed file and reports the changed fields', async () => {
    await catalog.importPath(metrics)
    const file = path.join(metrics, 'revenue', 'mrr.yml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('unit: USD', 'unit: EUR'))
    const plan = await catalog.importPath(metrics)
    expect(plan.changed).toEqual([{id: 'revenue/mrr', change: 'update', file: expect.stringContaining('mrr.yml'), fields: [{field: 'unit', before: 'USD', after: 'EUR'}]}])
    const history = await catalog.history('revenue/mrr')
    expect(history.map((h) => [h.version, h.change, h.definition.unit])).toEqual([[1, 'create', 'USD'], [2, 'update', 'EUR']])
    expect(await versionCount()).toBe(5)
  })

  it('writes nothing when one file among good ones is broken, and lists every problem', async () => {
    writeFileSync(path.join(metrics, 'revenue', 'broken.yml'), 'name: broken\ntype: sum\nfoo: 1\n')
    writeFileSync(path.join(metrics, 'product', 'bad.yml'), 'name: [unclosed\n')
    const error = (await catalog.importPath(metrics).catch((e: unknown) => e)) as CatalogError
    expect(error).toBeInstanceOf(CatalogError)
    expect(error.code).toBe('VALIDATION')
    expect(error.problems.map((p) => `${path.basename(p.file!)}:${p.line}`)).toEqual(['bad.yml:2', 'broken.yml:3'])
    expect(await catalog.list()).toEqual([])
    expect(await versionCount()).toBe(0)
  })

  it('rejects a duplicate id across files with both locations', async () => {
    writeFileSync(path.join(metrics, 'revenue', 'copy.yml'), 'name: mrr\nsql: select 1\n')
    const error = (await catalog.importPath(metrics).catch((e: unknown) => e)) as CatalogError
    expect(error.problems).toHaveLength(1)
    expect(error.problems[0]!.message).toMatch(/^duplicate id revenue\/mrr \(also defined at .*copy\.yml:1\)$/)
    expect(error.problems[0]!.file).toMatch(/mrr\.yml$/)
  })

  it('rejects a synonym used by two metrics, naming both', async () => {
    writeFileSync(path.join(metrics, 'revenue', 'gross.yml'), 'name: gross\nsql: select 1\nsynonyms:\n  - Revenue\n')
    const error = (await catalog.importPath(metrics).catch((e: unknown) => e)) as CatalogError
    expect(error.problems.map((p) => p.message)).toEqual([expect.stringMatching(/duplicate synonym "(Revenue|revenue)": also a synonym of revenue\/(gross|total_revenue)/)])
    expect(error.problems[0]!.line).toBe(1)
  })

  it('rejects a derived metric that references an unknown metric', async () => {
    writeFileSync(path.join(metrics, 'revenue', 'arr.yml'), 'name: arr\ntype: derived\nformula: revenue/mmr * 12\n')
    const error = (await catalog.importPath(metrics).catch((e: unknown) => e)) as CatalogError
    expect(error.problems.map((p) => p.message)).toEqual(['references unknown metric revenue/mmr'])
  })

  it('rejects a reference cycle', async () => {
    writeFileSync(path.join(metrics, 'revenue', 'a.yml'), 'name: a\ntype: derived\nformula: revenue/b + 1\n')
    writeFileSync(path.join(metrics, 'revenue', 'b.yml'), 'name: b\ntype: derived\nformula: revenue/a * 2\n')
    const error = (await catalog.importPath(metrics).catch((e: unknown) => e)) as CatalogError
    expect(error.problems.map((p) => p.message)).toEqual(['reference cycle: revenue/a -> revenue/b -> revenue/a'])
  })

  it('with --prune deletes metrics whose files are gone, recording a delete version', async () => {
    await catalog.importPath(metrics)
    rmSync(path.join(metrics, 'product', 'active_users.yml'))
    const plan = await catalog.importPath(metrics, {prune: true})
    expect(plan.removed).toEqual([{id: 'product/active_users', change: 'delete'}])
    await expect(catalog.get('product/active_users')).rejects.toThrow(/unknown metric product\/active_users/)
    const history = await catalog.history('product/active_users')
    expect(history.map((h) => h.change)).toEqual(['create', 'delete'])
    expect(history[1]!.definition.name).toBe('active_users')
  })

  it('without --prune keeps metrics whose files are gone', async () => {
    await catalog.importPath(metrics)
    rmSync(path.join(metrics, 'product', 'active_users.yml'))
    const plan = await catalog.importPath(metrics)
    expect(plan.removed).toEqual([])
    expect((await catalog.get('product/active_users')).id).toBe('product/active_users')
  })

  it('with --dry-run returns the plan and writes nothing', async () => {
    const plan = await catalog.importPath(metrics, {dryRun: true})
    expect(plan.added).toHaveLength(4)
    expect(plan.applied).toBe(false)
    expect(await catalog.list()).toEqual([])
    expect(await versionCount()).toBe(0)
  })
})

describe('lookups', () => {
  // these tests only read: they share one imported catalog (an import, and the checkpoint when the
  // catalog closes, cost ~250 ms of CPU each time)
  let shared: Catalog
  let sharedCleanup: () => void
  beforeAll(async () => {
    const tmp = tempDir()
    sharedCleanup = tmp.cleanup
    shared = await newCatalog(tmp.dir)
    await shared.importPath(copyFixture('metrics', tmp.dir))
  })
  afterAll(() => {
    shared?.close()
    sharedCleanup?.()
  })

  it('resolves a former id (alias) to the current metric', async () => {
    expect((await shared.get('finance/mrr')).id).toBe('revenue/mrr')
    expect((await shared.history('finance/mrr'))[0]!.id).toBe('revenue/mrr')
    expect((await shared.lookupSynonym('finance/mrr')).map((m) => m.id)).toEqual(['revenue/mrr'])
  })

  it('suggests close ids for an unknown metric', async () => {
    await expect(shared.get('revenue/mrrr')).rejects.toThrow(/^unknown metric revenue\/mrrr; did you mean revenue\/mrr\b/)
  })

  it('ranks an exact synonym first, then by relevance (a synonym holding both words beats one holding one)', async () => {
    const hits = await shared.search('Recurring Revenue')
    expect(hits.map((h) => [h.id, h.score])).toEqual([
      ['revenue/mrr', 100],
      ['revenue/arr', 90],
      ['revenue/total_revenue', 34],
    ])
    const words = await shared.search('revenue')
    expect(words[0]!.id).toBe('revenue/total_revenue')
    expect(words.map((h) => h.id).sort()).toEqual(['revenue/arr', 'revenue/mrr', 'revenue/total_revenue'])
    expect(words[0]!.score).toBe(100)
  })

  it('finds words from the description and notes', async () => {
    const hits = await shared.search('bots excluded')
    expect([hits[0]!.id, hits[0]!.matched]).toEqual(['product/active_users', 'notes'])
  })

  it('looks up a synonym exactly and case-insensitively', async () => {
    expect((await shared.lookupSynonym('MAU')).map((m) => m.id)).toEqual(['product/active_users'])
    expect(await shared.lookupSynonym('ma')).toEqual([])
  })

  it('looks up the metrics that read a table, qualified or not', async () => {
    expect((await shared.lookupTable('orders')).map((m) => m.id)).toEqual(['revenue/total_revenue'])
    expect((await shared.lookupTable('ORDERS')).map((m) => m.id)).toEqual(['revenue/total_revenue'])
    expect(await shared.tables()).toEqual([
      {table: 'orders', metrics: ['revenue/total_revenue']},
      {table: 'subscriptions', metrics: ['revenue/mrr']},
      {table: 'user_events', metrics: ['product/active_users']},
    ])
  })
})

describe('lookups after a write', () => {
  beforeEach(async () => {
    await catalog.importPath(metrics)
  })

  it('shows an older version of a changed metric', async () => {
    const file = path.join(metrics, 'revenue', 'mrr.yml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('unit: USD', 'unit: EUR'))
    await catalog.importPath(metrics)
    expect((await catalog.show('revenue/mrr', 1)).unit).toBe('USD')
    expect((await catalog.show('revenue/mrr')).unit).toBe('EUR')
    await expect(catalog.show('revenue/mrr', 9)).rejects.toThrow('revenue/mrr has no version 9; versions: 1, 2')
  })

  it('deletes a metric and keeps its history', async () => {
    await catalog.delete('revenue/total_revenue')
    expect((await catalog.list()).map((m) => m.id)).not.toContain('revenue/total_revenue')
    expect((await catalog.history('revenue/total_revenue')).map((h) => h.change)).toEqual(['create', 'delete'])
  })
})

describe('single-metric writes keep the catalog consistent', () => {
  beforeEach(async () => {
    await catalog.importPath(metrics)
  })

  it('refuses a put that gives another metric\'s synonym, even though the problem is reported against the other', async () => {
    const error = (await catalog.putMetric({name: 'arr', category: 'revenue', type: 'derived', formula: 'revenue/mrr * 12', synonyms: ['mau']}).catch((e: unknown) => e)) as CatalogError
    expect(error.code).toBe('VALIDATION')
    expect(error.message).toMatch(/duplicate synonym "mau"/)
    expect((await catalog.get('revenue/arr')).synonyms).toEqual(['annual recurring revenue'])
  })

  it('refuses to delete a metric another one references, and deletes nothing', async () => {
    await expect(catalog.delete('revenue/mrr')).rejects.toThrow('cannot delete revenue/mrr: revenue/arr references unknown metric revenue/mrr')
    expect((await catalog.get('revenue/mrr')).id).toBe('revenue/mrr')
  })

  it('checks an expected version inside the write', async () => {
    await expect(catalog.putMetric({name: 'mrr', category: 'revenue', sql: 'select 1'}, {expectedVersion: 7})).rejects.toThrow('revenue/mrr is at version 1, not 7; read it again and retry')
    await expect(catalog.delete('revenue/total_revenue', {expectedVersion: 2})).rejects.toThrow(/is at version 1, not 2/)
    expect((await catalog.delete('revenue/total_revenue', {expectedVersion: 1})).deleted).toBe(true)
  })

  it('lets only one of two concurrent writers that expect the same version through', async () => {
    const put = (description: string) => catalog.putMetric({name: 'mrr', category: 'revenue', sql: 'select 1', description}, {expectedVersion: 1})
    const results = await Promise.allSettled([put('A'), put('B')])
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    expect(((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as CatalogError).code).toBe('CONFLICT')
    expect((await catalog.history('revenue/mrr')).map((h) => h.version)).toEqual([1, 2])
  })
})

describe('init --demo', () => {
  it('checks the starter pack before writing the demo tables', async () => {
    const {initCatalog} = await import('../../src/core/init.js')
    await catalog.importDocuments([{file: 'x.yml', category: 'other', text: 'name: rev\nsql: select 1\nsynonyms: [monthly run rate]\n'}])
    await expect(initCatalog(catalog, {demo: true})).rejects.toThrow(/duplicate synonym "monthly run rate"/)
    const tables = await catalog.db.all<{n: number}>(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE database_name = 'mc' AND schema_name = 'main'`)
    expect(tables[0]!.n).toBe(0)
  })
})

describe('export', () => {
  it('reproduces the imported files byte for byte', async () => {
    await catalog.importPath(metrics)
    const out = path.join(dir, 'out')
    const files = (await catalog.exportMetrics({dir: out})).filter((f) => !f.index)
    expect(files).toHaveLength(4)
    for (const f of files) {
      const rel = path.relative(out, f.path)
      expect(readFileSync(f.path, 'utf8'), rel).toBe(readFileSync(path.join(metrics, rel), 'utf8'))
    }
  })
})
