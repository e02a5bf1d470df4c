import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {emptyDatabase, runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = await emptyDatabase(dir)
})
afterAll(() => cleanup())

describe('run without a program', () => {
  it('is a usage error (exit 2) saying to give one after --', async () => {
    const r = await runCommand(['run', '--db', db])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Error: nothing to run: give a command after --, e.g. metricat run -- python3 fetch.py')
    expect(r.stderr).toContain('Hint: see `metricat run --help`')
  })

  it('with an unknown --data-source-id and no program: the same, as exit 1 (what to run depends on the stored source)', async () => {
    const r = await runCommand(['run', '--data-source-id', 'nowhere', '--db', db])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('nothing to run')
  })
})
