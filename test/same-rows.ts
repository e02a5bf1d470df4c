import {expect} from 'vitest'

import type {ResultRow} from '../src/query/types.js'

/**
 * Same rows in the same order, same keys, numbers equal to 1e-9 relative (parallel float sums may
 * differ in the last bits). With `keyOrder`, the keys must also come in the same order.
 */
export function expectSameRows(actual: ResultRow[], expected: ResultRow[], options: {keyOrder?: boolean} = {}): void {
  expect(actual.length).toBe(expected.length)
  expect(actual.length).toBeGreaterThan(0)
  actual.forEach((row, i) => {
    const want = expected[i]!
    if (options.keyOrder) expect(Object.keys(row), `columns of row ${i}`).toEqual(Object.keys(want))
    else expect(Object.keys(row).sort()).toEqual(Object.keys(want).sort())
    for (const [k, v] of Object.entries(want)) {
      if (typeof v === 'number' && typeof row[k] === 'number') {
        expect(Math.abs((row[k] as number) - v), `${k} of row ${i}`).toBeLessThanOrEqual(Math.abs(v) * 1e-9 + 1e-9)
      } else expect(row[k], `${k} of row ${i}`).toEqual(v)
    }
  })
}
