import {describe, expect, it} from 'vitest'
import {quoteIdent, quoteQualified} from '../../src/query/quote.js'

describe('quoteIdent', () => {
  it('wraps a name in double quotes', () => {
    expect(quoteIdent('region')).toBe('"region"')
  })

  it('doubles embedded double quotes', () => {
    expect(quoteIdent('a"b')).toBe('"a""b"')
    expect(quoteIdent('" OR 1=1 --')).toBe('""" OR 1=1 --"')
  })

  it('keeps single quotes, newlines and unicode inside the quotes', () => {
    expect(quoteIdent("'; drop table x --")).toBe(`"'; drop table x --"`)
    expect(quoteIdent('x\ny')).toBe('"x\ny"')
    expect(quoteIdent('é😀')).toBe('"é😀"')
  })

  it('refuses an empty name and NUL characters', () => {
    expect(() => quoteIdent('')).toThrow(/empty/)
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/)
  })
})

describe('quoteQualified', () => {
  it('quotes each dot-separated part', () => {
    expect(quoteQualified('orders')).toBe('"orders"')
    expect(quoteQualified('main.orders')).toBe('"main"."orders"')
    expect(quoteQualified('wh.main.orders')).toBe('"wh"."main"."orders"')
  })

  it('doubles quotes inside each part', () => {
    expect(quoteQualified('s"x.t')).toBe('"s""x"."t"')
  })
})
