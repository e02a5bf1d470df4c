// `node bench/query-process.js DB ROUNDS I,J,...`: times the query bench's questions I, J... (indexes
// into QUERIES of bench/query.bench.js) in this fresh process on the bench's database, as that bench
// times them in its own process, and prints the times per question as JSON. The query bench pools
// several such processes into its compiled / hand-written figure.
import {openCatalog} from '../dist/core/catalog.js'
import {QUERIES, timeQuestion} from './query.bench.js'

const [db, rounds, questions] = process.argv.slice(2)
const catalog = await openCatalog({db, readOnly: true})
try {
  const times = []
  for (const i of questions.split(',').map(Number)) times.push(await timeQuestion(catalog, QUERIES[i], Number(rounds)))
  process.stdout.write(JSON.stringify(times))
} finally {
  catalog.close()
}
