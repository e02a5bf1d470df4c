import {describe, expect, it} from 'vitest'
import type {MetricDefinition} from '../../src/catalog/types.js'
import {metricReferences, parseFormula} from '../../src/query/formula.js'

const self = {id: 'sales/derived', category: 'sales'}

describe('parseFormula', () => {
  it('reads ids with a slash and division with spaces', () => {
    expect(parseFormula(self, 'sales/revenue / sales/orders')).toEqual({
      kind: 'binary',
      op: '/',
      left: {kind: 'metric', id: 'sales/revenue'},
      right: {kind: 'metric', id: 'sales/orders'},
    })
  })

  it('gives * and / precedence over + and -, left to right', () => {
    expect(parseFormula(self, 'a/x - b/y * 2 + 1')).toEqual({
      kind: 'binary',
      op: '+',
      left: {
        kind: 'binary',
        op: '-',
        left: {kind: 'metric', id: 'a/x'},
        right: {kind: 'binary', op: '*', left: {kind: 'metric', id: 'b/y'}, right: {kind: 'number', value: 2}},
      },
      right: {kind: 'number', value: 1},
    })
  })

  it('handles parentheses, unary minus and decimals', () => {
    expect(parseFormula(self, '-(a/x + .5) * 1.5e2')).toEqual({
      kind: 'binary',
      op: '*',
      left: {kind: 'negate', operand: {kind: 'binary', op: '+', left: {kind: 'metric', id: 'a/x'}, right: {kind: 'number', value: 0.5}}},
      right: {kind: 'number', value: 150},
    })
  })

  it('resolves a bare name in the metric\'s own category', () => {
    expect(parseFormula(self, 'revenue')).toEqual({kind: 'metric', id: 'sales/revenue'})
  })

  it.each([
    ['a/x/b/y', /put spaces around "\/"/],
    ['a/x /b/y', /put spaces around "\/"/],
    ['2/3', /put spaces around "\/"/],
    ['a/x +', /expected a metric id, a number or "\(" but found end of formula/],
    ['(a/x', /expected "\)"/],
    ['a/x b/y', /unexpected "b\/y"/],
    ['a/x; drop table t', /unexpected character ";"/],
    ["a/x + 'y'", /unexpected character "'"/],
    ['sum(a/x)', /unexpected "\("/],
    ['3abc', /bad number/],
    ['', /found end of formula/],
  ])('rejects %j', (formula, message) => {
    expect(() => parseFormula(self, formula)).toThrow(message)
  })

  it('names the metric and column in errors', () => {
    expect(() => parseFormula(self, 'a/x ^ 2')).toThrow(/^bad formula for sales\/derived at column 5: unexpected character "\^"/)
  })
})

describe('metricReferences', () => {
  const base = {name: 'm', category: 'sales'}
  it('lists numerator and denominator of a ratio', () => {
    const def: MetricDefinition = {...base, id: 'sales/m', type: 'ratio', numerator: 'sales/a', denominator: 'b'}
    expect(metricReferences(def)).toEqual(['sales/a', 'sales/b'])
  })

  it('lists each formula id once, in order', () => {
    const def: MetricDefinition = {...base, id: 'sales/m', type: 'derived', formula: '(x/a - x/b) / x/a + 2 * c'}
    expect(metricReferences(def)).toEqual(['x/a', 'x/b', 'sales/c'])
  })

  it('is empty for other types', () => {
    expect(metricReferences({...base, id: 'sales/m', type: 'sum', expression: 'x'})).toEqual([])
  })
})
