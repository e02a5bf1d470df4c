// Golden SQL: the compiled SQL of representative requests, kept in files so that a compiler change
// shows up as a reviewable diff. After an intended change: `npx vitest run test/query/golden.test.ts -u`.
import {describe, expect, it} from 'vitest'

import {compileMetricQuery} from '../../src/query/index.js'
import {CASES, lookup} from './golden-cases.js'

describe('golden SQL', () => {
  it.each(CASES)('%s', async (name, query) => {
    const c = compileMetricQuery(query, lookup)
    const text = `${c.sql}\n-- params: ${JSON.stringify(c.params)}\n`
    await expect(text).toMatchFileSnapshot(`__snapshots__/golden/${name}.sql`)
  })
})
