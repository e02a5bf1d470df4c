// The main-process side of the shared ClickHouse cluster (see test/clickhouse/shared-cluster.ts).
// Imported by test/global-setup.ts for every run: nothing here loads DuckDB or starts a server
// until a test file asks for the cluster.
import {createServer} from 'node:http'

import type {ClickHouseCluster, ClusterDescription} from './cluster.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** http://127.0.0.1:<port> of the main process's ClickHouse control (`clusterControl`); absent when not run by our global setup */
    clickhouseControl?: string
  }
}

/** The database of the shared cluster that holds the demo warehouse (Distributed tables). */
export const DEMO_DATABASE = 'demo'

/**
 * For the global setup (vitest's main process): a control endpoint on 127.0.0.1 that starts the
 * shared cluster on the first request and answers with its description:
 *
 *   POST /cluster                        the servers (database `metricat`, empty)
 *   POST /demo  {"duckdb": <demo file>}  the same servers with the demo warehouse copied into
 *                                        database `demo` (once, on the first such request)
 *
 * `close()` stops the servers by PID, if they were started (and waits for a start under way).
 */
export async function clusterControl(): Promise<{url: string; close: () => Promise<void>}> {
  let servers: Promise<ClickHouseCluster> | undefined
  let demo: Promise<ClickHouseCluster> | undefined
  const start = () =>
    // loaded here, on first use: a run without ClickHouse tests does not load DuckDB in this process
    (servers ??= import('./cluster.js').then((m) => m.startCluster()))
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', async () => {
      try {
        let cluster: ClickHouseCluster
        if (request.method === 'POST' && request.url === '/cluster') cluster = await start()
        else if (request.method === 'POST' && request.url === '/demo') {
          const {duckdb} = JSON.parse(body) as {duckdb: string}
          demo ??= start().then((c) => c.addDatabase({database: DEMO_DATABASE, duckdb}))
          cluster = await demo
        } else throw new Error(`ClickHouse control: expected POST /cluster or /demo, got ${request.method} ${request.url}`)
        const description: ClusterDescription = {
          database: cluster.database,
          shardDatabase: cluster.shardDatabase,
          cluster: cluster.cluster,
          root: cluster.root,
          shards: cluster.shards,
          tables: cluster.tables,
        }
        response.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify(description))
      } catch (error) {
        response.writeHead(500, {'content-type': 'text/plain'}).end(String((error as Error).stack ?? error))
      }
    })
  })
  // a request that waits for the cluster to start must not be cut off by the server's timeouts
  server.requestTimeout = 0
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  // the control must not keep vitest's process alive
  server.unref()
  const {port} = server.address() as {port: number}
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.close()
      const started = await servers?.catch(() => undefined)
      await started?.stop()
    },
  }
}
