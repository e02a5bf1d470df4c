import {readdirSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCommand, tempDir} from '../helpers.js'

// `--db :memory:` made `init` create a file named ":memory:" in the working directory (and every
// other command's hint advised exactly that). DuckDB's in-memory database would start empty for
// every command, so metricat refuses the name and says what it expects instead.
let dir: string
let cleanup: () => void
beforeAll(() => {
  ;({dir, cleanup} = tempDir())
})
afterAll(() => cleanup())

describe('a catalog named :memory:', () => {
  it.each([
    [['init', '--db', ':memory:'], '--db :memory:'],
    [['init', '--demo', '--db', ':memory:x'], '--db :memory:x'],
    [['list', '--db', ':memory:'], '--db :memory:'],
    [['show', 'revenue/mrr', '--json', '--db', ':memory:'], '--db :memory:'],
  ])('is refused by %j with a one-line error naming the flag, creating nothing', async (args, named) => {
    const result = await runCommand(args, {cwd: dir})
    expect(result.code).toBe(1)
    const message = args.includes('--json') ? JSON.parse(result.stdout).error.message : result.stderr.split('\n')[0]
    expect(message).toContain(`${named} names DuckDB's in-memory database`)
    expect(message).toContain('pass a file path')
    expect(readdirSync(dir)).toEqual([])
  })

  it('is refused from METRICAT_DB too, naming the variable', async () => {
    const result = await runCommand(['init'], {cwd: dir, env: {METRICAT_DB: ':memory:'}})
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("METRICAT_DB=:memory: names DuckDB's in-memory database")
    expect(readdirSync(dir)).toEqual([])
  })
})
