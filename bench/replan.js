// `node bench/replan.js`: does DuckDB plan a prepared statement again on every run? For the bench's
// fixed cost per metric query (README "Performance"). Prepares a few statements once, runs each
// three times, and prints the planner time DuckDB's profiler reports for every run: 0 when the plan
// was kept. Statements with bound parameters are planned again on every run, whatever the values'
// types (bound as text, or with the exact parameter type DuckDB inferred); without parameters the
// plan is kept. Re-run after a DuckDB upgrade.
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {DuckDBInstance, TIMESTAMP, VARCHAR, timestampValue} from '@duckdb/node-api'

const dir = mkdtempSync(path.join(tmpdir(), 'metricat-replan-'))
const profile = path.join(dir, 'profile.json')
const instance = await DuckDBInstance.create(':memory:')
const connection = await instance.connect()
try {
  await connection.run(`CREATE TABLE orders AS SELECT i AS id, TIMESTAMP '2025-01-01' + to_seconds(i) AS ts, ['EU', 'NA'][1 + i % 2] AS region FROM range(1000) AS t(i)`)
  await connection.run(`PRAGMA enable_profiling = 'json'`)
  await connection.run(`PRAGMA profiling_output = '${profile}'`)
  await connection.run(`SET custom_profiling_settings = '{"PLANNER": "true"}'`)
  const at = timestampValue(1735690000000000n)
  const cases = [
    ['no parameters', `SELECT count(*) FROM orders WHERE ts >= TIMESTAMP '2025-01-01 00:06:40'`, [], undefined],
    ['ts >= $1, bound as text', 'SELECT count(*) FROM orders WHERE ts >= $1', ['2025-01-01 00:06:40'], undefined],
    ['ts >= $1, bound as TIMESTAMP', 'SELECT count(*) FROM orders WHERE ts >= $1', [at], [TIMESTAMP]],
    ['CAST($1 AS TIMESTAMP), bound as TIMESTAMP', 'SELECT count(*) FROM orders WHERE ts >= CAST($1 AS TIMESTAMP)', [at], [TIMESTAMP]],
    ['region = $1, bound as VARCHAR', 'SELECT count(*) FROM orders WHERE region = $1', ['EU'], [VARCHAR]],
    ['$1 reading no table', 'SELECT CAST($1 AS TIMESTAMP) AS t', [at], [TIMESTAMP]],
  ]
  console.log(`DuckDB planner time per run of a statement prepared once (ms; 0: the plan was kept)`)
  for (const [name, sql, values, types] of cases) {
    const prepared = await connection.prepare(sql)
    const planner = []
    for (let i = 0; i < 3; i++) {
      if (values.length > 0) {
        prepared.clearBindings()
        prepared.bind(values, types)
      }
      await prepared.run()
      planner.push(JSON.parse(readFileSync(profile, 'utf8')).planner * 1000)
    }
    console.log(`  ${name}: ${planner.map((ms) => ms.toFixed(3)).join(', ')}${planner.every((ms) => ms > 0) ? '  (planned again on every run)' : ''}`)
    prepared.destroySync()
  }
} finally {
  connection.closeSync()
  instance.closeSync()
  rmSync(dir, {recursive: true, force: true})
}
