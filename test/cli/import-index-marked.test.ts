// `metricat import metrics/` through a server, with a metric file at the top of the folder beside
// its index metrics.yml: the client knows which file is the folder's index and says so
// (`index: true`); the server guessed from the names alone and read metrics.yml as a metric
// ("missing required field name") because not every other file lay in a subfolder.
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
  writeFileSync(path.join(folder, 'visits.yml'), 'name: visits\ntype: count\ntable: visits\ntime_column: day\n')
  writeFileSync(path.join(folder, 'metrics.yml'), 'version: 1\ndescription: the shop\ncategories:\n  - name: shop\n    folder: shop\n    metrics: [orders]\nvocabulary:\n  purchases: [orders]\n')
})
afterAll(async () => {
  await server.stop()
  catalog.close()
  cleanup()
})

describe('a folder index beside a metric file at the top, imported through a server', () => {
  it('is read as the index, as on the file', async () => {
    const local = await catalog.importPath(folder, {dryRun: true})
    const plan = await remote.importPath(folder, {dryRun: true})
    expect(plan.added.map((a) => a.id).sort()).toEqual(local.added.map((a) => a.id).sort())
    expect(plan.added.map((a) => a.id).sort()).toEqual(['metrics/visits', 'shop/orders'])
    expect(plan.vocabulary).toEqual({words: 1, changed: true})
  })

  it('an index flag on a document is taken as given over HTTP', async () => {
    const plan = await catalog.importDocuments(
      [
        {file: 'a/shop/metrics.yml', text: 'version: 1\ncategories:\n  - name: shop\n    folder: shop\n    metrics: [orders]\n', index: true},
        {file: 'a/shop/orders.yml', text: 'name: orders\ntype: count\ntable: orders\ntime_column: ordered_at\n', category: 'shop'},
      ],
      {dryRun: true},
    )
    expect(plan.added.map((a) => a.id)).toEqual(['shop/orders'])
  })
})
