// Cold open of the catalog: in a fresh process, time `openCatalog` (read-only, nothing to migrate)
// against a bare open of the same file with @duckdb/node-api. DuckDB's module is loaded before
// either clock starts (both pay for it the same way), and the two run in alternating order.
// Usage: node bench/bare-open.js DB catalog|bare
import {createRequire} from 'node:module'

const [db, mode] = process.argv.slice(2)
const {DuckDBInstance} = createRequire(import.meta.url)('@duckdb/node-api')
const {openCatalog} = await import('../dist/core/catalog.js')
const t0 = performance.now()
if (mode === 'catalog') {
  const catalog = await openCatalog({db, readOnly: true})
  const ms = performance.now() - t0
  catalog.close()
  process.stdout.write(`${JSON.stringify({ms})}\n`)
} else {
  const instance = await DuckDBInstance.create(db, {access_mode: 'READ_ONLY'})
  const connection = await instance.connect()
  await connection.run('SELECT 1')
  const ms = performance.now() - t0
  connection.closeSync()
  instance.closeSync()
  process.stdout.write(`${JSON.stringify({ms})}\n`)
}
