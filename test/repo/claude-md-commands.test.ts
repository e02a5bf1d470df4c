// CLAUDE.md is what an agent follows to the letter: every `./bin/run.js` line in it must run as
// written. The catalog commands run against the demo database and must answer one JSON document;
// every line keeps metricat's own flags before a `--` (after it they belong to the program).
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ROOT, demoDatabase, runCommand, tempDir} from '../helpers.js'

/** The words of a shell command line (double and single quotes; no expansions are used). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!)
}

const LINES = readFileSync(path.join(ROOT, 'CLAUDE.md'), 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('./bin/run.js '))
  .map((l) => words(l.replace(/\s{2,}#.*$/, '')).slice(1))
const READS = new Set(['search', 'lookup', 'tables', 'list', 'show', 'query', 'sql', 'values'])

let dir: string
let cleanup: () => void
let db: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = await demoDatabase(dir)
})
afterAll(() => cleanup())

describe('the commands CLAUDE.md shows', () => {
  it('are found (the page still has them)', () => {
    expect(LINES.filter((w) => READS.has(w[0]!)).length).toBeGreaterThanOrEqual(10)
  })

  it('put --json and every metricat flag before a `--`', async () => {
    const {default: Run} = await import('../../src/commands/run.js')
    // its flags, the global ones and oclif's --json
    const own = new Set([...Object.keys(Run.flags), ...Object.keys(Run.baseFlags), 'json'].map((f) => `--${f}`))
    expect(own).toContain('--data-source-id')
    for (const w of LINES) {
      const end = w.indexOf('--')
      if (end >= 0) expect(w.slice(end + 1).filter((x) => own.has(x.split('=')[0]!)), w.join(' ')).toEqual([])
    }
  })

  it.each(LINES.filter((w) => READS.has(w[0]!)).map((w) => [w.join(' '), w]))('%s runs on the demo and prints one JSON document', async (_, w) => {
    const r = await runCommand([...(w as string[]), '--db', db])
    expect(r.code, r.stderr).toBe(0)
    expect(() => JSON.parse(r.stdout)).not.toThrow()
  })
})
