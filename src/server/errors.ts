import type {Context, ErrorHandler, NotFoundHandler} from 'hono'
import {HTTPException} from 'hono/http-exception'
import type {ContentfulStatusCode} from 'hono/utils/http-status'

import {CatalogError, HTTP_STATUS, type ErrorCode} from '../errors.js'

export interface ErrorBody {
  error: {code: string; message: string; details: Record<string, unknown>}
}

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return {error: {code, message, details}}
}

/** The one place a CatalogError becomes a response: the envelope and the status from HTTP_STATUS. */
export function catalogErrorResponse(c: Context, err: CatalogError): Response {
  if (err.code === 'UNAUTHORIZED') c.header('WWW-Authenticate', 'Bearer realm="metricat"')
  if (HTTP_STATUS[err.code] === 503) c.header('Retry-After', '5')
  return c.json(errorBody(err.code, err.message, err.details ?? {}), HTTP_STATUS[err.code] as ContentfulStatusCode)
}

const STATUS_CODES: Record<number, ErrorCode> = {400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 422: 'VALIDATION'}

/**
 * CatalogError -> its status and envelope; anything else is a bug: logged on the server's stderr
 * and answered with a bare 500 that carries no message, stack or SQL.
 */
export const onError: ErrorHandler = (err, c) => {
  if (err instanceof CatalogError) return catalogErrorResponse(c, err)
  if (err instanceof HTTPException && STATUS_CODES[err.status]) {
    const code = STATUS_CODES[err.status]!
    return catalogErrorResponse(c, new CatalogError(code, err.message || code.toLowerCase().replaceAll('_', ' ')))
  }
  process.stderr.write(`metricat serve: internal error on ${c.req.method} ${c.req.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  return c.json(errorBody('INTERNAL', 'internal error'), 500)
}

export const notFound: NotFoundHandler = (c) =>
  c.json(errorBody('NOT_FOUND', `no route ${c.req.method} ${c.req.path}; see GET /api/openapi.json`, {method: c.req.method, path: c.req.path}), 404)
