import {networkInterfaces} from 'node:os'

import type {MiddlewareHandler} from 'hono'

import {CatalogError} from '../errors.js'

const LOOPBACK = ['localhost', '127.0.0.1', '::1']
const WILDCARD = new Set(['0.0.0.0', '::', '[::]', ''])

/** A Host header's (or configured name's) host part, lower-case, without port or IPv6 brackets. */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase()
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined)
  const colons = h.split(':').length - 1
  return colons === 1 ? h.slice(0, h.indexOf(':')) : h
}

/**
 * The names a request's Host may carry: the address the server is bound to (every address of
 * this machine when bound to 0.0.0.0 or ::), the loopback names when it is reachable on loopback,
 * and the names given with `--allowed-host`. A page on another site that rebinds its own name
 * to this address (DNS rebinding) sends that site's name as Host and is turned away.
 */
export function allowedHostNames(bound: string, extra: string[] = []): Set<string> {
  const b = hostName(bound)
  const names = new Set<string>([b, ...extra.map(hostName)])
  const loopback = LOOPBACK.includes(b) || /^127\./.test(b)
  if (loopback || WILDCARD.has(b)) for (const n of LOOPBACK) names.add(n)
  if (WILDCARD.has(b)) {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address.toLowerCase())
  }
  names.delete('')
  return names
}

/** 403 with the error envelope for a request whose Host is not one of `allowed`. */
export function hostGuard(allowed: Set<string>): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host') ?? new URL(c.req.url).host
    if (!allowed.has(hostName(host))) {
      throw new CatalogError('FORBIDDEN', `Host ${JSON.stringify(host)} is not an address of this server; to accept it, start \`metricat serve --allowed-host ${hostName(host) || 'NAME'}\``, {
        host,
      })
    }
    return next()
  }
}
