import {Parser} from '@oclif/core'
import {describe, expect, it} from 'vitest'

import Mcp from '../../src/commands/mcp.js'
import {MCP_FLAGS, quickMcpFlags} from '../../src/mcp/run.js'

// bin/run.js starts `metricat mcp` without oclif when quickMcpFlags understands the command line;
// what it understands must mean what oclif's parse of the command means, and anything else must
// go to oclif (undefined), which answers it like every other command.

const declared = {...Mcp.baseFlags, ...Mcp.flags}
const oclif = async (argv: string[]) => (await Parser.parse(argv, {flags: declared, strict: true})).flags

describe('quickMcpFlags (the oclif-free start of `metricat mcp`)', () => {
  it('knows exactly the flags the oclif command declares, with their types', async () => {
    expect(Object.keys(MCP_FLAGS).sort()).toEqual(Object.keys(declared).sort())
    for (const [name, type] of Object.entries(MCP_FLAGS)) {
      const flag = declared[name as keyof typeof declared] as {type: string; parse: (input: string, ctx: unknown, opts: unknown) => Promise<unknown>}
      expect(flag.type, name).toBe('option')
      // an integer flag refuses text; a string flag takes it as it is
      expect(await flag.parse('x1', {}, flag).then(() => 'string', () => 'integer'), name).toBe(type)
    }
  })

  it.each([
    [[]],
    [['--db', 'a.duckdb']],
    [['--db=a.duckdb', '--wait', '0']],
    [['--wait=3600', '--warehouse', 'w.duckdb', '--db', 'dir with space/a.duckdb']],
    [['--db', 'a=b.duckdb']],
  ])('reads %j as oclif does', async (argv) => {
    const quick = quickMcpFlags(argv, {})
    expect(quick).toBeDefined()
    expect(quick).toEqual(await oclif(argv))
  })

  it.each([
    [['--help']],
    [['-h']],
    [['--db', 'a', '--help']],
    [['--version']],
    [['--server', 'http://localhost:1']],
    [['--db']],
    [['--db', '']],
    [['--db', '--wait', '1']],
    [['--db', 'a', '--db', 'b']],
    [['--wait', 'soon']],
    [['--wait', '3601']],
    [['--wait', '-1']],
    [['--wait', '1.5']],
    [['--json']],
    [['--bogus', 'x']],
    [['extra']],
    [['--', '--db', 'a']],
  ])('leaves %j to oclif', (argv) => {
    expect(quickMcpFlags(argv, {})).toBeUndefined()
  })

  it('leaves it to oclif when METRICAT_SERVER is set (mcp works on the file, oclif says so)', () => {
    expect(quickMcpFlags(['--db', 'a'], {METRICAT_SERVER: 'http://localhost:1'})).toBeUndefined()
    expect(quickMcpFlags(['--db', 'a'], {METRICAT_SERVER: ''})).toEqual({db: 'a'})
  })
})
