import {Command} from '@oclif/core/command'
import * as Flags from '@oclif/core/flags'

import type {Catalog, OpenCatalogOptions} from '../core/catalog.js'
import type {CatalogApi} from '../core/catalog-api.js'
import type {TokenApi} from '../core/tokens.js'
import {CatalogError, EXIT_CODE, formatProblem} from '../errors.js'

import {DEFAULT_WAIT_SECONDS, WAIT_MAX_SECONDS} from './open-local.js'

export {DEFAULT_WAIT_SECONDS}

interface GlobalFlags {
  db?: string
  server?: string
  wait?: number
}

/** The next step for an error that brings no hint of its own (a NOT_FOUND names its own: init, a path, list). */
const HINTS: Partial<Record<CatalogError['code'], string>> = {
  VALIDATION: 'fix the file(s) above and run `metricat validate PATH` again',
  BAD_REQUEST: 'see `metricat COMMAND --help` for the accepted values',
  DB_TOO_NEW: 'install a newer metricat',
  UNAUTHORIZED: 'set METRICAT_TOKEN to a token made with `metricat token create NAME --role analyst` on the server\'s database',
  FORBIDDEN: 'use a token whose role allows this: admin (everything), analyst (reads and queries), service (ingest)',
}

/**
 * Every command: `--db`, `--server` and `--json`, one catalog opened on demand and closed at the
 * end, and errors turned into one line on stderr (plus a hint) and an exit code: 1 user error, 2 usage.
 */
export abstract class BaseCommand extends Command {
  static enableJsonFlag = true
  /**
   * Commands that only read open the file READ_ONLY: any number of them can run at once (DuckDB
   * allows many read-only processes, or one writer), and a file without write permission works.
   */
  static readOnly = false
  static baseFlags = {
    db: Flags.string({description: 'metricat database file (default: $METRICAT_DB or ./metricat.duckdb)', helpGroup: 'GLOBAL'}),
    wait: Flags.integer({
      description: `seconds to keep retrying while another process holds the database file (default ${DEFAULT_WAIT_SECONDS})`,
      helpGroup: 'GLOBAL',
      min: 0,
      max: WAIT_MAX_SECONDS,
    }),
    server: Flags.string({
      description: 'send the command through a running `metricat serve` at this URL, with the token in $METRICAT_TOKEN',
      helpGroup: 'GLOBAL',
      env: 'METRICAT_SERVER',
    }),
  }

  private opened: CatalogApi | undefined
  private local: Catalog | undefined

  /**
   * The catalog on first use: through the server at --server when given; otherwise the --db file,
   * or, when a running `metricat serve` holds that file, through that server (it announces itself
   * in `<db>.server.json`). `create` for commands that may make the file.
   */
  protected async catalog(options: Omit<OpenCatalogOptions, 'db'> = {}): Promise<CatalogApi> {
    this.opened ??= await this.openApi(options)
    return this.opened
  }

  /** The --db file itself, for commands that need the database (init, serve); never a server. */
  protected async localCatalog(options: Omit<OpenCatalogOptions, 'db'> = {}): Promise<Catalog> {
    if (!this.local) {
      const flags = await this.globalFlags()
      if (flags.server) {
        const {notThroughServer} = await import('./open-local.js')
        throw notThroughServer(this.commandWords(), flags.server)
      }
      this.local = await this.openLocal(flags, options, false)
    }
    return this.local
  }

  /** Opens the --db file (see `openLocalCatalog`); `viaServer`: a lock held by a running server is not waited for. */
  private async openLocal(flags: GlobalFlags, options: Omit<OpenCatalogOptions, 'db'>, viaServer: boolean): Promise<Catalog> {
    const {openLocalCatalog} = await import('./open-local.js')
    return openLocalCatalog({...options, db: flags.db, wait: flags.wait, readOnly: (this.constructor as typeof BaseCommand).readOnly, command: this.commandWords(), viaServer})
  }

  /** `query`, `token create`: the command as typed, for messages. */
  private commandWords(): string {
    return this.id?.replaceAll(':', ' ') ?? ''
  }

  /** Lock and read-only options for a core call that opens the file itself (validate). */
  protected async openOptions(): Promise<Pick<OpenCatalogOptions, 'readOnly' | 'waitMs' | 'giveUp' | 'onWait'>> {
    const flags = await this.globalFlags()
    const wait = flags.wait ?? DEFAULT_WAIT_SECONDS
    const [{resolveDbPath}, {readLiveAnnouncement}, {describeHolder}] = await Promise.all([import('../core/catalog.js'), import('../server/announcement.js'), import('../db/connection.js')])
    const file = resolveDbPath(flags.db)
    return {
      readOnly: (this.constructor as typeof BaseCommand).readOnly,
      waitMs: wait * 1000,
      // a running metricat server keeps the file until it stops: no use waiting for it
      giveUp: (holder) => holder.pid !== undefined && readLiveAnnouncement(file)?.pid === holder.pid,
      onWait: (holder) => process.stderr.write(`Waiting up to ${wait} s for ${file}, locked by ${describeHolder(holder)}...\n`),
    }
  }

  /** Token administration: on the file, or through the server as `catalog()` decides. */
  protected async tokenApi(): Promise<TokenApi> {
    const api = await this.catalog()
    const {RemoteCatalog} = await import('./remote-catalog.js')
    if (api instanceof RemoteCatalog) return api
    const {TokenStore} = await import('../core/tokens.js')
    return new TokenStore((await this.localCatalog()).db)
  }

  private async globalFlags(): Promise<GlobalFlags> {
    const {flags} = await this.parse(this.constructor as typeof BaseCommand)
    return flags as GlobalFlags
  }

  /**
   * A server (and token) to use when neither --server nor METRICAT_SERVER (METRICAT_TOKEN) is
   * given; `run` answers HIT_APP_URL / HIT_SERVICE_TOKEN, as HIT's runner did.
   */
  protected serverFallback(): {url?: string; token?: string} {
    return {}
  }

  private async openApi(options: Omit<OpenCatalogOptions, 'db'>): Promise<CatalogApi> {
    const flags = await this.globalFlags()
    const fallback = this.serverFallback()
    if (!flags.server && fallback.url) flags.server = fallback.url
    // A server resolves tables in its own warehouse; a --warehouse here would be silently ignored.
    const noWarehouse = (server: string) => {
      if (options.warehouse) {
        throw new CatalogError('BAD_REQUEST', `--warehouse cannot be used through a server (${server}); start \`metricat serve --warehouse FILE\` instead`, {server})
      }
      if (options.points) {
        throw new CatalogError('BAD_REQUEST', `--points cannot be used through a server (${server}); start \`metricat serve --points URL\` instead`, {server})
      }
    }
    if (flags.server) {
      noWarehouse(flags.server)
      const {RemoteCatalog} = await import('./remote-catalog.js')
      return new RemoteCatalog(flags.server, process.env.METRICAT_TOKEN || fallback.token || undefined)
    }
    if (this.local) return this.local
    try {
      this.local = await this.openLocal(flags, options, true)
      return this.local
    } catch (error) {
      if (!(error instanceof CatalogError) || error.code !== 'DB_LOCKED') throw error
      const {readLiveAnnouncement} = await import('../server/announcement.js')
      const {resolveDbPath} = await import('../core/catalog.js')
      const announced = readLiveAnnouncement(resolveDbPath(flags.db))
      const lockPid = error.details?.pid
      if (!announced || (typeof lockPid === 'number' && lockPid !== announced.pid)) throw error
      noWarehouse(announced.url)
      const {RemoteCatalog} = await import('./remote-catalog.js')
      return new RemoteCatalog(announced.url, announced.token)
    }
  }

  protected async finally(err: Error | undefined): Promise<void> {
    this.opened?.close()
    this.local?.close()
    this.opened = undefined
    this.local = undefined
    return super.finally(err)
  }

  logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
  }

  async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}; code?: string}): Promise<void> {
    if (err instanceof CatalogError) {
      process.exitCode = EXIT_CODE[err.code]
      if (this.jsonEnabled()) this.logJson({error: {code: err.code, message: err.message, details: err.details ?? {}}})
      const lines = err.problems.length > 1 ? err.problems.map(formatProblem) : [err.message]
      for (const line of lines) process.stderr.write(`Error: ${line}\n`)
      const hint = typeof err.details?.hint === 'string' ? err.details.hint : HINTS[err.code]
      if (hint) process.stderr.write(`Hint: ${hint.replace('COMMAND', this.commandWords() || 'COMMAND')}\n`)
      return
    }
    const exit = err.oclif?.exit ?? err.exitCode
    if (exit === 0) return
    if (exit !== undefined && err.oclif) {
      // oclif's own parse errors: usage problems, exit code 2
      process.exitCode = exit === 1 ? 1 : 2
      // oclif spreads one usage error over several lines ("Missing 1 required arg:\nid  metric id"); keep them on one
      const message = err.message.split('\n').map((l) => l.trim()).filter((l) => l && !/^See more help with/.test(l)).join(' ').replace(/^Error: /, '')
      if (this.jsonEnabled()) this.logJson({error: {code: 'USAGE', message}})
      process.stderr.write(`Error: ${message}\nHint: see \`metricat ${this.commandWords()} --help\`\n`.replace(/ {2,}/g, ' '))
      return
    }
    process.exitCode = 1
    if (this.jsonEnabled()) this.logJson({error: {code: 'INTERNAL', message: 'internal error'}})
    process.stderr.write(`Error: internal error: ${err.message.split('\n')[0]}\n`)
    if (process.env.METRICAT_DEBUG) process.stderr.write(`${err.stack}\n`)
  }
}
