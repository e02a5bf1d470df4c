import {describe, expect, it} from 'vitest'

import {overlapDemoBuild} from '../sequencer.js'

// The test order (test/sequencer.ts): while the first file that needs the demo database builds it,
// the other workers get files that do not need it.
describe('overlapDemoBuild', () => {
  const files = [
    {name: 'a', demo: true, s: 20},
    {name: 'b', demo: true, s: 12},
    {name: 'c', demo: false, s: 6},
    {name: 'd', demo: true, s: 5},
    {name: 'e', demo: false, s: 5},
    {name: 'f', demo: false, s: 4},
    {name: 'g', demo: true, s: 1},
  ]
  const order = (cover: number, list = files) => overlapDemoBuild(list, (f) => f.demo, (f) => f.s, cover).map((f) => f.name)

  it('puts files that need the demo after files that do not, until those cover the build', () => {
    expect(order(10)).toEqual(['a', 'c', 'e', 'b', 'd', 'f', 'g'])
    expect(order(20)).toEqual(['a', 'c', 'e', 'f', 'b', 'd', 'g'])
  })

  it('keeps the order when nothing needs covering, or nothing needs the demo', () => {
    expect(order(0)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g'])
    const none = files.map((f) => ({...f, demo: false}))
    expect(order(10, none)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g'])
  })

  it('keeps the files before the first one that needs the demo where they are', () => {
    const later = [{name: 'x', demo: false, s: 30}, ...files]
    expect(order(10, later)).toEqual(['x', 'a', 'c', 'e', 'b', 'd', 'f', 'g'])
  })

  it('loses no file', () => {
    expect(order(1000).sort()).toEqual(files.map((f) => f.name).sort())
  })
})
