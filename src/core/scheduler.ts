import {randomUUID} from 'node:crypto'

import {CatalogError} from '../errors.js'
import {claimSource, dueSourceIds, releaseSource} from '../points/leases.js'
import {type Clock, retryDelayMs, systemClock} from '../points/schedule.js'
import {readSource} from '../points/sources.js'
import type {Catalog} from './catalog.js'
import {runPoints} from './points.js'

export interface SchedulerOptions {
  clock?: Clock
  /** sources run at the same time (default 2) */
  concurrency?: number
  /** this scheduler's name in the lease table (default a random id) */
  holder?: string
  /** how often the foreground loop looks for due sources, in ms (default 30 s) */
  intervalMs?: number
  /** a line per run, for the foreground command */
  log?: (line: string) => void
  /** a run with no timeout of its own is stopped after this (default 1 hour) */
  defaultTimeoutMs?: number
}

export interface SourceRunOutcome {
  id: string
  status: 'completed' | 'failed' | 'interrupted' | 'skipped'
  attempts: number
  error?: string
  points?: number
}

/** Margin past a run's timeout before its lease counts as abandoned. */
const LEASE_MARGIN_MS = 60_000

/**
 * Runs due data sources: those with a command, not disabled, whose next_poll_at has passed.
 * Each run claims its source with a lease row first, so two schedulers on one database never run
 * one source twice; a failed run is retried (`retries`, with backoff) before it counts as one
 * failure; a crashing or hanging program is one failed run (its timeout stops it), never the
 * scheduler's end. `stop()` (SIGTERM) stops claiming, lets running jobs finish within their
 * timeout, then stops them and records them as `interrupted`.
 */
export class Scheduler {
  readonly holder: string
  private readonly clock: Clock
  private readonly concurrency: number
  private readonly running = new Set<Promise<SourceRunOutcome>>()
  private readonly abort = new AbortController()
  private stopping = false
  private wake = new AbortController()

  constructor(
    private readonly catalog: Catalog,
    private readonly options: SchedulerOptions = {},
  ) {
    this.clock = options.clock ?? systemClock
    this.concurrency = options.concurrency ?? 2
    this.holder = options.holder ?? `scheduler-${process.pid}-${randomUUID().slice(0, 8)}`
  }

  /** Runs every source due now, `concurrency` at a time, and returns once they are done. */
  async runDue(): Promise<SourceRunOutcome[]> {
    const ids = await dueSourceIds(this.catalog.db, this.clock.now())
    const outcomes: SourceRunOutcome[] = []
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < ids.length && !this.stopping) {
        const id = ids[next++]!
        const run = this.runSource(id)
        this.running.add(run)
        try {
          outcomes.push(await run)
        } finally {
          this.running.delete(run)
        }
      }
    }
    await Promise.all(Array.from({length: Math.min(this.concurrency, ids.length)}, worker))
    return outcomes.filter((o) => o.status !== 'skipped')
  }

  /** The foreground loop: runs what is due, sleeps, again, until `stop()`. */
  async loop(): Promise<void> {
    while (!this.stopping) {
      await this.runDue()
      if (this.stopping) break
      await this.clock.sleep(this.options.intervalMs ?? 30_000, this.wake.signal)
    }
  }

  /**
   * Stops claiming sources; running jobs get `graceMs` (default: their own timeout) to finish,
   * then their programs are stopped and the jobs recorded as `interrupted`.
   */
  async stop(graceMs?: number): Promise<void> {
    this.stopping = true
    this.wake.abort()
    const pending = [...this.running]
    if (pending.length === 0) return
    if (graceMs !== undefined) {
      const timer = new AbortController()
      await Promise.race([Promise.allSettled(pending), this.clock.sleep(graceMs, timer.signal)])
      timer.abort()
      this.abort.abort()
    }
    await Promise.allSettled(pending)
  }

  private async runSource(id: string): Promise<SourceRunOutcome> {
    const source = await readSource(this.catalog.db, id)
    if (!source) return {id, status: 'skipped', attempts: 0}
    const timeoutMs = source.timeout_seconds ? source.timeout_seconds * 1000 : (this.options.defaultTimeoutMs ?? 3_600_000)
    const now = this.clock.now()
    if (!(await claimSource(this.catalog.db, id, this.holder, now, new Date(now.getTime() + timeoutMs * (source.retries + 1) + LEASE_MARGIN_MS)))) {
      return {id, status: 'skipped', attempts: 0}
    }
    try {
      let attempt = 0
      for (;;) {
        attempt++
        const last = attempt > source.retries
        try {
          const result = await runPoints(this.catalog, {
            defaults: {dataSourceId: id},
            timeoutMs,
            signal: this.abort.signal,
            countFailure: last,
            attempt,
            now: () => this.clock.now(),
          })
          this.options.log?.(`${id}: completed, ${result.ingest.points} points (${result.ingest.inserted} inserted, ${result.ingest.updated} updated${result.ingest.deleted ? `, ${result.ingest.deleted} deleted` : ''})`)
          return {id, status: 'completed', attempts: attempt, points: result.ingest.points}
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error)
          if (this.abort.signal.aborted) {
            this.options.log?.(`${id}: interrupted`)
            return {id, status: 'interrupted', attempts: attempt, error: message}
          }
          if (!(error instanceof CatalogError)) this.options.log?.(`${id}: internal error: ${message}`)
          if (last || this.stopping) {
            this.options.log?.(`${id}: failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${message}`)
            return {id, status: 'failed', attempts: attempt, error: message}
          }
          this.options.log?.(`${id}: attempt ${attempt} failed, retrying: ${message}`)
          await this.clock.sleep(retryDelayMs(attempt), this.abort.signal)
        }
      }
    } finally {
      await releaseSource(this.catalog.db, id, this.holder)
    }
  }
}
