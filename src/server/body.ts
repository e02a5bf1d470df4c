import type {Context, MiddlewareHandler} from 'hono'
import {bodyLimit} from 'hono/body-limit'

import {CatalogError} from '../errors.js'
import {catalogErrorResponse} from './errors.js'

export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024
/** Query bodies (metric, SQL and points queries) are small; a larger one is refused with 413. */
export const QUERY_BODY_LIMIT = 1024 * 1024

/** 413 with the error envelope once a body passes `maxSize` bytes (declared or streamed). */
export function limitBody(maxSize: number): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: (c) => catalogErrorResponse(c, new CatalogError('PAYLOAD_TOO_LARGE', `request body is larger than ${formatBytes(maxSize)}`, {limit: maxSize})),
  })
}

/** The request body as JSON; malformed JSON is a 400 that says where parsing stopped. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text()
  if (text.trim() === '') throw new CatalogError('BAD_REQUEST', 'missing JSON body', {})
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new CatalogError('BAD_REQUEST', `malformed JSON body: ${error instanceof Error ? error.message : String(error)}`, {})
  }
}

/** Every value of every URL parameter, by name. */
export function queryParams(c: Context): Record<string, string[]> {
  return c.req.queries() as Record<string, string[]>
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${+(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${+(n / 1024).toFixed(1)} kB` : `${n} bytes`
}

const serialized = new WeakMap<object, string>()

/**
 * A JSON response for a value the catalog keeps in memory: serialised once per object. The
 * catalog replaces its cached definitions on every write, so a stale text cannot be served.
 */
export function memoJson(c: Context, value: object): Response {
  let text = serialized.get(value)
  if (text === undefined) {
    text = JSON.stringify(value)
    serialized.set(value, text)
  }
  return c.body(text, 200, {'content-type': 'application/json'})
}
