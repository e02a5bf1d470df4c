/**
 * One ClickHouse cluster per test run, shared by every test file that reads the demo warehouse on
 * ClickHouse or needs a database of its own on a server in UTC with the default profile.
 *
 * The cluster belongs to vitest's main process: test/global-setup.ts calls `clusterControl()`
 * (test/clickhouse/cluster-control.ts), which listens on a port of 127.0.0.1 and provides its
 * address to the test files (`inject('clickhouseControl')`). Nothing is started then: the first
 * test file that asks (`sharedCluster()` or `demoCluster()`, in a worker) makes the main process
 * start the 2-shard cluster; the first `demoCluster()` also makes it copy the demo warehouse into
 * database `demo`. Every later call, from any worker, gets the same servers. A run without
 * ClickHouse test files starts no server. The global setup's teardown stops the servers by PID,
 * whether the tests passed or not, and they die with the main process if it is killed (see
 * `startCluster`).
 *
 * A test file that writes tables makes its own database on these servers
 * (`(await sharedCluster()).addDatabase({database: 'mine', duckdb})`); one that needs another
 * server setup (a time zone, a profile) starts its own with `startCluster`.
 */
import {inject} from 'vitest'

import {attachCluster, type ClickHouseCluster, type ClusterDescription, startCluster} from './cluster.js'
import {DEMO_DATABASE} from './cluster-control.js'

let servers: Promise<ClickHouseCluster> | undefined
let demo: Promise<ClickHouseCluster> | undefined

/** Outside our global setup (no control provided): a cluster of this process, killed when it ends. */
let own: Promise<ClickHouseCluster> | undefined

async function ask(path: '/cluster' | '/demo', body?: unknown): Promise<ClickHouseCluster> {
  const control = inject('clickhouseControl')!
  const response = await fetch(`${control}${path}`, {method: 'POST', body: JSON.stringify(body ?? {})})
  const text = await response.text()
  if (!response.ok) throw new Error(`the shared ClickHouse cluster did not start: ${text}`)
  return attachCluster(JSON.parse(text) as ClusterDescription)
}

/**
 * The run's shared 2-shard cluster (servers in UTC, default profile), seen from its empty database
 * `metricat`. Make a database of your own on it with `addDatabase`; stop nothing.
 */
export function sharedCluster(): Promise<ClickHouseCluster> {
  servers ??= inject('clickhouseControl') ? ask('/cluster') : (own ??= startCluster().then((c) => ({...c, stop: async () => {}})))
  return servers
}

/**
 * The demo warehouse (the rows `demoDatabase(dir)` holds in DuckDB) in database `demo` of the
 * run's shared cluster. Do not change its tables (other files read them); stop nothing.
 */
export function demoCluster(): Promise<ClickHouseCluster> {
  demo ??= (async () => {
    const {sharedDemo} = await import('../helpers.js')
    // the servers start while the demo database is built (or waited for)
    const [{db: duckdb}] = await Promise.all([sharedDemo(), sharedCluster()])
    if (inject('clickhouseControl')) return ask('/demo', {duckdb})
    return (await sharedCluster()).addDatabase({database: DEMO_DATABASE, duckdb})
  })()
  return demo
}
