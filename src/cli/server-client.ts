import {Readable} from 'node:stream'

import {CatalogError, HTTP_STATUS, type ErrorCode} from '../errors.js'

const CODES = new Set(Object.keys(HTTP_STATUS))
const BY_STATUS: Record<number, ErrorCode> = {400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 422: 'VALIDATION'}

export interface ServerRequest {
  /** query parameters; undefined ones are left out */
  query?: Record<string, string | number | boolean | undefined>
  /** a JSON body, or a stream of NDJSON text sent as it is read (memory stays flat) */
  body?: unknown
  /** the metric version the client read: sent as `If-Match: "N"`, so the server refuses (409) a write over a newer one */
  ifMatch?: number
}

/**
 * The one HTTP client for a running `metricat serve` (the catalog commands through RemoteCatalog,
 * the points commands through points-client): base URL, bearer token, If-Match, JSON or streamed
 * NDJSON bodies, and the mapping of answers to results and errors live here and nowhere else.
 *
 * - The token goes out as `Authorization: Bearer`; the server records a change's actor as the
 *   token's name (and its source as `api`), so the client sends no actor of its own.
 * - An error envelope `{"error": {code, message, details}}` becomes the CatalogError the server's
 *   core threw (same code, message and details), so a command prints the same lines and exits
 *   with the same code as on the file. Any other failing answer becomes the error its status
 *   means, naming the server; a success without JSON is INTERNAL; an unreachable server is a
 *   one-line BAD_REQUEST naming the URL.
 */
export class ServerClient {
  readonly url: string

  constructor(
    url: string,
    /** the bearer token sent with every request */
    readonly token: string | undefined,
  ) {
    this.url = url.replace(/\/+$/, '')
  }

  async request<T>(method: string, route: string, options: ServerRequest = {}): Promise<T> {
    const url = new URL(`${this.url}${route}`)
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v))
    const stream = options.body instanceof Readable
    const headers: Record<string, string> = {accept: 'application/json'}
    if (this.token) headers.authorization = `Bearer ${this.token}`
    if (options.body !== undefined) headers['content-type'] = stream ? 'application/x-ndjson' : 'application/json'
    if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`
    let response: Response
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : stream ? (Readable.toWeb(options.body as Readable) as ReadableStream) : JSON.stringify(options.body),
        ...(stream ? {duplex: 'half'} : {}),
      } as RequestInit)
    } catch (error) {
      const cause = (error as {cause?: {code?: string; message?: string}}).cause
      throw new CatalogError('BAD_REQUEST', `cannot reach the metricat server at ${this.url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, {server: this.url}, {cause: error})
    }
    const text = await response.text()
    let payload: unknown
    try {
      payload = text ? JSON.parse(text) : undefined
    } catch {
      payload = undefined
    }
    if (response.ok) {
      if (payload === undefined) throw new CatalogError('INTERNAL', `the server at ${this.url} answered ${method} ${route} with no JSON`, {server: this.url})
      return payload as T
    }
    throw toCatalogError(response.status, payload, this.url)
  }
}

/** Rebuilds the CatalogError behind an error envelope `{"error": {code, message, details}}`. */
export function toCatalogError(status: number, payload: unknown, server: string): CatalogError {
  const e = (payload as {error?: {code?: unknown; message?: unknown; details?: unknown}} | undefined)?.error
  if (e && typeof e.code === 'string' && typeof e.message === 'string') {
    const code = CODES.has(e.code) ? (e.code as ErrorCode) : 'INTERNAL'
    const details = e.details && typeof e.details === 'object' && Object.keys(e.details).length > 0 ? (e.details as Record<string, unknown>) : undefined
    return new CatalogError(code, e.message, details)
  }
  return new CatalogError(BY_STATUS[status] ?? 'INTERNAL', `the server at ${server} answered HTTP ${status}`, {server, status})
}
