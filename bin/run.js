#!/usr/bin/env node
// `metricat mcp`, `metricat sql ... --json` and `metricat show ID --json` with plain flags start
// without oclif (its config, manifest and command loading cost some 100-200 ms): agent clients time
// out MCP servers slow to answer `initialize`, and agents ask for the SQL of a query before they
// run it and read definitions one by one. Anything else, including `--help` and every usage error
// (and any error of `sql` or `show`), goes through oclif (src/mcp/run.ts, src/cli/quick-sql.ts).
const command = process.argv[2]
let done = false
if (command === 'mcp') {
  const quick = await import('../dist/mcp/run.js')
  const flags = quick.quickMcpFlags(process.argv.slice(3))
  if (flags) {
    done = true
    await quick.runMcp(flags).catch((error) => {
      process.exitCode = 1
      process.stderr.write(`Error: internal error: ${String(error?.message ?? error).split('\n')[0]}\n`)
      if (process.env.METRICAT_DEBUG) process.stderr.write(`${error?.stack}\n`)
    })
  }
} else if (command === 'sql') {
  const quick = await import('../dist/cli/quick-sql.js')
  const args = quick.quickSqlArgs(process.argv.slice(3))
  done = args !== undefined && (await quick.runQuickSql(args))
} else if (command === 'show') {
  const quick = await import('../dist/cli/quick-sql.js')
  const args = quick.quickShowArgs(process.argv.slice(3))
  done = args !== undefined && (await quick.runQuickShow(args))
}
if (!done) {
  const {execute} = await import('@oclif/core/execute')
  await execute({dir: import.meta.url})
}
