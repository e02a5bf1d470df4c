// The fixed cost every catalog open / import / close pays (every test and every cold CLI command
// that writes pays it): in this process, CPU time (all threads: DuckDB works on its own) of
// `openCatalog` on a copy of an empty catalog, `importPath` of four small metrics, `list` and
// `close()` (the close checkpoints what the import wrote), against a bare @duckdb/node-api open
// and close of a copy of the same file that reads the schema version (what any tool pays to open
// it). Both alternate, `ROUNDS` times each; medians.
// Alone: `npm run build && node bench/run.js lifecycle`.
import {copyFileSync, rmSync} from 'node:fs'
import path from 'node:path'

import {openCatalog} from '../dist/core/catalog.js'
import {duckdbApi} from '../dist/db/connection.js'
import {ROOT, freshDir, median, report} from './lib.js'

const ROUNDS = 15
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'metrics')

function cpuMs(since) {
  const u = process.cpuUsage(since)
  return (u.user + u.system) / 1000
}

export async function run() {
  console.log('\nCatalog lifecycle (CPU per open / import / close)')
  const dir = freshDir('lifecycle')
  const empty = path.join(dir, 'empty.duckdb')
  ;(await openCatalog({db: empty, create: true})).close()
  const {DuckDBInstance} = duckdbApi()
  const phases = {open: [], import: [], list: [], close: [], total: [], bare: []}
  for (let i = -1; i < ROUNDS; i++) {
    const file = path.join(dir, `catalog-${i}.duckdb`)
    copyFileSync(empty, file)
    let c = process.cpuUsage()
    const start = c
    const catalog = await openCatalog({db: file})
    const open = cpuMs(c)
    c = process.cpuUsage()
    await catalog.importPath(FIXTURES)
    const imported = cpuMs(c)
    c = process.cpuUsage()
    await catalog.list()
    const list = cpuMs(c)
    c = process.cpuUsage()
    catalog.close()
    const close = cpuMs(c)
    const total = cpuMs(start)
    rmSync(file)

    const bareFile = path.join(dir, `bare-${i}.duckdb`)
    copyFileSync(empty, bareFile)
    c = process.cpuUsage()
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    await connection.run(`ATTACH '${bareFile.replaceAll("'", "''")}' AS mc`)
    await connection.run('SELECT max(version) FROM mc.metricat.schema_version')
    connection.closeSync()
    instance.closeSync()
    const bare = cpuMs(c)
    rmSync(bareFile)
    if (i < 0) continue // warm-up: module loading, first compile of the schema
    phases.open.push(open)
    phases.import.push(imported)
    phases.list.push(list)
    phases.close.push(close)
    phases.total.push(total)
    phases.bare.push(bare)
  }
  const bare = median(phases.bare)
  const note = 'CPU ms, medians'
  report('lifecycle: openCatalog vs bare open/close (CPU)', {value: median(phases.open), baseline: bare, note})
  report('lifecycle: import of 4 metrics vs bare open/close (CPU)', {value: median(phases.import), baseline: bare, note})
  report('lifecycle: list vs bare open/close (CPU)', {value: median(phases.list), baseline: bare, note})
  report('lifecycle: close after import vs bare open/close (CPU)', {value: median(phases.close), baseline: bare, note})
  report('lifecycle: open + import + list + close vs bare open/close (CPU)', {value: median(phases.total), baseline: bare, note})
  rmSync(dir, {recursive: true, force: true})
}
