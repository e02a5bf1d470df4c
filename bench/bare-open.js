// Cold open of the catalog: in a fresh process, time `openCatalog` (read-only, nothing to migrate)
// against a bare open of the same file with @duckdb/node-api that reads one small table. DuckDB's module is loaded before
// either clock starts (both pay for it the same way), and the two run in alternating order.
// `instance`: DuckDB creating an in-memory instance and connecting, nothing else (what any open costs).
// Usage: node bench/bare-open.js DB catalog|bare|instance
import {createRequire} from 'node:module'

const [db, mode] = process.argv.slice(2)
const {DuckDBInstance} = createRequire(import.meta.url)('@duckdb/node-api')
const {openCatalog} = await import('../dist/core/catalog.js')
// metricat loads its own one-file build of @duckdb/node-api (dist/db/duckdb-api.cjs): load it here too
;(await import('../dist/db/connection.js')).duckdbApi()
const t0 = performance.now()
if (mode === 'catalog') {
  const catalog = await openCatalog({db, readOnly: true})
  const ms = performance.now() - t0
  catalog.close()
  process.stdout.write(`${JSON.stringify({ms})}\n`)
} else if (mode === 'instance') {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  const ms = performance.now() - t0
  connection.closeSync()
  instance.closeSync()
  process.stdout.write(`${JSON.stringify({ms})}\n`)
} else {
  // Opening a file means reading something from it: the least any tool must read before it uses
  // the file is one small table (here the schema version openCatalog checks); `SELECT 1` reads
  // nothing, and the first read of a table is where DuckDB loads the file's catalog.
  const instance = await DuckDBInstance.create(db, {access_mode: 'READ_ONLY'})
  const connection = await instance.connect()
  await connection.run('SELECT max(version) FROM metricat.schema_version')
  const ms = performance.now() - t0
  connection.closeSync()
  instance.closeSync()
  process.stdout.write(`${JSON.stringify({ms})}\n`)
}
