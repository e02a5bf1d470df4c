import {WAIT_MAX_SECONDS} from '../cli/open-local.js'
import type {Catalog} from '../core/catalog.js'

// `metricat mcp` is the one command an agent client starts and then waits for (clients time out
// servers slow to answer `initialize`), so bin/run.js starts it without oclif when its flags are
// plain: this module loads only the MCP server, and DuckDB after `initialize` is answered.

/** The flags of `metricat mcp`: its own `--warehouse` and the global `--db`, `--wait`, `--server`. */
export interface McpFlags {
  db?: string
  wait?: number
  warehouse?: string
  server?: string
}

/** Every flag `metricat mcp` takes; a test checks the oclif command declares exactly these. */
export const MCP_FLAGS = {db: 'string', wait: 'integer', warehouse: 'string', server: 'string'} as const

/**
 * The flags of `metricat mcp ARGV` when they are plain (`--db F`, `--db=F`, `--wait 5`,
 * `--warehouse F`, each once, values not starting with `-`); otherwise undefined, and the command
 * goes through oclif, which answers help, `--server` and every usage error as for any command.
 * What this returns equals what oclif parses from the same argv (tested).
 */
export function quickMcpFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): McpFlags | undefined {
  if (env.METRICAT_SERVER) return undefined
  const flags: Record<string, string | number> = {}
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z]+)(?:=(.*))?$/s.exec(argv[i]!)
    if (!m) return undefined
    const [, name, inline] = m as unknown as [string, string, string | undefined]
    if (!Object.hasOwn(MCP_FLAGS, name) || name === 'server' || Object.hasOwn(flags, name)) return undefined
    const value = inline ?? argv[++i]
    if (value === undefined || value === '' || value.startsWith('-')) return undefined
    if (MCP_FLAGS[name as keyof typeof MCP_FLAGS] === 'integer') {
      if (!/^\d+$/.test(value) || Number(value) > WAIT_MAX_SECONDS) return undefined
      flags[name] = Number.parseInt(value, 10)
    } else flags[name] = value
  }
  return flags as McpFlags
}

/**
 * Serves the MCP tools on stdio until the client closes stdin. The file opens READ_ONLY (no tool
 * writes; other readers can share it), once, right after the transport listens: a failed open
 * (say, locked) is the error of the calls that need it, written to stderr too, and the next call
 * tries again.
 */
export async function runMcp(flags: McpFlags): Promise<void> {
  let opening: Promise<Catalog> | undefined
  let opened: Catalog | undefined
  const catalog = () =>
    (opening ??= open(flags).then(
      (c) => (opened = c),
      (error: unknown) => {
        opening = undefined
        process.stderr.write(`metricat mcp: ${error instanceof Error ? error.message : String(error)}\n`)
        throw error
      },
    ))
  const {serveStdio} = await import('./stdio.js')
  try {
    await serveStdio(catalog)
  } finally {
    opened?.close()
  }
}

async function open(flags: McpFlags): Promise<Catalog> {
  const {notThroughServer, openLocalCatalog} = await import('../cli/open-local.js')
  if (flags.server) throw notThroughServer('mcp', flags.server)
  return openLocalCatalog({db: flags.db, wait: flags.wait, warehouse: flags.warehouse, readOnly: true, command: 'mcp', viaServer: false})
}
