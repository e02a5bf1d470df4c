// `--where` lists may be written as in SQL (`channel in ('web', 'partner')`). In SQL a quote inside
// a quoted text is written twice ('O''Brien'); read any other way the filter asks for a value no
// row holds and the query answers 0 rows with exit 0. Text after an item's closing quote (a
// missing comma) is refused, not glued into one value.
import {describe, expect, it} from 'vitest'

import {CatalogError} from '../../src/errors.js'
import {parseWhere} from '../../src/query/parse-where.js'

describe('parseWhere: quotes as in SQL', () => {
  it.each([
    ["name in ('O''Brien', 'Smith')", {dimension: 'name', op: 'in', value: ["O'Brien", 'Smith']}],
    ["name not in ('it''s')", {dimension: 'name', op: 'not_in', value: ["it's"]}],
    ['name in ("say ""hi""", x)', {dimension: 'name', op: 'in', value: ['say "hi"', 'x']}],
    ["name in 'O''Brien',Smith", {dimension: 'name', op: 'in', value: ["O'Brien", 'Smith']}],
    // a quote inside a quoted item that is not doubled, and quotes not at an item's start, stay as written
    ["name in O'Brien,Smith", {dimension: 'name', op: 'in', value: ["O'Brien", 'Smith']}],
    ["name='O''Brien'", {dimension: 'name', op: '=', value: "O'Brien"}],
    ['name="say ""hi"""', {dimension: 'name', op: '=', value: 'say "hi"'}],
    ["name contains 'O''B'", {dimension: 'name', op: 'contains', value: "O'B"}],
    // one pair of outer quotes is still removed from a value that is not SQL text (as before)
    ["name='a'b'", {dimension: 'name', op: '=', value: "a'b"}],
  ])('parses %j', (text, expected) => {
    expect(parseWhere(text)).toEqual(expected)
  })

  it.each(["name in ('a' 'b')", "name in ('a'b, c)", "name in 'a' x,b"])('refuses %j (text after a closing quote)', (text) => {
    let error: unknown
    try {
      parseWhere(text)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(CatalogError)
    expect((error as CatalogError).code).toBe('BAD_REQUEST')
    expect((error as CatalogError).message).toMatch(/after the closing quote/)
  })
})
