import {createHash, randomBytes} from 'node:crypto'

import type {Database} from '../db/connection.js'
import {CatalogError} from '../errors.js'

export const ROLES = ['admin', 'analyst', 'service'] as const
/** admin: everything; analyst: reads and queries; service: ingest only (README "Tokens and roles"). */
export type Role = (typeof ROLES)[number]

export interface TokenInfo {
  name: string
  role: Role
  /** the first characters of the token, to tell tokens apart without revealing them */
  prefix: string
  created_at: string
}

/** A new token; `token` is shown once and never stored. */
export interface CreatedToken extends TokenInfo {
  token: string
}

/** Token administration, run on the file (TokenStore) or through a running server (RemoteCatalog). */
export interface TokenApi {
  createToken(name: string, role: Role): Promise<CreatedToken>
  listTokens(): Promise<TokenInfo[]>
  revokeToken(name: string): Promise<{name: string; revoked: true}>
}

/** Who a request acts as. */
export interface Principal {
  name: string
  role: Role
  /** the per-run token of `metricat serve` (the local CLI), told apart by the token, never by name */
  local?: true
}

const TABLE = 'mc.metricat.api_tokens'
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/
const PREFIX = 'mct_'

/** `mct_` + 32 random bytes, base64url. */
export function generateToken(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`
}

/** The stored form of a token: its sha256, hex. A 256-bit random token needs no salt or slow hash. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value)
}

/**
 * API tokens in `metricat.api_tokens`, stored hashed. Lookups are answered from memory (loaded on
 * first use, reloaded after each create/revoke), so checking a request's token costs one sha256 and
 * no database round trip. Only the process holding the file writes tokens, so memory stays current.
 */
export class TokenStore implements TokenApi {
  private byHash: Map<string, Principal> | undefined

  constructor(private readonly db: Database) {}

  async createToken(name: string, role: Role): Promise<CreatedToken> {
    if (typeof name !== 'string' || !NAME_RE.test(name)) {
      throw new CatalogError('VALIDATION', `bad token name ${JSON.stringify(name)}; expected 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`, {
        problems: [{path: '/name', message: 'expected 1-64 letters, digits, ".", "_" or "-"'}],
      })
    }
    if (!isRole(role)) {
      throw new CatalogError('VALIDATION', `unknown role ${JSON.stringify(role)}; expected one of ${ROLES.join(', ')}`, {
        problems: [{path: '/role', message: `expected one of ${ROLES.join(', ')}`}],
      })
    }
    const token = generateToken()
    const created = await this.db.transaction(async (tx) => {
      const existing = await tx.all<{n: number}>(`SELECT count(*)::INTEGER AS n FROM ${TABLE} WHERE name = $1`, [name])
      if (existing[0]!.n > 0) {
        throw new CatalogError('CONFLICT', `a token named ${name} already exists; revoke it first (\`metricat token revoke ${name}\`) or pick another name`, {name})
      }
      const rows = await tx.all<{created_at: string}>(
        `INSERT INTO ${TABLE} (name, role, token_hash, prefix, created_at) VALUES ($1, $2, $3, $4, current_timestamp::TIMESTAMP)
         RETURNING strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created_at`,
        [name, role, hashToken(token), token.slice(0, PREFIX.length + 6)],
      )
      return rows[0]!.created_at
    })
    this.byHash = undefined
    return {name, role, prefix: token.slice(0, PREFIX.length + 6), created_at: created, token}
  }

  async listTokens(): Promise<TokenInfo[]> {
    return this.db.all<TokenInfo>(
      `SELECT name, role, prefix, strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created_at FROM ${TABLE} ORDER BY name`,
    )
  }

  async revokeToken(name: string): Promise<{name: string; revoked: true}> {
    const deleted = await this.db.transaction(async (tx) => {
      const rows = await tx.all<{name: string}>(`DELETE FROM ${TABLE} WHERE name = $1 RETURNING name`, [name])
      return rows.length
    })
    this.byHash = undefined
    if (deleted === 0) throw new CatalogError('NOT_FOUND', `no token named ${JSON.stringify(name)}; see \`metricat token list\``, {name, hint: '`metricat token list` lists the tokens'})
    return {name, revoked: true}
  }

  /** How many tokens exist (a server refuses non-loopback hosts while there are none). */
  async count(): Promise<number> {
    return (await this.principals()).size
  }

  /** The principal a bearer token stands for, or undefined for an unknown token. */
  async verify(token: string): Promise<Principal | undefined> {
    return (await this.principals()).get(hashToken(token))
  }

  private async principals(): Promise<Map<string, Principal>> {
    if (!this.byHash) {
      const rows = await this.db.all<{name: string; role: Role; token_hash: string}>(`SELECT name, role, token_hash FROM ${TABLE}`)
      this.byHash = new Map(rows.map((r) => [r.token_hash, {name: r.name, role: r.role}]))
    }
    return this.byHash
  }
}
