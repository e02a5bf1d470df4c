import {timingSafeEqual} from 'node:crypto'

import type {MiddlewareHandler} from 'hono'

import type {ChangeSource} from '../catalog/repository.js'
import {hashToken, type Principal, type Role, type TokenStore} from '../core/tokens.js'
import {CatalogError} from '../errors.js'

/** What a route needs: `public` (no token), `read` (catalog reads), `query`, `ingest`, `admin`. */
export type Access = 'public' | 'read' | 'query' | 'ingest' | 'admin'

const GRANTS: Record<Role, ReadonlySet<Access>> = {
  admin: new Set(['public', 'read', 'query', 'ingest', 'admin']),
  analyst: new Set(['public', 'read', 'query']),
  service: new Set(['public', 'ingest']),
}

/** HIT metrics-core's header: its token is taken as a Bearer token when there is no Authorization header. */
export const HIT_TOKEN_HEADER = 'x-hit-service-token'

function authorization(header: string | undefined, hitToken: string | undefined): string | undefined {
  if (header !== undefined || hitToken === undefined) return header
  return `Bearer ${hitToken.trim()}`
}

/** The name the per-run local token of `metricat serve` acts under (see the announcement file). */
export const LOCAL_PRINCIPAL = 'local'

export interface AuthOptions {
  tokens: TokenStore
  /** GET catalog reads need no token */
  publicRead?: boolean
  /** a per-run admin token for the local CLI (the announcement file carries it) */
  localToken?: string
}

export type AuthEnv = {Variables: {principal: Principal | undefined}}

/**
 * Middleware factory: `guard('query')` lets a request through when its bearer token's role grants
 * `query`. No token: 401 (except reads under --public-read). A token that is not known: 401, even
 * where none is needed. Known token, wrong role: 403.
 */
export function createGuard(options: AuthOptions): (access: Access) => MiddlewareHandler<AuthEnv> {
  const authenticate = createAuthenticator(options)
  return (access) => async (c, next) => {
    const principal = await authenticate(authorization(c.req.header('authorization'), c.req.header(HIT_TOKEN_HEADER)))
    c.set('principal', principal)
    authorize(principal, access, options.publicRead)
    return next()
  }
}

/**
 * `Authorization` header value -> who sends it: undefined without one; UNAUTHORIZED for a
 * malformed header or a token that is not known (or revoked). The one token check of the API and
 * the web pages (which also take the token from their sign-in cookie).
 */
export function createAuthenticator(options: Pick<AuthOptions, 'tokens' | 'localToken'>): (header: string | undefined) => Promise<Principal | undefined> {
  const localHash = options.localToken ? Buffer.from(hashToken(options.localToken), 'hex') : undefined
  return async (header) => {
    if (header === undefined) return undefined
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (!match) throw new CatalogError('UNAUTHORIZED', 'malformed Authorization header; expected `Authorization: Bearer <token>`', {})
    const token = match[1]!
    if (localHash && timingSafeEqual(Buffer.from(hashToken(token), 'hex'), localHash)) return {name: LOCAL_PRINCIPAL, role: 'admin', local: true}
    const principal = await options.tokens.verify(token)
    if (!principal) throw new CatalogError('UNAUTHORIZED', 'unknown or revoked token', {})
    return principal
  }
}

/**
 * Throws UNAUTHORIZED (no principal, unless `access` is public or a read under --public-read) or
 * FORBIDDEN (the role does not grant `access`). The guard's rule, also applied per MCP tool on /mcp.
 */
export function authorize(principal: Principal | undefined, access: Access, publicRead?: boolean): void {
  if (!principal) {
    if (access === 'public' || (access === 'read' && publicRead)) return
    throw new CatalogError('UNAUTHORIZED', 'this route needs a token: send `Authorization: Bearer <token>` (create one with `metricat token create NAME --role analyst`)', {})
  }
  if (!GRANTS[principal.role].has(access)) {
    throw new CatalogError('FORBIDDEN', `token ${principal.name} has role ${principal.role}, which may not ${access === 'read' ? 'read the catalog' : access === 'query' ? 'run queries' : access === 'ingest' ? 'ingest points' : 'change the catalog'}`, {
      role: principal.role,
      needs: access,
    })
  }
}

/** What a change made through the API records in the version history. */
export interface Provenance {
  source: ChangeSource
  /** undefined: the OS user running the server (as for a change made on the file) */
  actor?: string
}

/**
 * The server decides what a change records, never the request: a token's change is `api`, by the
 * token's name (a token named `local` included). Only the server's own per-run token, which the
 * local CLI reads from the announcement file beside the database, may say the change came from
 * the CLI or from YAML files (`claimed`); it acts as the OS user running the server.
 */
export function provenanceOf(principal: Principal | undefined, claimed?: unknown): Provenance {
  if (principal?.local) return {source: claimed === 'cli' || claimed === 'yaml' ? claimed : 'cli'}
  return {source: 'api', actor: principal?.name}
}
