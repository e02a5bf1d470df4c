import {Command, Flags, type Interfaces} from '@oclif/core'

import type {Catalog, OpenCatalogOptions} from '../core/catalog.js'
import {CatalogError, EXIT_CODE, formatProblem} from '../errors.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>

const HINTS: Partial<Record<CatalogError['code'], string>> = {
  NOT_FOUND: 'run `metricat list` or `metricat search TEXT` to find metric ids',
  VALIDATION: 'fix the file(s) above and run `metricat validate PATH` again',
  BAD_REQUEST: 'see `metricat COMMAND --help` for the accepted values',
  DB_LOCKED: 'stop the other process, or pass --server URL to go through a running `metricat serve`',
  DB_TOO_NEW: 'install a newer metricat',
}

/**
 * Every command: `--db` and `--json`, one catalog opened on demand and closed at the end, and
 * errors turned into one line on stderr (plus a hint) and an exit code: 1 user error, 2 usage.
 */
export abstract class BaseCommand<T extends typeof Command = typeof Command> extends Command {
  static enableJsonFlag = true
  static baseFlags = {
    db: Flags.string({description: 'metricat database file (default: $METRICAT_DB or ./metricat.duckdb)', helpGroup: 'GLOBAL'}),
  }

  private opened: Catalog | undefined

  /** Opens the catalog on first use with this command's --db; `create` for commands that may make the file. */
  protected async catalog(options: Omit<OpenCatalogOptions, 'db'> = {}): Promise<Catalog> {
    if (!this.opened) {
      const {openCatalog} = await import('../core/catalog.js')
      const {flags} = await this.parse(this.constructor as typeof BaseCommand)
      this.opened = await openCatalog({db: (flags as {db?: string}).db, ...options})
    }
    return this.opened
  }

  protected async finally(err: Error | undefined): Promise<void> {
    this.opened?.close()
    this.opened = undefined
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
      const hint = HINTS[err.code]
      if (hint) process.stderr.write(`Hint: ${hint}\n`)
      return
    }
    const exit = err.oclif?.exit ?? err.exitCode
    if (exit === 0) return
    if (exit !== undefined && err.oclif) {
      // oclif's own parse errors: usage problems, exit code 2
      process.exitCode = exit === 1 ? 1 : 2
      const message = err.message.split('\n')[0]!.replace(/^Error: /, '')
      if (this.jsonEnabled()) this.logJson({error: {code: 'USAGE', message}})
      process.stderr.write(`Error: ${message}\nHint: see \`metricat ${this.id ?? ''} --help\`\n`.replace(/ {2,}/g, ' '))
      return
    }
    process.exitCode = 1
    if (this.jsonEnabled()) this.logJson({error: {code: 'INTERNAL', message: 'internal error'}})
    process.stderr.write(`Error: internal error: ${err.message.split('\n')[0]}\n`)
    if (process.env.METRICAT_DEBUG) process.stderr.write(`${err.stack}\n`)
  }
}
