import type {Catalog, OpenCatalogOptions} from '../core/catalog.js'
import {CatalogError} from '../errors.js'

/** How long a command waits for a database file another process holds, unless --wait says otherwise. */
export const DEFAULT_WAIT_SECONDS = 5

/** The most --wait accepts, in seconds. */
export const WAIT_MAX_SECONDS = 3600

export interface OpenLocalOptions extends Omit<OpenCatalogOptions, 'db' | 'readOnly' | 'waitMs'> {
  /** --db (default: $METRICAT_DB or ./metricat.duckdb) */
  db?: string
  /** --wait, in seconds (default DEFAULT_WAIT_SECONDS) */
  wait?: number
  /** the command only reads: open the file READ_ONLY */
  readOnly: boolean
  /** the command's words, `query` or `token create`, for the hints */
  command: string
  /** the caller can go through a running `metricat serve` instead: a lock it holds is not waited for */
  viaServer: boolean
}

/** The error of a command that needs the file itself but was given --server (or METRICAT_SERVER). */
export function notThroughServer(command: string, server: string): CatalogError {
  return new CatalogError('BAD_REQUEST', `\`metricat ${command}\` works on the database file, not through a server; run it without --server (and without METRICAT_SERVER)`, {server})
}

/**
 * Opens the --db file for a command: READ_ONLY for read-only commands, waiting up to --wait
 * seconds for a lock; a lock held by a running `metricat serve` is not waited for when the
 * caller can go through that server instead (`viaServer`). A lock error says what holds the file
 * and what to do. Has no oclif in it: `metricat mcp` opens the file this way without loading oclif.
 */
export async function openLocalCatalog(options: OpenLocalOptions): Promise<Catalog> {
  const {db, wait: waitFlag, readOnly, command, viaServer, ...rest} = options
  const [{openCatalog, resolveDbPath}, {readLiveAnnouncement}, {describeHolder}] = await Promise.all([import('../core/catalog.js'), import('../server/announcement.js'), import('../db/connection.js')])
  const file = resolveDbPath(db)
  const wait = waitFlag ?? DEFAULT_WAIT_SECONDS
  try {
    return await openCatalog({
      db,
      readOnly,
      waitMs: wait * 1000,
      giveUp: (holder) => holder.pid !== undefined && readLiveAnnouncement(file)?.pid === holder.pid,
      onWait: (holder) => process.stderr.write(`Waiting up to ${wait} s for ${file}, locked by ${describeHolder(holder)}...\n`),
      ...rest,
    })
  } catch (error) {
    if (!(error instanceof CatalogError) || error.code !== 'DB_LOCKED') throw error
    const server = readLiveAnnouncement(file)
    const pid = error.details?.pid
    if (viaServer && server !== undefined && (pid === undefined || pid === server.pid)) throw error
    throw await explainLock(error, {file, wait, command})
  }
}

/**
 * The lock error of a command that needs the file itself, with what to do as its hint: stop the
 * metricat server that holds the file, or wait for (or stop) the process that does.
 */
export async function explainLock(error: CatalogError, options: {file: string; wait: number; command: string}): Promise<CatalogError> {
  const {readLiveAnnouncement} = await import('../server/announcement.js')
  const server = readLiveAnnouncement(options.file)
  const pid = error.details?.pid
  const hint =
    server !== undefined && (pid === undefined || pid === server.pid)
      ? `\`metricat ${options.command}\` needs the file itself: stop the metricat server at ${server.url} (PID ${server.pid}), then run it again`
      : `waited ${options.wait} s; wait for that process to finish and run this again (or raise --wait), or stop it`
  return new CatalogError('DB_LOCKED', error.message, {...error.details, hint}, {cause: error})
}
