import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void

beforeAll(() => {
  ;({dir, cleanup} = tempDir())
  mkdirSync(path.join(dir, 'shop'), {recursive: true})
})
afterAll(() => cleanup())

describe('an unknown field that shortens a known one', () => {
  it.each([
    ['time_col: ordered_at', 'time_col', 'time_column'],
    ['desc: all orders', 'desc', 'description'],
  ])('%s suggests the field it starts', async (line, field, suggested) => {
    const file = path.join(dir, 'shop', 'orders.yml')
    writeFileSync(file, `name: orders\ntype: count\ntable: orders\n${line}\n`)
    const r = await runCommand(['validate', file])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`orders.yml:4:1 /${field}: unknown field "${field}"; did you mean "${suggested}"?`)
  })

  it('suggests nothing for a prefix of several fields', async () => {
    const file = path.join(dir, 'shop', 'orders.yml')
    writeFileSync(file, 'name: orders\ntype: count\ntable: orders\ntime_: ordered_at\n')
    const r = await runCommand(['validate', file])
    // time_column and time_aggregation both start with it
    expect(r.stderr).toContain('/time_: unknown field "time_"\n')
  })
})
