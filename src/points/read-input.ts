import type {Readable} from 'node:stream'

import {CatalogError, formatProblem} from '../errors.js'
import {describePoint, normalizePoint} from './check-point.js'
import {readPointItems} from './read-points.js'
import type {IngestResult, NormalizedPoint, PointDefaults, PointProblem} from './types.js'

/** What `ingestPoints` accepts: text or bytes (a file, stdin, a request body) or parsed points. */
export type PointInput = AsyncIterable<string | Uint8Array> | Readable | {points: unknown[]}

export const MAX_LISTED_PROBLEMS = 100

export interface ReadOptions {
  defaults?: PointDefaults
  /** a name for error messages: the file name, `stdin`, `body` */
  source: string
  /** called for every valid point while no invalid one has been seen */
  onValid: (point: NormalizedPoint, raw: Record<string, unknown>) => void
  /** called after each chunk of input (and every few thousand parsed points) */
  afterChunk?: (progress: {points: number; bytes: number}) => Promise<void> | void
  maxProblems?: number
}

export interface ReadResult {
  format: IngestResult['format']
  points: number
  bytes: number
}

/** Gathers the problems of a batch: all are counted, the first `max` are kept. */
class Problems {
  readonly list: PointProblem[] = []
  invalidPoints = 0
  total = 0

  constructor(private readonly max: number) {}

  add(p: PointProblem): void {
    this.total++
    if (this.list.length < this.max) this.list.push(p)
  }

  error(source: string, what = 'nothing was ingested'): CatalogError {
    const problems: PointProblem[] = [...this.list]
    const omitted = this.total - this.list.length
    if (omitted > 0) problems.push({message: `... and ${omitted} more problem${omitted === 1 ? '' : 's'} not listed`})
    const first = formatProblem(this.list[0]!)
    const others = this.invalidPoints - 1
    const more = others > 0 ? ` (and ${others} more invalid point${others === 1 ? '' : 's'})` : ''
    return new CatalogError('VALIDATION', `${first}${more}; ${what}`, {
      where: source,
      invalid: this.invalidPoints,
      problems,
      hint: 'fix the points listed above and send the whole batch again; a batch is applied completely or not at all',
    })
  }
}

function isPointsObject(input: PointInput): input is {points: unknown[]} {
  return typeof input === 'object' && input !== null && !(Symbol.asyncIterator in input) && 'points' in input
}

function parseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return `invalid JSON: ${message.replace(/^Unexpected token/, 'unexpected token').replace(/ in JSON at position \d+.*$/, '')}`
}

/**
 * Reads and checks every point of the input, handing valid ones to `onValid` until the first
 * invalid one (after that nothing would be written anyway, but the rest is still checked so
 * that every bad point is reported). Throws VALIDATION listing the problems, each with its line
 * (text input) or index (`{points: [...]}`), after the whole input is read.
 */
export async function readPoints(input: PointInput, options: ReadOptions): Promise<ReadResult> {
  const problems = new Problems(options.maxProblems ?? MAX_LISTED_PROBLEMS)
  const {defaults, source, onValid} = options
  let points = 0
  const check = (raw: unknown, line: number | undefined, index: number, prefix: string): void => {
    const p = normalizePoint(raw, defaults)
    if (p !== undefined) {
      points++
      if (problems.invalidPoints === 0) onValid(p, raw as Record<string, unknown>)
      return
    }
    problems.invalidPoints++
    for (const issue of describePoint(raw, defaults)) problems.add({file: source, line, index, path: `${prefix}${issue.path}`, message: issue.message})
  }

  let result: ReadResult
  if (isPointsObject(input)) {
    const list = input.points
    if (!Array.isArray(list)) {
      throw new CatalogError('VALIDATION', `points must be a list, got ${list === null ? 'null' : typeof list}`, {where: source, problems: [{path: '/points', message: 'must be a list'}]})
    }
    for (let i = 0; i < list.length; i++) {
      check(list[i], undefined, i, `/points/${i}`)
      if (options.afterChunk && i % 8192 === 8191) await options.afterChunk({points: i + 1, bytes: 0})
    }
    result = {format: 'array', points, bytes: 0}
  } else {
    const summary = await readPointItems(
      input as AsyncIterable<string | Uint8Array>,
      (text, line, index, format) => {
        let raw: unknown
        try {
          raw = JSON.parse(text)
        } catch (error) {
          problems.invalidPoints++
          problems.add({file: source, line, index, path: format === 'json' ? `/points/${index}` : undefined, message: parseError(error)})
          return
        }
        check(raw, line, index, format === 'json' ? `/points/${index}` : '')
      },
      options.afterChunk ? (bytes) => options.afterChunk!({points, bytes}) : undefined,
    )
    if (summary.fatal) {
      problems.invalidPoints++
      problems.add({file: source, line: summary.fatal.line, message: summary.fatal.message})
    }
    result = {format: summary.format, points, bytes: summary.bytes}
  }
  if (problems.invalidPoints > 0) throw problems.error(source)
  return result
}
