import {describe, expect, it} from 'vitest'

import {summaryLine} from '../summary-reporter.js'

// The last line of a run (test/summary-reporter.ts), which CI logs are read by.
const file = (states: string[], ok = !states.includes('failed')) => ({
  ok: () => ok,
  children: {allTests: () => states.map((state) => ({result: () => ({state})}))},
})

describe('summaryLine', () => {
  it('counts passed, failed and skipped tests', () => {
    expect(summaryLine([file(['passed', 'passed']), file(['failed', 'skipped'])] as never, 0)).toBe('2 passed, 1 failed, 1 skipped')
    expect(summaryLine([file(['passed'])] as never, 0)).toBe('1 passed, 0 failed')
  })

  it('counts a file that failed outside its tests (its tests skipped) and unhandled errors as failures', () => {
    expect(summaryLine([file(['skipped', 'skipped'], false), file(['passed'])] as never, 0)).toBe('1 passed, 1 failed, 2 skipped (1 file failed outside its tests)')
    expect(summaryLine([file(['passed'])] as never, 2)).toBe('1 passed, 2 failed (2 unhandled errors)')
  })
})
