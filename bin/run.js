#!/usr/bin/env node
// `metricat mcp` with plain flags starts without oclif (its config, manifest and command loading
// cost some 100 ms): agent clients time out servers slow to answer `initialize`. Anything else,
// including `mcp --help` and every usage error, goes through oclif (src/mcp/run.ts).
const quick = process.argv[2] === 'mcp' ? await import('../dist/mcp/run.js') : undefined
const flags = quick?.quickMcpFlags(process.argv.slice(3))
if (quick && flags) {
  await quick.runMcp(flags).catch((error) => {
    process.exitCode = 1
    process.stderr.write(`Error: internal error: ${String(error?.message ?? error).split('\n')[0]}\n`)
    if (process.env.METRICAT_DEBUG) process.stderr.write(`${error?.stack}\n`)
  })
} else {
  const {execute} = await import('@oclif/core/execute')
  await execute({dir: import.meta.url})
}
