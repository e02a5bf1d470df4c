// bin/run.js answers `metricat sql ID ... --json` without oclif when quickSqlArgs understands the
// command line: what it understands must mean what oclif's parse of the command means, what it
// prints must be what the oclif command prints, and anything else (usage errors, help, --server,
// any failure) must be left to oclif.
import {Flags, Parser} from '@oclif/core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {SQL_FLAGS, SQL_OPTIONS, quickSqlArgs, runQuickSql} from '../../src/cli/quick-sql.js'
import Sql from '../../src/commands/sql.js'
import {demoDatabase, runCommand, tempDir} from '../helpers.js'

const declared = {...Sql.baseFlags, ...Sql.flags, json: {type: 'boolean'}} as unknown as Record<string, {type: string; multiple?: boolean; options?: readonly string[]; parse?: (input: string, ctx: unknown, opts: unknown) => Promise<unknown>}>
const oclif = async (argv: string[]) => {
  const {args, flags} = await Parser.parse(argv, {flags: {...Sql.baseFlags, ...Sql.flags, json: Flags.boolean()}, args: Sql.args, strict: true})
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

describe('quickSqlArgs (the oclif-free start of `metricat sql --json`)', () => {
  it('knows exactly the flags the oclif command declares, with their kinds and values', async () => {
    expect(Object.keys(SQL_FLAGS).sort()).toEqual(Object.keys(declared).sort())
    for (const [name, kind] of Object.entries(SQL_FLAGS)) {
      const flag = declared[name]!
      if (kind === 'boolean') {
        expect(flag.type, name).toBe('boolean')
        continue
      }
      expect(flag.type, name).toBe('option')
      expect(Boolean(flag.multiple), name).toBe(kind === 'multiple')
      if (kind === 'option') expect([...(flag.options ?? [])].sort(), name).toEqual([...SQL_OPTIONS[name]!].sort())
      else expect(flag.options, name).toBeUndefined()
      // an integer flag refuses text; the others take it as it is
      expect(await flag.parse!('x1', {}, flag).then(() => 'text', () => 'integer'), name).toBe(kind === 'integer' ? 'integer' : 'text')
    }
  })

  it.each([
    [['revenue/mrr', '--json']],
    [['--json', 'revenue/mrr', '--db', 'a.duckdb']],
    [['revenue/total_revenue', '--by', 'region', '--where', 'channel in web,partner', '--where=region=EU', '--from', '2025-01-01', '--to=2026-01-01', '--json']],
    [['revenue/mrr', '--grain', 'quarter', '--compare', 'year', '--limit', '4', '--order', 'value', '--desc', '--strict', '--no-rollup', '--json']],
    [['revenue/mrr', '--grain=monthly', '--range', 'last 6 months', '--variant', 'by_plan', '--warehouse', 'w.duckdb', '--wait', '0', '--json']],
    [['revenue/mrr', '--where', 'amount>=10', '--json', '--db', 'dir with space/a=b.duckdb']],
  ])('reads %j as oclif does', async (argv) => {
    const quick = quickSqlArgs(argv, {})
    expect(quick).toBeDefined()
    expect(quick).toEqual(await oclif(argv))
  })

  it.each([
    [['revenue/mrr']],
    [['revenue/mrr', '--json', '--help']],
    [['revenue/mrr', '-h']],
    [['--json']],
    [['revenue/mrr', 'extra', '--json']],
    [['revenue/mrr', '--json', '--server', 'http://localhost:1']],
    [['revenue/mrr', '--json', '--grain', 'fortnight']],
    [['revenue/mrr', '--json', '--compare', 'last']],
    [['revenue/mrr', '--json', '--limit', '0']],
    [['revenue/mrr', '--json', '--limit', 'ten']],
    [['revenue/mrr', '--json', '--wait', '3601']],
    [['revenue/mrr', '--json', '--by']],
    [['revenue/mrr', '--json', '--by', '']],
    [['revenue/mrr', '--json', '--by', 'region', '--by', 'plan']],
    [['revenue/mrr', '--json', '--desc=true']],
    [['revenue/mrr', '--json', '-w', 'region=EU']],
    [['revenue/mrr', '--json', '--bogus']],
    [['revenue/mrr', '--json', '--', '--by', 'x']],
  ])('leaves %j to oclif', (argv) => {
    expect(quickSqlArgs(argv, {})).toBeUndefined()
  })

  it('leaves it to oclif when METRICAT_SERVER is set', () => {
    expect(quickSqlArgs(['revenue/mrr', '--json'], {METRICAT_SERVER: 'http://localhost:1'})).toBeUndefined()
  })
})

describe('runQuickSql', () => {
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

  it('prints exactly what the oclif command prints', async () => {
    const argv = ['revenue/total_revenue', '--by', 'region', '--where', 'channel in web,partner', '--from', '2025-01-01', '--to', '2026-01-01', '--json', '--db', db]
    const quick = await capture(() => runQuickSql(quickSqlArgs(argv, {})!))
    const viaOclif = await runCommand(['sql', ...argv])
    expect(viaOclif.code).toBe(0)
    expect(quick).toEqual({done: true, out: viaOclif.stdout})
  })

  it('prints nothing and hands over to oclif when the command fails', async () => {
    expect(await capture(() => runQuickSql(quickSqlArgs(['revenue/nope', '--json', '--db', db], {})!))).toEqual({done: false, out: ''})
    expect(await capture(() => runQuickSql(quickSqlArgs(['revenue/mrr', '--by', 'nope', '--json', '--db', db], {})!))).toEqual({done: false, out: ''})
    expect(await capture(() => runQuickSql(quickSqlArgs(['revenue/mrr', '--json', '--db', `${dir}/missing.duckdb`], {})!))).toEqual({done: false, out: ''})
  })
})
