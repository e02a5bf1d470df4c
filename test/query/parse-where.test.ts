import {describe, expect, it} from 'vitest'
import {CatalogError} from '../../src/errors.js'
import {parseWhere} from '../../src/query/parse-where.js'

describe('parseWhere', () => {
  it.each([
    ['region=EU', {dimension: 'region', op: '=', value: 'EU'}],
    ['region = EU', {dimension: 'region', op: '=', value: 'EU'}],
    ['region!=EU', {dimension: 'region', op: '!=', value: 'EU'}],
    ['amount>=10', {dimension: 'amount', op: '>=', value: 10}],
    ['amount>10.5', {dimension: 'amount', op: '>', value: 10.5}],
    ['amount<5', {dimension: 'amount', op: '<', value: 5}],
    ['amount<=-2e3', {dimension: 'amount', op: '<=', value: -2000}],
    ['day>=2024-01-01', {dimension: 'day', op: '>=', value: '2024-01-01'}],
    ['code=10', {dimension: 'code', op: '=', value: '10'}],
    ['channel in web,partner', {dimension: 'channel', op: 'in', value: ['web', 'partner']}],
    ['channel in web, partner', {dimension: 'channel', op: 'in', value: ['web', 'partner']}],
    ['channel IN web', {dimension: 'channel', op: 'in', value: ['web']}],
    ['channel not_in web,partner', {dimension: 'channel', op: 'not_in', value: ['web', 'partner']}],
    ['channel not in web', {dimension: 'channel', op: 'not_in', value: ['web']}],
    ['name contains foo', {dimension: 'name', op: 'contains', value: 'foo'}],
    ['name contains foo bar', {dimension: 'name', op: 'contains', value: 'foo bar'}],
    ['region is null', {dimension: 'region', op: 'is_null'}],
    ['region is_null', {dimension: 'region', op: 'is_null'}],
    ['region is not null', {dimension: 'region', op: 'not_null'}],
    ['region not_null', {dimension: 'region', op: 'not_null'}],
    ["region='EU'", {dimension: 'region', op: '=', value: 'EU'}],
    ['region="a b"', {dimension: 'region', op: '=', value: 'a b'}],
    ['note=a=b', {dimension: 'note', op: '=', value: 'a=b'}],
    // an IN list may be written as in SQL: in parentheses, items quoted
    ['channel in (web,partner)', {dimension: 'channel', op: 'in', value: ['web', 'partner']}],
    ['channel in ( web , partner )', {dimension: 'channel', op: 'in', value: ['web', 'partner']}],
    ["channel not in ('web', 'partner')", {dimension: 'channel', op: 'not_in', value: ['web', 'partner']}],
    ['channel IN (web)', {dimension: 'channel', op: 'in', value: ['web']}],
    ["channel in('web','app')", {dimension: 'channel', op: 'in', value: ['web', 'app']}],
    ['channel not in(web)', {dimension: 'channel', op: 'not_in', value: ['web']}],
    // a quoted item keeps its commas and parentheses
    ["label in 'a, b',c", {dimension: 'label', op: 'in', value: ['a, b', 'c']}],
    ["label in ('(none)', \"x,y\")", {dimension: 'label', op: 'in', value: ['(none)', 'x,y']}],
    // parentheses that do not enclose the whole list are part of the values
    ['label in a(1),b', {dimension: 'label', op: 'in', value: ['a(1)', 'b']}],
  ])('parses %j', (text, expected) => {
    expect(parseWhere(text)).toEqual(expected)
  })

  it('keeps hostile values as plain strings', () => {
    expect(parseWhere(`region='; drop table x --`)).toEqual({dimension: 'region', op: '=', value: "'; drop table x --"})
    expect(parseWhere('region=" OR 1=1 --')).toEqual({dimension: 'region', op: '=', value: '" OR 1=1 --'})
  })

  it.each(['region', 'region EU', '', '   ', 'region=', 'channel in', 'channel in a,,b', 'channel in ()', 'name contains(foo)', 'region is null(x)', 'channel in (a,,b)', "label in 'a,b", 'channel in (a),(b)', 'region is null x', '=EU', 'region ~ EU'])(
    'rejects %j with BAD_REQUEST naming the operators',
    (text) => {
      let error: unknown
      try {
        parseWhere(text)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(CatalogError)
      expect((error as CatalogError).code).toBe('BAD_REQUEST')
      expect((error as CatalogError).message).toContain('= != > >= < <= in not_in contains is_null not_null')
      expect((error as CatalogError).message).not.toContain('\n')
    },
  )
})
