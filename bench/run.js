// `npm run bench`: every benchmark in one run, each figure as a ratio against a baseline measured
// in the same run (absolute times move from run to run on these machines).
import {summary} from './lib.js'

const only = process.argv[2]
const suites = ['catalog', 'lifecycle', 'query', 'rollups', 'server', 'points', 'points-query', 'mcp', 'web', 'chart-libs', 'clickhouse']
for (const name of suites) {
  if (only && only !== name) continue
  const mod = await import(`./${name}.bench.js`)
  await mod.run()
}
summary()
