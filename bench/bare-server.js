// Baseline for the server benchmark: the least an HTTP server can do to answer a metric query:
// node:http, a pool of read connections from @duckdb/node-api (as many as metricat's), the
// same SQL and parameters a `metricat query --json` result carries, rows as JSON. No auth, no parsing, no
// compile, no limits. Usage: node bench/bare-server.js DB COMPILED_JSON POOL_SIZE
import {readFileSync} from 'node:fs'
import {createServer} from 'node:http'
import {DuckDBInstance} from '@duckdb/node-api'

const [db, compiledFile, size] = process.argv.slice(2)
const {sql, params} = JSON.parse(readFileSync(compiledFile, 'utf8'))
const instance = await DuckDBInstance.create(db, {access_mode: 'READ_ONLY'})
const idle = []
for (let i = 0; i < Number(size); i++) idle.push(await instance.connect())
const waiting = []
const take = () => (idle.length > 0 ? Promise.resolve(idle.pop()) : new Promise((resolve) => waiting.push(resolve)))
const give = (c) => (waiting.length > 0 ? waiting.shift()(c) : idle.push(c))

const server = createServer(async (req, res) => {
  for await (const _ of req);
  const connection = await take()
  try {
    const reader = await connection.runAndReadAll(sql, params)
    const body = JSON.stringify({rows: reader.getRowObjectsJson()})
    res.writeHead(200, {'content-type': 'application/json'})
    res.end(body)
  } catch (error) {
    res.writeHead(500)
    res.end(String(error))
  } finally {
    give(connection)
  }
})
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`))
process.on('SIGTERM', () => process.exit(0))
