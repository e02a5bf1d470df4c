// Part of `npm run build`: replaces dist/mcp/sdk.js (tsc's re-exports of the MCP SDK) with one
// file holding the SDK and its dependencies. Node 20 loads an ES module graph file by file (resolve,
// read, compile, link each of some 200 files); one file of the same code starts in about a third
// of the time, which is most of what `metricat mcp` needs before it can answer `initialize`.
import {build} from 'esbuild'
import {fileURLToPath} from 'node:url'

const file = fileURLToPath(new URL('../dist/mcp/sdk.js', import.meta.url))
await build({
  entryPoints: [file],
  outfile: file,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'eof',
})

// The same for @duckdb/node-api, which every command that opens the catalog loads: its ~180
// CommonJS files, each resolved, read and compiled on its own, take twice the CPU of one file
// holding them (the native @duckdb/node-bindings stays a package). src/db/connection.ts loads
// dist/db/duckdb-api.cjs when it exists (built code) and the package otherwise (tests on src/).
await build({
  entryPoints: [fileURLToPath(new URL('../node_modules/@duckdb/node-api/lib/index.js', import.meta.url))],
  outfile: fileURLToPath(new URL('../dist/db/duckdb-api.cjs', import.meta.url)),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['@duckdb/node-bindings'],
  logLevel: 'warning',
  legalComments: 'eof',
})
