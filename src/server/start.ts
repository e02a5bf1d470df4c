import type {AddressInfo} from 'node:net'

import {serve, type ServerType} from '@hono/node-server'

import type {Catalog} from '../core/catalog.js'
import {generateToken, TokenStore} from '../core/tokens.js'
import {CatalogError} from '../errors.js'
import {removeAnnouncement, writeAnnouncement} from './announcement.js'
import {createApp} from './app.js'
import {allowedHostNames} from './host.js'

export interface ServerOptions {
  host: string
  port: number
  publicRead?: boolean
  /** largest request body in bytes */
  bodyLimit?: number
  /** Host names accepted besides the bound address (`--allowed-host`) */
  allowedHosts?: string[]
}

export interface RunningServer {
  /** where the server listens, e.g. http://127.0.0.1:8787 */
  url: string
  /** the announcement file local CLI commands read */
  announcement: string
  /**
   * Stops accepting, interrupts running queries, closes the catalog and removes the announcement.
   * False when statements were still running after a few seconds: then the catalog is left open
   * (closing it would hang) and the caller should exit the process, which releases the file.
   */
  stop(): Promise<boolean>
}

/** Hosts that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

const DRAIN_MS = 3000

/**
 * Serves `catalog` over HTTP until `stop()`. Refuses a non-loopback host while no API token exists.
 * Definitions and tokens are loaded into memory before the first request.
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
  await catalog.list()
  const localToken = generateToken()
  const allowedHosts = allowedHostNames(options.host, options.allowedHosts)
  const app = createApp(catalog, {tokens, publicRead: options.publicRead, localToken, bodyLimit: options.bodyLimit, allowedHosts})

  let stopping = false
  let inflight = 0
  // Counts requests inside the app, so shutdown knows when none can still reach the database;
  // once stopping, new requests are turned away before they queue any statement.
  const fetch = async (request: Request, env: unknown): Promise<Response> => {
    if (stopping) return Response.json({error: {code: 'INTERNAL', message: 'the server is shutting down', details: {}}}, {status: 503, headers: {connection: 'close'}})
    inflight++
    try {
      return await app.fetch(request, env as never)
    } finally {
      inflight--
    }
  }
  const server = await listen(fetch, options.host, options.port)
  const {port} = server.address() as AddressInfo
  const url = `http://${urlHost(options.host)}:${port}`
  const localUrl = `http://${urlHost(wildcardToLoopback(options.host))}:${port}`
  const announcement = writeAnnouncement({url: localUrl, pid: process.pid, token: localToken, db: catalog.file, started_at: new Date().toISOString()})

  const idle = () => Promise.race([catalog.db.exclusive(async () => true), delay(10).then(() => false)])
  let stopped: Promise<boolean> | undefined
  const stop = () => {
    stopped ??= (async () => {
      stopping = true
      server.close()
      if ('closeIdleConnections' in server) server.closeIdleConnections()
      // Interrupt whatever runs until no request is inside the app and no statement is queued:
      // closing DuckDB under a running query can hang the process.
      const deadline = Date.now() + DRAIN_MS
      let clean = false
      while (!(clean = inflight === 0 && (await idle())) && Date.now() < deadline) {
        catalog.db.interrupt()
        await delay(10)
      }
      if ('closeAllConnections' in server) server.closeAllConnections()
      if (clean) catalog.close()
      removeAnnouncement(catalog.file)
      return clean
    })()
    return stopped
  }
  return {url, announcement, stop}
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
