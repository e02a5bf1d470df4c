import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void

beforeAll(() => {
  ;({dir, cleanup} = tempDir())
  mkdirSync(path.join(dir, 'metrics', 'shop'), {recursive: true})
})
afterAll(() => cleanup())

const file = (percentile: string) => {
  const target = path.join(dir, 'metrics', 'shop', 'p90.yml')
  writeFileSync(target, `name: p90\ntype: percentile\npercentile: ${percentile}\ntable: orders\ntime_column: ordered_at\nexpression: amount\n`)
  return target
}

describe('a non-finite number in a definition', () => {
  it.each([
    ['.nan', '.nan'],
    ['.inf', '.inf'],
    ['-.inf', '-.inf'],
  ])('percentile: %s says a finite number was expected, naming the value', async (written, named) => {
    const r = await runCommand(['validate', file(written)])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`p90.yml:3:13 /percentile: expected a finite number, got ${named}`)
    expect(r.stderr).not.toContain('got a number')
  })

  it('still names the kind of a value that is no number at all', async () => {
    const r = await runCommand(['validate', file('high')])
    expect(r.stderr).toContain('/percentile: expected a number, got a string')
  })
})
