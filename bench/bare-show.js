// Baseline for cold `metricat show`: open the same DuckDB file and select one definition row.
// `node bench/bare-show.js FILE ID` loads DuckDB the documented way (ESM import);
// `... FILE ID require` loads it with require(), as metricat does, for a stricter comparison.
import {createRequire} from 'node:module'

const [file, id, mode] = process.argv.slice(2)
const {DuckDBInstance} = mode === 'require' ? createRequire(import.meta.url)('@duckdb/node-api') : await import('@duckdb/node-api')
const instance = await DuckDBInstance.create(file)
const connection = await instance.connect()
const reader = await connection.runAndReadAll('SELECT * FROM metricat.metric_definitions WHERE id = $1', [id])
process.stdout.write(`${JSON.stringify(reader.getRowObjectsJson()[0], null, 2)}\n`)
