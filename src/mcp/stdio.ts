import type {Catalog} from '../core/catalog.js'
import {StdioServerTransport} from './sdk.js'
import {createMcpServer} from './server.js'

/**
 * Serves the MCP tools on stdin/stdout until stdin ends or a SIGINT/SIGTERM arrives. Stdout
 * carries only protocol messages; anything else goes to stderr.
 */
export async function serveStdio(catalog: () => Promise<Catalog>): Promise<void> {
  const {server, idle, preload} = createMcpServer(catalog, {log: (message) => process.stderr.write(`${message}\n`)})
  const transport = new StdioServerTransport()
  const done = new Promise<void>((resolve) => {
    const stop = () => {
      process.stdin.off('end', stop)
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      // answer what was asked before the client hung up, then close
      // (the SDK sends a reply a few promise turns after the handler returns)
      void idle()
        .then(() => new Promise((next) => setImmediate(next)))
        .then(() => server.close())
        .finally(resolve)
    }
    // the SDK's stdio transport does not notice its client going away; stdin's end says so
    process.stdin.once('end', stop)
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await server.connect(transport)
  // start loading the tools and DuckDB and opening the file now, after the transport listens
  preload()
  catalog().catch(() => undefined)
  await done
}
