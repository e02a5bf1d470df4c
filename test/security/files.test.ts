// Issue 10 items 5, 10 and 11: import follows symlinks only inside the folder and never prunes on
// a partial read; export --dir never writes outside its folder; YAML size and node limits.
import {existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {parseMetricYaml} from '../../src/catalog/yaml.js'
import type {Catalog} from '../../src/core/catalog.js'
import {CatalogError} from '../../src/errors.js'
import {newCatalog, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let catalog: Catalog

beforeAll(async () => {
  ;({dir, cleanup} = tempDir('metricat-sec-files-'))
  catalog = await newCatalog(dir)
})
afterAll(() => {
  catalog?.close()
  cleanup()
})

const metric = (name: string) => `name: ${name}\nsql: SELECT 1 AS value\n`
async function errorOf(p: Promise<unknown>): Promise<CatalogError> {
  try {
    await p
  } catch (error) {
    return error as CatalogError
  }
  throw new Error('expected an error')
}
const ids = async () => (await catalog.list()).map((m) => m.id).sort()

describe('import --prune with symbolic links', () => {
  // metrics/links/a.yml (a file), metrics/links/b.yml -> ../common/b.metric (inside the folder)
  const root = () => path.join(dir, 'links-repo', 'metrics')
  beforeAll(() => {
    mkdirSync(path.join(root(), 'links'), {recursive: true})
    mkdirSync(path.join(root(), 'common'), {recursive: true})
    writeFileSync(path.join(root(), 'links', 'a.yml'), metric('a'))
    writeFileSync(path.join(root(), 'common', 'b.metric'), metric('b'))
    symlinkSync('../common/b.metric', path.join(root(), 'links', 'b.yml'))
    // a folder linked from inside the tree is walked too
    mkdirSync(path.join(root(), 'real_dir'), {recursive: true})
    writeFileSync(path.join(root(), 'real_dir', 'c.yml'), metric('c'))
    symlinkSync('real_dir', path.join(root(), 'linked'))
  })

  it('follows links that stay inside the folder, and --prune keeps their metrics', async () => {
    const first = await catalog.importPath(root())
    expect(first.added.map((a) => a.id).sort()).toEqual(['linked/c', 'links/a', 'links/b', 'real_dir/c'])
    const again = await catalog.importPath(root(), {prune: true})
    expect(again.removed).toEqual([])
    expect(await ids()).toEqual(['linked/c', 'links/a', 'links/b', 'real_dir/c'])
  })

  it('refuses a link that leads outside the folder, and prunes nothing', async () => {
    const outside = path.join(dir, 'outside')
    mkdirSync(outside, {recursive: true})
    writeFileSync(path.join(outside, 'd.yml'), metric('d'))
    symlinkSync(path.join(outside, 'd.yml'), path.join(root(), 'links', 'd.yml'))
    try {
      const before = await ids()
      const e = await errorOf(catalog.importPath(root(), {prune: true}))
      expect(e.code).toBe('VALIDATION')
      expect(e.message).toMatch(/links\/d\.yml:1:1: a symbolic link to .*outside\/d\.yml, outside .*metrics; metric files are read only from inside the folder/)
      expect(await ids()).toEqual(before)
      // a linked folder outside is refused the same way
    } finally {
      // leave the tree as the next test expects
      await import('node:fs').then((fs) => fs.rmSync(path.join(root(), 'links', 'd.yml')))
    }
  })

  it('a broken link or an unreadable file stops the import before anything is pruned', async () => {
    symlinkSync(path.join(dir, 'nowhere.yml'), path.join(root(), 'links', 'gone.yml'))
    try {
      const before = await ids()
      const e = await errorOf(catalog.importPath(root(), {prune: true}))
      expect(e.message).toMatch(/gone\.yml:1:1: a symbolic link that leads nowhere/)
      expect(await ids()).toEqual(before)
    } finally {
      await import('node:fs').then((fs) => fs.rmSync(path.join(root(), 'links', 'gone.yml')))
    }
  })
})

describe('export --dir writes only inside its folder', () => {
  it('refuses a stored category or name that would leave the folder, writing nothing', async () => {
    await catalog.putMetric({name: 'ok', category: 'exp', sql: 'SELECT 1 AS value'})
    // stored straight into the table, as a tampered file or another program could
    await catalog.db.run(`UPDATE mc.metricat.metric_definitions SET id = 'evil/x', fields = json_merge_patch(fields, '{"category": "../../escaped", "name": "pwn"}') WHERE id = 'exp/ok'`)
    const reopened = await (async () => {
      catalog.close()
      return (await import('../../src/core/catalog.js')).openCatalog({db: path.join(dir, 'test.duckdb')})
    })()
    catalog = reopened
    const out = path.join(dir, 'export-a', 'metrics')
    const e = await errorOf(catalog.exportMetrics({dir: out}))
    expect(e.code).toBe('BAD_REQUEST')
    expect(e.message).toMatch(/^refusing to export "evil\/x": its category "..\/..\/escaped" is not snake_case/)
    expect(existsSync(out)).toBe(false)
    expect(existsSync(path.join(dir, 'escaped'))).toBe(false)
    await catalog.delete('evil/x')
  })

  it('refuses a category folder that is a link leading outside', async () => {
    const out = path.join(dir, 'export-b')
    const elsewhere = path.join(dir, 'elsewhere')
    mkdirSync(out, {recursive: true})
    mkdirSync(elsewhere, {recursive: true})
    symlinkSync(elsewhere, path.join(out, 'links'))
    const e = await errorOf(catalog.exportMetrics({dir: out}))
    expect(e.message).toMatch(/^refusing to export "links\/a": .*links leads outside the folder/)
    expect(readdirSync(elsewhere)).toEqual([])
    expect(readdirSync(out)).toEqual(['links'])
  })
})

describe('YAML limits', () => {
  const env = (vars: Record<string, string | undefined>, fn: () => void) => {
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
    Object.assign(process.env, vars)
    try {
      fn()
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
    }
  }

  it('a document over the size limit is refused before it is parsed', () => {
    env({METRICAT_YAML_MAX_BYTES: '1000'}, () => {
      const r = parseMetricYaml(`${metric('big')}notes: ${'x'.repeat(2000)}\n`, 'big.yml', 'c')
      expect(r.problems).toEqual([{file: 'big.yml', line: 1, column: 1, message: expect.stringMatching(/^the document is 20\d\d bytes; at most 1000 \(METRICAT_YAML_MAX_BYTES\)$/)}])
    })
  })

  it('a document with too many nodes is refused', () => {
    env({METRICAT_YAML_MAX_NODES: '100'}, () => {
      const text = Array.from({length: 30}, (_, i) => `- name: m${i}\n  sql: SELECT 1 AS value`).join('\n')
      const r = parseMetricYaml(text, 'list.yml', 'c')
      expect(r.problems).toHaveLength(1)
      expect(r.problems[0]!.message).toBe('the document has more than 100 YAML nodes (METRICAT_YAML_MAX_NODES)')
      expect(r.metrics).toEqual([])
    })
  })

  it('duplicate keys are still reported where they are', () => {
    const r = parseMetricYaml('name: a\nsql: SELECT 1\nname: b\n', 'dup.yml', 'c')
    expect(r.problems).toEqual([{file: 'dup.yml', line: 3, column: 1, message: 'YAML syntax error: Map keys must be unique'}])
  })

  it('40,000 unknown keys give a bounded answer (the node limit), not 40,000 problems', () => {
    const text = `name: x\ntype: sum\n${Array.from({length: 40_000}, (_, i) => `k${i}: ${i}`).join('\n')}\n`
    const r = parseMetricYaml(text, 'wide.yml', 'c')
    expect(r.problems).toEqual([expect.objectContaining({message: 'the document has more than 50000 YAML nodes (METRICAT_YAML_MAX_NODES)'})])
  })

  it('many unknown keys under the node limit: the first 50 problems and a count', () => {
    const text = `name: x\ntype: sum\n${Array.from({length: 2_000}, (_, i) => `k${i}: ${i}`).join('\n')}\n`
    const r = parseMetricYaml(text, 'wide.yml', 'c')
    expect(r.problems).toHaveLength(51)
    expect(r.problems[0]!.message).toBe('more than 50 schema problems in this metric; the first 50 follow')
    expect(r.problems[1]!.message).toMatch(/^unknown field "k0"/)
  })
})
