// `metricat import metrics/` while `metricat serve` holds the file goes through the server as
// documents named as the client read them (`metrics/metrics.yml`, `metrics/shop/orders.yml`):
// the index must be read as the index there too, vocabulary included, as on the file.
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {RemoteCatalog} from '../../src/cli/remote-catalog.js'
import type {Catalog} from '../../src/core/catalog.js'
import {TokenStore} from '../../src/core/tokens.js'
import {type RunningServer, startServer} from '../../src/server/start.js'
import {newCatalog, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let catalog: Catalog
let server: RunningServer
let remote: RemoteCatalog
let folder: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  catalog = await newCatalog(dir)
  const admin = (await new TokenStore(catalog.db).createToken('alice', 'admin')).token
  server = await startServer(catalog, {host: '127.0.0.1', port: 0})
  remote = new RemoteCatalog(server.url, admin)
  folder = path.join(dir, 'metrics')
  mkdirSync(path.join(folder, 'shop'), {recursive: true})
  writeFileSync(path.join(folder, 'shop', 'orders.yml'), 'name: orders\ntype: count\ntable: orders\ntime_column: ordered_at\n')
  writeFileSync(
    path.join(folder, 'metrics.yml'),
    'version: 1\ndescription: the shop\ncategories:\n  - name: shop\n    folder: shop\n    metrics: [orders]\nvocabulary:\n  purchases: [orders]\n',
  )
})
afterAll(async () => {
  await server.stop()
  catalog.close()
  cleanup()
})

describe('import of a folder with its index, through a server', () => {
  it('reads metrics.yml as the index (not as a metric) and stores its vocabulary, as on the file', async () => {
    const dry = await remote.importPath(folder, {dryRun: true})
    expect(dry.added.map((a) => a.id)).toEqual(['shop/orders'])
    expect(dry.vocabulary).toEqual({words: 1, changed: true})
    const plan = await remote.importPath(folder)
    expect(plan.added.map((a) => a.id)).toEqual(['shop/orders'])
    expect(await catalog.vocabulary()).toEqual({purchases: ['orders']})
    const diff = await remote.diff(folder)
    expect([diff.added, diff.changed, diff.removed]).toEqual([[], [], []])
  })

  it('keeps a metrics.yml in a category folder a metric file', async () => {
    const plan = await catalog.importDocuments(
      [
        {file: 'm/shop/metrics.yml', text: 'name: metrics\ntype: count\ntable: orders\ntime_column: ordered_at\n', category: 'shop'},
        {file: 'm/other/x.yml', text: 'name: x\ntype: count\ntable: orders\ntime_column: ordered_at\n', category: 'other'},
      ],
      {dryRun: true},
    )
    expect(plan.added.map((a) => a.id).sort()).toEqual(['other/x', 'shop/metrics'])
  })
})
