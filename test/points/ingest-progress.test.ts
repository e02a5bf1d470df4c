// Progress is for work that itself takes over a second: time spent waiting for input (a program
// that runs for a while before printing, a slow client) does not count. The clock is mocked, so
// nothing here depends on the machine's speed.
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {IngestProgressLine} from '../../src/cli/progress.js'
import {ingestInput} from '../../src/points/ingest.js'
import type {IngestProgress} from '../../src/points/types.js'
import {closeDiscarding, newCatalog, tempDir} from '../helpers.js'

let cleanup: () => void
let catalog: Catalog
let now: number

beforeEach(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  catalog = await newCatalog(t.dir)
  now = 0
  vi.spyOn(performance, 'now').mockImplementation(() => now)
})
afterEach(async () => {
  vi.restoreAllMocks()
  await closeDiscarding(catalog)
  cleanup()
})

const point = (day: number) => `${JSON.stringify({metricKey: 'game.players', date: `2026-05-0${day}`, value: day})}\n`

/** Input that makes the reader wait `waitMs` (of mocked time) before each chunk. */
async function* slowProducer(waitMs: number, chunks: string[]): AsyncGenerator<string> {
  for (const chunk of chunks) {
    now += waitMs
    yield chunk
  }
}

describe('ingest progress timing', () => {
  it('leaves the time spent waiting for input out of elapsedMs', async () => {
    const seen: IngestProgress[] = []
    const result = await ingestInput(catalog.db, slowProducer(5_000, [point(1), point(2)]), {onProgress: (p) => seen.push(p)})
    expect(result.points).toBe(2)
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.map((p) => p.elapsedMs)).toEqual(seen.map(() => 0))
  })

  it('counts the time the ingest itself works', async () => {
    const seen: IngestProgress[] = []
    // the clock moves while the ingest handles a chunk (here: inside its progress callback)
    await ingestInput(catalog.db, slowProducer(5_000, [point(1), point(2), point(3)]), {
      onProgress: (p) => {
        seen.push(p)
        now += 700
      },
    })
    expect(seen.map((p) => p.elapsedMs)).toEqual(seen.map((_, i) => 700 * i))
  })

  it('prints nothing for a program that ran 10 seconds and printed two points', async () => {
    const written: string[] = []
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      written.push(String(s))
      return true
    })
    const line = new IngestProgressLine('run')
    await ingestInput(catalog.db, slowProducer(10_000, [point(1), point(2)]), {onProgress: line.update})
    line.done()
    expect(written).toEqual([])
  })

  it('prints a line once the work passes one second, with the rate over the working time', () => {
    const written: string[] = []
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      written.push(String(s))
      return true
    })
    const line = new IngestProgressLine('ingest')
    line.update({phase: 'reading', points: 500, bytes: 0, elapsedMs: 999})
    expect(written).toEqual([])
    line.update({phase: 'reading', points: 2_000, bytes: 0, elapsedMs: 1_000})
    line.update({phase: 'writing', points: 3_000, bytes: 0, elapsedMs: 1_500})
    line.done()
    if (process.stderr.isTTY) return
    expect(written).toEqual(['ingest: 2,000 points (2,000 points/s)\n', 'ingest: read 3,000 points; writing...\n'])
  })
})
