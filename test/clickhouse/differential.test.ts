// The same metrics, the same numbers on a 2-shard ClickHouse 18.16 cluster (test/clickhouse/cluster.ts):
// see differential-suite.ts for what is compared and the floating-point tolerance.
import {openCatalog} from '../../src/core/catalog.js'
import {clickhouseAvailable} from './cluster.js'
import {demoCluster} from './shared-cluster.js'
import {differentialSuite} from './differential-suite.js'

const skip = clickhouseAvailable()
if (skip) console.warn(skip)

differentialSuite('DuckDB and a 2-shard ClickHouse cluster agree', skip, async (db) => {
  const cluster = await demoCluster()
  return openCatalog({db, warehouse: cluster.url})
})
