import {Cron} from 'croner'

import {CatalogError} from '../errors.js'

/** How often a source polls: frequent = every 15 minutes; manual = only when run by hand. */
export const POLL_FREQUENCIES = ['frequent', 'hourly', 'daily', 'weekly', 'manual'] as const
export type PollFrequency = (typeof POLL_FREQUENCIES)[number]

export const SOURCE_MODES = ['series', 'snapshot'] as const
export type SourceMode = (typeof SOURCE_MODES)[number]

export const SOURCE_STATUSES = ['active', 'failing', 'disabled'] as const
export type SourceStatus = (typeof SOURCE_STATUSES)[number]

/** A source with a command and no schedule polls daily. */
export const DEFAULT_POLL: PollFrequency = 'daily'
export const DEFAULT_MAX_FAILURES = 5

const MINUTE = 60_000
const INTERVAL_MS: Record<Exclude<PollFrequency, 'manual'>, number> = {frequent: 15 * MINUTE, hourly: 60 * MINUTE, daily: 24 * 60 * MINUTE, weekly: 7 * 24 * 60 * MINUTE}

export interface Schedule {
  poll_frequency?: string | null
  cron?: string | null
}

/** A cron expression (5 or 6 fields, UTC), checked; a bad one is a BAD_REQUEST naming it. */
export function parseCron(expression: string): Cron {
  try {
    return new Cron(expression, {timezone: 'UTC', paused: true})
  } catch (error) {
    throw new CatalogError('BAD_REQUEST', `--cron ${JSON.stringify(expression)} is not a cron expression: ${error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error)}; e.g. "0 6 * * *" (06:00 UTC daily)`, {cron: expression})
  }
}

/**
 * When a source runs next after `from` (its last run, or when it was scheduled): cron's next
 * match (UTC), else `from` plus its poll interval (default daily); null for `manual`.
 */
export function nextPollAt(schedule: Schedule, from: Date): Date | null {
  if (schedule.cron) return parseCron(schedule.cron).nextRun(from) ?? null
  const poll = (schedule.poll_frequency ?? DEFAULT_POLL) as PollFrequency
  if (poll === 'manual') return null
  return new Date(from.getTime() + INTERVAL_MS[poll])
}

/** Seconds between retries of a failed run: 5, 10, 20, ... capped at 5 minutes. */
export function retryDelayMs(attempt: number): number {
  return Math.min(5000 * 2 ** (attempt - 1), 5 * MINUTE)
}

const UNIT_MS: Record<string, number> = {s: 1000, m: MINUTE, h: 60 * MINUTE, d: 24 * 60 * MINUTE, w: 7 * 24 * 60 * MINUTE}

/**
 * A `--since`/`--from` value: relative (`30m`, `12h`, `7d`, `12w`, `90s`: that long before `now`)
 * or an ISO date / date-time (UTC unless it has a zone). Returns the instant; a bad value is a
 * BAD_REQUEST naming the flag.
 */
export function parseSince(text: string, now: Date, flag = '--since'): Date {
  const relative = /^(\d{1,6})\s*([smhdw])$/i.exec(text.trim())
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2]!.toLowerCase()]!)
  if (/^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) {
    const iso = text.trim().replace(' ', 'T')
    const ms = Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : /([Zz]|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`)
    if (Number.isFinite(ms)) return new Date(ms)
  }
  throw new CatalogError('BAD_REQUEST', `${flag} ${JSON.stringify(text)}: expected a relative time such as 30m, 12h, 7d, 12w, or a date such as 2026-05-01`, {[flag.replace(/^--/, '')]: text})
}

/** `YYYY-MM-DD HH:MM:SS.mmm` (UTC) for a TIMESTAMP parameter. */
export function timestampText(d: Date): string {
  const iso = d.toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`
}

/** The clock the scheduler reads and sleeps on; tests inject one that jumps. */
export interface Clock {
  now(): Date
  /** resolves after `ms`, or early when `signal` aborts */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve()
      const timer = setTimeout(done, ms)
      function done(): void {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      signal?.addEventListener('abort', done, {once: true})
    }),
}
