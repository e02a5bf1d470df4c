// Two `=` / `in` filters on one dimension with no value in common can match no row (filters are
// ANDed): the result says so in `warnings`, since "--where region=EU --where region=NA" is easily
// meant as "either" and otherwise answers a series of zeros (or no rows) with exit 0.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {compileMetricQuery} from '../../src/query/index.js'
import {demoDatabase, runCommand, tempDir} from '../helpers.js'
import {lookup} from './fixtures.js'

const warnings = (filters: {dimension: string; op: '=' | 'in' | '!='; value: string | string[]}[]) => compileMetricQuery({metric: 'revenue/total_revenue', filters}, lookup).warnings ?? []

describe('filters that exclude each other', () => {
  it('warns about two = filters on one dimension with different values, naming the in-list to use', () => {
    expect(
      warnings([
        {dimension: 'region', op: '=', value: 'EU'},
        {dimension: 'region', op: '=', value: 'NA'},
      ]),
    ).toEqual(['no row can match both region = EU and region = NA: every filter applies (AND); for any of them write one filter, --where "region in EU,NA"'])
  })

  it('warns about an = value outside an in-list on the same dimension', () => {
    expect(
      warnings([
        {dimension: 'region', op: 'in', value: ['EU', 'NA']},
        {dimension: 'region', op: '=', value: 'APAC'},
      ]),
    ).toHaveLength(1)
  })

  it('says nothing when the values overlap, or for other operators and dimensions', () => {
    expect(
      warnings([
        {dimension: 'region', op: 'in', value: ['EU', 'NA']},
        {dimension: 'region', op: '=', value: 'EU'},
        {dimension: 'channel', op: '=', value: 'web'},
      ]),
    ).toEqual([])
    expect(
      warnings([
        {dimension: 'region', op: '!=', value: 'EU'},
        {dimension: 'region', op: '=', value: 'NA'},
      ]),
    ).toEqual([])
  })
})

describe('on the command line', () => {
  let dir: string
  let cleanup: () => void
  let db: string
  beforeAll(async () => {
    ;({dir, cleanup} = tempDir())
    db = await demoDatabase(dir)
  })
  afterAll(() => cleanup())

  it('prints the warning on stderr and carries it in --json', async () => {
    const r = await runCommand(['query', 'revenue/total_revenue', '--where', 'region=EU', '--where', 'region=NA', '--from', '2026-08-01', '--to', '2026-09-01', '--db', db, '--json'])
    expect(r.code).toBe(0)
    const result = JSON.parse(r.stdout)
    expect(result.rows.map((row: {value: number}) => row.value)).toEqual([0])
    expect(result.warnings).toEqual(['no row can match both region = EU and region = NA: every filter applies (AND); for any of them write one filter, --where "region in EU,NA"'])
    expect(r.stderr).toContain('Warning: no row can match both region = EU and region = NA')
  })
})
