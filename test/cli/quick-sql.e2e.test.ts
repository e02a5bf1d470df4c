// The real binary: `metricat sql ... --json` (answered without oclif) prints what the oclif command
// prints, and a failing one still gets oclif's error and exit code.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {demoDatabase, runCli, runCommand, tempDir} from '../helpers.js'

let cleanup: () => void
let db: string

beforeAll(async () => {
  let dir: string
  ;({dir, cleanup} = tempDir())
  db = await demoDatabase(dir)
})
afterAll(() => cleanup())

describe('bin/run.js sql --json', () => {
  it('prints what the oclif command prints, and hands errors to it', async () => {
    const argv = ['sql', 'revenue/total_revenue', '--by', 'region', '--where', 'channel in web,partner', '--json', '--db', db]
    const [spawned, inProcess] = [await runCli(argv), await runCommand(argv)]
    expect(spawned).toEqual({code: 0, stdout: inProcess.stdout, stderr: ''})
    const bad = await runCli(['sql', 'revenue/nope', '--json', '--db', db])
    expect(bad.code).toBe(1)
    expect(JSON.parse(bad.stdout)).toMatchObject({error: {code: 'NOT_FOUND'}})
    expect(bad.stderr).toMatch(/^Error: unknown metric revenue\/nope/)
  })
  it('show ID --json: prints what the oclif command prints, and hands errors to it', async () => {
    const argv = ['show', 'revenue/mrr', '--json', '--db', db]
    const [spawned, inProcess] = [await runCli(argv), await runCommand(argv)]
    expect(spawned).toEqual({code: 0, stdout: inProcess.stdout, stderr: ''})
    const bad = await runCli(['show', 'revenue/nope', '--json', '--db', db])
    expect(bad.code).toBe(1)
    expect(JSON.parse(bad.stdout)).toMatchObject({error: {code: 'NOT_FOUND'}})
  })
})
