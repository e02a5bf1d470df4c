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

describe('the usage hint of a command in a topic', () => {
  it('names the command as typed (token create), not by its colon id', async () => {
    const r = await runCommand(['token', 'create', 'x', '--role', 'boss', '--db', db])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Hint: see `metricat token create --help`')
    expect(r.stderr).not.toContain('token:create')
  })

  it('does the same for a bad flag value of sources add', async () => {
    const r = await runCommand(['sources', 'add', 'x', '--poll', 'sometimes', '--db', db])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Hint: see `metricat sources add --help`')
  })
})
