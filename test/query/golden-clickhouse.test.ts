// Golden SQL for ClickHouse: the same requests as golden.test.ts through the ClickHouse renderer
// (values inlined, nested subqueries, one JOIN per SELECT). Points metrics run on the catalog file
// only. After an intended change: `npx vitest run test/query/golden-clickhouse.test.ts -u`.
import {describe, expect, it} from 'vitest'

import {compileMetricQuery} from '../../src/query/index.js'
import {CASES, lookup} from './golden-cases.js'

describe('golden SQL, ClickHouse', () => {
  it.each(CASES.filter(([name]) => !name.startsWith('points-')))('%s', async (name, query) => {
    const c = compileMetricQuery(query, lookup, {dialect: 'clickhouse'})
    expect(c.params).toEqual([])
    await expect(`${c.sql}\n`).toMatchFileSnapshot(`__snapshots__/golden-clickhouse/${name}.sql`)
  })

  it('refuses a points metric (points live in the catalog file)', () => {
    expect(() => compileMetricQuery({metric: 'games/players'}, lookup, {dialect: 'clickhouse'})).toThrow(/metric points/)
  })
})
