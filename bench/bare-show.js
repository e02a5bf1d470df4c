// Baseline for cold `metricat show`: open the same DuckDB file and select one definition row.
import {DuckDBInstance} from '@duckdb/node-api'

const [file, id] = process.argv.slice(2)
const instance = await DuckDBInstance.create(file)
const connection = await instance.connect()
const reader = await connection.runAndReadAll('SELECT * FROM metricat.metric_definitions WHERE id = $1', [id])
process.stdout.write(`${JSON.stringify(reader.getRowObjectsJson()[0], null, 2)}\n`)
