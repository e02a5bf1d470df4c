// Baseline for cold `metricat query`: open the DuckDB file and run the same SQL with the same params.
import {readFileSync} from 'node:fs'
import {DuckDBInstance} from '@duckdb/node-api'

const [file, compiledFile] = process.argv.slice(2)
const {sql, params} = JSON.parse(readFileSync(compiledFile, 'utf8'))
const instance = await DuckDBInstance.create(file)
const connection = await instance.connect()
const reader = await connection.runAndReadAll(sql, params)
process.stdout.write(`${JSON.stringify({rows: reader.getRowObjectsJson()}, null, 2)}\n`)
