// bin/run.js answers `metricat show ID --json` without oclif when quickShowArgs understands the
// command line: what it understands must mean what oclif's parse of the command means, what it
// prints must be what the oclif command prints, and anything else (usage errors, help, --server,
// -v, any failure) must be left to oclif.
import {Flags, Parser} from '@oclif/core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {SHOW_FLAGS, quickShowArgs, runQuickShow} from '../../src/cli/quick-sql.js'
import Show from '../../src/commands/show.js'
import {demoDatabase, runCommand, tempDir} from '../helpers.js'

const declared = {...Show.baseFlags, ...Show.flags, json: {type: 'boolean'}} as unknown as Record<string, {type: string; multiple?: boolean; options?: readonly string[]; parse?: (input: string, ctx: unknown, opts: unknown) => Promise<unknown>}>
const oclif = async (argv: string[]) => {
  const {args, flags} = await Parser.parse(argv, {flags: {...Show.baseFlags, ...Show.flags, json: Flags.boolean()}, args: Show.args, strict: true})
  return {id: args.id, flags}
}

let dir: string
let cleanup: () => void
let db: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = await demoDatabase(dir)
})
afterAll(() => cleanup())

describe('quickShowArgs (the oclif-free start of `metricat show --json`)', () => {
  it('knows exactly the flags the oclif command declares, with their kinds', async () => {
    expect(Object.keys(SHOW_FLAGS).sort()).toEqual(Object.keys(declared).sort())
    for (const [name, kind] of Object.entries(SHOW_FLAGS)) {
      const flag = declared[name]!
      expect(flag.type, name).toBe(kind === 'boolean' ? 'boolean' : 'option')
      if (kind === 'boolean') continue
      expect(await flag.parse!('x1', {}, flag).then(() => 'text', () => 'integer'), name).toBe(kind === 'integer' ? 'integer' : 'text')
    }
  })

  it.each([
    [['revenue/mrr', '--json']],
    [['--json', 'revenue/mrr', '--db', 'a.duckdb']],
    [['revenue/mrr', '--version', '2', '--json', '--wait=0']],
    [['revenue/mrr', '--json', '--db=dir with space/a=b.duckdb']],
  ])('reads %j as oclif does', async (argv) => {
    const quick = quickShowArgs(argv, {})
    expect(quick).toBeDefined()
    expect(quick).toEqual(await oclif(argv))
  })

  it.each([
    [['revenue/mrr']],
    [['revenue/mrr', '--json', '--help']],
    [['revenue/mrr', '--json', '-v', '1']],
    [['revenue/mrr', '--json', '--version', '0']],
    [['revenue/mrr', '--json', '--version', 'one']],
    [['revenue/mrr', '--json', '--server', 'http://localhost:1']],
    [['revenue/mrr', 'extra', '--json']],
    [['revenue/mrr', '--json', '--by', 'region']],
  ])('leaves %j to oclif', (argv) => {
    expect(quickShowArgs(argv, {})).toBeUndefined()
  })

  it('leaves it to oclif when METRICAT_SERVER is set', () => {
    expect(quickShowArgs(['revenue/mrr', '--json'], {METRICAT_SERVER: 'http://localhost:1'})).toBeUndefined()
  })
})

describe('runQuickShow', () => {
  const capture = async (fn: () => Promise<boolean>) => {
    const write = process.stdout.write
    let out = ''
    process.stdout.write = ((chunk: string) => {
      out += chunk
      return true
    }) as typeof process.stdout.write
    try {
      return {done: await fn(), out}
    } finally {
      process.stdout.write = write
    }
  }

  it.each([[['revenue/total_revenue']], [['revenue/mrr', '--version', '1']], [['revenue/mrr']]])('%j prints exactly what the oclif command prints', async (argv) => {
    const full = [...argv, '--json', '--db', db]
    const quick = await capture(() => runQuickShow(quickShowArgs(full, {})!))
    const viaOclif = await runCommand(['show', ...full])
    expect(viaOclif.code).toBe(0)
    expect(quick).toEqual({done: true, out: viaOclif.stdout})
  })

  it('prints nothing and hands over to oclif when the command fails', async () => {
    expect(await capture(() => runQuickShow(quickShowArgs(['revenue/nope', '--json', '--db', db], {})!))).toEqual({done: false, out: ''})
    expect(await capture(() => runQuickShow(quickShowArgs(['revenue/mrr', '--version', '999', '--json', '--db', db], {})!))).toEqual({done: false, out: ''})
    expect(await capture(() => runQuickShow(quickShowArgs(['revenue/mrr', '--json', '--db', `${dir}/missing.duckdb`], {})!))).toEqual({done: false, out: ''})
  })
})
