import type {IncomingMessage, ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {availableParallelism, totalmem} from 'node:os'

import {serve, type ServerType} from '@hono/node-server'

import type {Catalog} from '../core/catalog.js'
import {CACHE_DEFAULTS, ResultCache} from '../core/result-cache.js'
import {generateToken, TokenStore} from '../core/tokens.js'
import {CatalogError} from '../errors.js'
import {removeAnnouncement, writeAnnouncement} from './announcement.js'
import {createApp} from './app.js'
import {allowedHostNames} from './host.js'
import {QUERY_BODY_LIMIT} from './body.js'

export interface ServerOptions {
  host: string
  port: number
  publicRead?: boolean
  /** largest request body in bytes */
  bodyLimit?: number
  /** Host names accepted besides the bound address (`--allowed-host`) */
  allowedHosts?: string[]
  /** largest metric or points query body in bytes (default 1 MB) */
  queryBodyLimit?: number
  /** most rows one query response may hold (default 100,000) */
  maxRows?: number
  /** stop a query running longer than this (ms) with 504 (default 30 s; 0: no limit) */
  queryTimeoutMs?: number
  /** on stop, how long in-flight requests may take to finish before their queries are interrupted (default 10 s) */
  drainMs?: number
  /** how long a cached query result is kept, in seconds (default 60; 0: no cache) */
  cacheTtlSeconds?: number
  /** most memory cached results may take, in megabytes (their JSON size; default 64) */
  cacheMaxMegabytes?: number
}

/**
 * Request and resource limits `serve` applies unless told otherwise (README "Limits"). The read
 * pool and the memory limit are set when `serve` opens the catalog (`openCatalog`).
 */
export const SERVER_DEFAULTS = {
  queryTimeoutMs: 30_000,
  maxRows: 100_000,
  queryBodyLimit: QUERY_BODY_LIMIT,
  drainMs: 10_000,
  readConnections: availableParallelism(),
  memoryLimit: `${Math.floor(totalmem() / 2 / 1024 / 1024)}MB`,
}

export interface RunningServer {
  /** where the server listens, e.g. http://127.0.0.1:8787 */
  url: string
  /** the announcement file local CLI commands read */
  announcement: string
  /**
   * Stops accepting connections and answers new requests 503 with Retry-After; lets in-flight
   * requests finish and their responses be written in full, for up to `drainMs`; then interrupts
   * the queries still running (their requests get 503) and waits a little more; closes the
   * catalog and removes the announcement. False when statements were still running at the end:
   * then the catalog is left open (closing it would hang) and the caller should exit the
   * process, which releases the file.
   */
  stop(): Promise<boolean>
}

/** Hosts that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** After interrupting, how long the interrupted requests get to answer before connections are cut. */
const AFTER_INTERRUPT_MS = 3000
/** What a 503 during shutdown asks clients to wait before retrying, in seconds. */
const RETRY_AFTER_SECONDS = 5

/**
 * Serves `catalog` over HTTP until `stop()`. Refuses a non-loopback host while no API token exists.
 * Definitions and tokens are loaded into memory before the first request. Queries run under a
 * time limit, on the catalog's read pool when it has one (writes stay serialised on one connection).
 */
export async function startServer(catalog: Catalog, options: ServerOptions): Promise<RunningServer> {
  const tokens = new TokenStore(catalog.db)
  if (!isLoopback(options.host) && (await tokens.count()) === 0) {
    throw new CatalogError(
      'BAD_REQUEST',
      `refusing to listen on ${options.host}: no API token exists, so the catalog would be open to anyone who can reach this host; create one first (\`metricat token create NAME --role admin\`) or serve on 127.0.0.1`,
      {host: options.host},
    )
  }
  const limits = {...SERVER_DEFAULTS, ...definedOnly(options)}
  catalog.db.setQueryTimeout(limits.queryTimeoutMs || undefined)
  catalog.warehouse.setQueryTimeout?.(limits.queryTimeoutMs || undefined)
  await catalog.list()
  const localToken = generateToken()
  const allowedHosts = allowedHostNames(options.host, options.allowedHosts)
  const cache = new ResultCache((options.cacheTtlSeconds ?? CACHE_DEFAULTS.ttlSeconds) * 1000, (options.cacheMaxMegabytes ?? CACHE_DEFAULTS.maxMegabytes) * 1024 * 1024)
  const app = createApp(catalog, {tokens, publicRead: options.publicRead, localToken, bodyLimit: options.bodyLimit, allowedHosts, queryBodyLimit: limits.queryBodyLimit, maxRows: limits.maxRows, cache})

  let stopping = false
  // Once stopping, new requests are turned away before they reach the app or the database.
  const fetch = async (request: Request, env: unknown): Promise<Response> => {
    if (stopping) {
      return Response.json(
        {error: {code: 'UNAVAILABLE', message: 'the server is shutting down; retry shortly', details: {}}},
        {status: 503, headers: {connection: 'close', 'retry-after': String(RETRY_AFTER_SECONDS)}},
      )
    }
    return app.fetch(request, env as never)
  }
  const server = await listen(fetch, options.host, options.port)
  // A response counts until its last byte has left the process: shutdown must not cut one short
  // (a truncated 200 reads as a complete, wrong answer to some clients). Node emits 'finish'
  // while a large body can still sit in the socket's buffer, so that buffer must drain too.
  let open = 0
  let drained: (() => void) | undefined
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    open++
    let done = false
    const finish = () => {
      if (done) return
      done = true
      open--
      if (open === 0) drained?.()
    }
    res.once('close', () => {
      const socket = res.socket ?? _req.socket
      if (!res.writableFinished || !socket || socket.destroyed || socket.writableLength === 0) return finish()
      socket.once('drain', finish)
      socket.once('close', finish)
    })
  })
  // The timer is cleared once everything is written: a pending one would keep the process alive
  // for the whole drain time after the last response.
  const allWritten = (ms: number) =>
    open === 0
      ? Promise.resolve(true)
      : new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            drained = undefined
            resolve(open === 0)
          }, ms)
          drained = () => {
            clearTimeout(timer)
            drained = undefined
            resolve(true)
          }
        })

  const {port} = server.address() as AddressInfo
  const url = `http://${urlHost(options.host)}:${port}`
  const localUrl = `http://${urlHost(wildcardToLoopback(options.host))}:${port}`
  const announcement = writeAnnouncement({url: localUrl, pid: process.pid, token: localToken, db: catalog.file, started_at: new Date().toISOString()})

  let stopped: Promise<boolean> | undefined
  const stop = () => {
    stopped ??= (async () => {
      stopping = true
      removeAnnouncement(catalog.file)
      // Keep listening while responses drain, answering new requests 503: server.close() would
      // also drop connections whose last response is still in the socket's buffer.
      if (!(await allWritten(limits.drainMs))) {
        // Interrupt the queries still running, so their requests answer 503 (closing DuckDB under
        // a running query can hang the process). Again and again: an interrupt that arrives while
        // no statement executes on a connection is lost.
        const deadline = Date.now() + AFTER_INTERRUPT_MS
        do catalog.db.interruptAll()
        while (!(await allWritten(50)) && Date.now() < deadline)
      }
      server.close()
      if ('closeAllConnections' in server) server.closeAllConnections()
      const deadline = Date.now() + AFTER_INTERRUPT_MS
      let clean = false
      while (!(clean = await catalog.db.idle()) && Date.now() < deadline) {
        catalog.db.interruptAll()
        await delay(10)
      }
      if (clean) catalog.close()
      return clean
    })()
    return stopped
  }
  return {url, announcement, stop}
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

function listen(fetch: (request: Request, env: unknown) => Promise<Response>, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({fetch, hostname: hostname.replace(/^\[(.*)\]$/, '$1'), port}, () => {
      server.off('error', onError)
      resolve(server)
    })
    const onError = (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? `port ${port} is in use` : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' ? `${hostname} is not an address of this machine` : error.message
      reject(new CatalogError('BAD_REQUEST', `cannot listen on ${hostname}:${port}: ${why}`, {host: hostname, port}, {cause: error}))
    }
    server.once('error', onError)
  })
}

function wildcardToLoopback(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::' || host === '[::]') return '::1'
  return host
}

function urlHost(host: string): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  return bare.includes(':') ? `[${bare}]` : bare
}

// A plain (ref'd) timer: while draining, DuckDB's pending work does not keep the event loop
// alive on its own, and an unref'd wait would let the process end mid-shutdown.
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
