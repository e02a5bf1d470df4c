import {existsSync} from 'node:fs'

import {GRAIN_ALIASES, GRAINS} from '../catalog/types.js'
import type {Catalog} from '../core/catalog.js'
import {announcementPath} from '../server/announcement.js'
import {QUERY_ORDERS} from '../query/types.js'
import {type QueryFlagValues, toMetricQuery} from './metric-query.js'
import {WAIT_MAX_SECONDS} from './open-local.js'

// `metricat sql ID ... --json` is what an agent runs to see a query before running it, and
// `metricat show ID --json` what it runs to read a definition; oclif's own start (loading
// @oclif/core, its config and the command) is about a third of such a command's CPU. So bin/run.js
// runs them without oclif when the command line is plain and the answer is the compiled query or
// the definition. Anything else, including every error, goes through oclif, which answers it as
// for any command: the quick path prints nothing until it has the whole answer, so handing over
// costs only time.

/** Every flag `metricat sql` takes, with its kind; a test checks the oclif command declares exactly these. */
export const SQL_FLAGS = {
  db: 'string',
  wait: 'integer',
  server: 'string',
  json: 'boolean',
  grain: 'option',
  by: 'string',
  where: 'multiple',
  from: 'string',
  to: 'string',
  range: 'string',
  compare: 'option',
  variant: 'string',
  limit: 'integer',
  order: 'option',
  desc: 'boolean',
  strict: 'boolean',
  'no-rollup': 'boolean',
  warehouse: 'string',
} as const

/** The values of the option flags (tested against the oclif command's). */
export const SQL_OPTIONS: Record<string, readonly string[]> = {
  grain: [...GRAINS, ...Object.keys(GRAIN_ALIASES)],
  compare: ['previous', 'year'],
  order: QUERY_ORDERS,
}

export type QuickSqlFlags = QueryFlagValues & {db?: string; wait?: number; warehouse?: string; json: true}

/**
 * `metricat sql ARGV` as `{id, flags}` when it is plain: one metric id, `--json`, each flag at most
 * once (`--where` repeats) as `--name value` or `--name=value`, values that oclif takes as they
 * are; otherwise undefined (oclif then parses it, and answers help, `--server` and usage errors).
 * What this returns equals what oclif parses from the same argv (tested).
 */
export function quickSqlArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): {id: string; flags: QuickSqlFlags} | undefined {
  return plainArgs(argv, SQL_FLAGS, SQL_OPTIONS, env) as {id: string; flags: QuickSqlFlags} | undefined
}

/** Every flag `metricat show` takes, with its kind; a test checks the oclif command declares exactly these. */
export const SHOW_FLAGS = {
  db: 'string',
  wait: 'integer',
  server: 'string',
  json: 'boolean',
  version: 'integer',
} as const

export type QuickShowFlags = {db?: string; wait?: number; version?: number; json: true}

/** `metricat show ARGV` as `{id, flags}` when it is plain (as `quickSqlArgs`: long flags only, `--json`); otherwise undefined. */
export function quickShowArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): {id: string; flags: QuickShowFlags} | undefined {
  return plainArgs(argv, SHOW_FLAGS, {}, env) as {id: string; flags: QuickShowFlags} | undefined
}

/** The integer flags' lower bounds, as the oclif commands declare them (`min`). */
const INTEGER_MIN: Record<string, number> = {limit: 1, version: 1}

/** One metric id and `--json`, each flag of `table` at most once (`multiple` ones repeat), long and plain; else undefined. */
function plainArgs(argv: string[], table: Record<string, 'string' | 'integer' | 'boolean' | 'option' | 'multiple'>, options: Record<string, readonly string[]>, env: NodeJS.ProcessEnv): {id: string; flags: Record<string, unknown>} | undefined {
  if (env.METRICAT_SERVER) return undefined
  const flags: Record<string, string | number | boolean | string[]> = {}
  let id: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith('-')) {
      if (id !== undefined) return undefined
      id = arg
      continue
    }
    const m = /^--([a-z][a-z-]*)(?:=(.*))?$/s.exec(arg)
    if (!m) return undefined
    const [, name, inline] = m as unknown as [string, string, string | undefined]
    if (!Object.hasOwn(table, name) || name === 'server') return undefined
    const kind = table[name]!
    if (kind !== 'multiple' && Object.hasOwn(flags, name)) return undefined
    if (kind === 'boolean') {
      if (inline !== undefined) return undefined
      flags[name] = true
      continue
    }
    const value = inline ?? argv[++i]
    if (value === undefined || value === '' || value.startsWith('-')) return undefined
    if (kind === 'integer') {
      if (!/^\d+$/.test(value)) return undefined
      const n = Number.parseInt(value, 10)
      if (n < (INTEGER_MIN[name] ?? 0) || (name === 'wait' && n > WAIT_MAX_SECONDS)) return undefined
      flags[name] = n
    } else if (kind === 'option') {
      if (!options[name]!.includes(value)) return undefined
      flags[name] = value
    } else if (kind === 'multiple') flags[name] = [...((flags[name] as string[] | undefined) ?? []), value]
    else flags[name] = value
  }
  if (id === undefined || flags.json !== true) return undefined
  return {id, flags}
}

/**
 * Prints what `metricat sql ID --json` prints and returns true; returns false, having printed
 * nothing, whenever oclif should answer instead: a server announces itself on the file (the
 * command may have to go through it), the file is locked or missing, or anything fails.
 */
export function runQuickSql({id, flags}: {id: string; flags: QuickSqlFlags}): Promise<boolean> {
  return answerQuickly({db: flags.db, warehouse: flags.warehouse}, (catalog) => catalog.compileQuery(toMetricQuery(id, flags)))
}

/** Prints what `metricat show ID --json` prints and returns true; like `runQuickSql`, returns false having printed nothing whenever oclif should answer instead (an unknown metric or version included). */
export function runQuickShow({id, flags}: {id: string; flags: QuickShowFlags}): Promise<boolean> {
  return answerQuickly({db: flags.db}, (catalog) => catalog.show(id, flags.version))
}

/**
 * Opens the file read-only, prints `answer`'s result as BaseCommand.logJson writes what oclif
 * hands it, and returns true; returns false having printed nothing when the database path is refused,
 * a server announces itself on the file, the file cannot be opened at once (a locked file is
 * oclif's to wait for and explain), or `answer` fails.
 */
async function answerQuickly(open: {db?: string; warehouse?: string}, answer: (catalog: Catalog) => Promise<unknown>): Promise<boolean> {
  const {openCatalog, resolveDbPath} = await import('../core/catalog.js')
  let catalog: Catalog
  try {
    if (existsSync(announcementPath(resolveDbPath(open.db)))) return false
    catalog = await openCatalog({...open, readOnly: true, waitMs: 0})
  } catch {
    return false
  }
  try {
    process.stdout.write(`${JSON.stringify(await answer(catalog), null, 2)}\n`)
    return true
  } catch {
    return false
  } finally {
    catalog.close()
  }
}
