// `metricat search ""` (or only spaces) is a usage error, exit 2, as `GET /api/search` without q is a
// 400; it printed "No metric matches" with exit 0, as if the catalog had been searched.
import {afterAll, describe, expect, it} from 'vitest'

import {emptyDatabase, runCommand, tempDir} from '../helpers.js'

describe('search with no words', () => {
  const tmp = tempDir('metricat-search-blank-')
  afterAll(() => tmp.cleanup())

  it.each([[''], ['   ']])('refuses %j with exit 2 and a one-line hint', async (text) => {
    const r = await runCommand(['search', text, '--db', await emptyDatabase(tmp.dir)])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')[0]).toMatch(/nothing to search for: give words, e\.g\. metricat search "recurring revenue"/)
    expect(r.stdout).toBe('')
  })
})
