import {CatalogError} from '../errors.js'
import {FILTER_OPS, type Filter, type FilterOp} from './types.js'

const SYMBOLIC_RE = /^([^\s=!<>]+)\s*(!=|>=|<=|=|>|<)\s*(.*)$/s
// the value after a space, or (a list in parentheses) right after the operator: `in('web')`
const WORD_RE = /^(\S+)\s+(not_in|not\s+in|in|contains|is_null|not_null|is\s+not\s+null|is\s+null)(?:\s+(.*)|(\(.*))?$/is
const NUMERIC_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

const WORD_OPS: Record<string, FilterOp> = {
  in: 'in',
  not_in: 'not_in',
  'not in': 'not_in',
  contains: 'contains',
  is_null: 'is_null',
  'is null': 'is_null',
  not_null: 'not_null',
  'is not null': 'not_null',
}

function syntaxError(text: string, why: string): CatalogError {
  return new CatalogError(
    'BAD_REQUEST',
    `bad filter ${JSON.stringify(text)}: ${why}; expected DIMENSION OP VALUE with OP one of ` +
      `${FILTER_OPS.join(' ')} (e.g. region=EU, amount>=10, channel in web,partner, region is not null)`,
    {filter: text},
  )
}

/**
 * Strip one pair of matching outer quotes, so `region='EU'` and `region=EU` mean the same. Inside
 * them a quote written twice is one quote, as in SQL (`'O''Brien'` is O'Brien), when every quote
 * inside is so doubled; otherwise the inside is kept as written (`'a'b'` is a'b).
 */
function unquote(raw: string): string {
  const s = raw.trim()
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s.at(-1) === s[0]) {
    const q = s[0]
    const inner = s.slice(1, -1)
    return inner.replaceAll(q + q, '').includes(q) ? inner : inner.replaceAll(q + q, q)
  }
  return s
}

/**
 * The items of an `in`/`not_in` list: split on commas outside quotes, each unquoted. The list may
 * be written as in SQL, in one pair of parentheses (`in (web, partner)`); parentheses that do not
 * enclose the whole list, or sit inside quotes, belong to the values.
 */
function listItems(text: string, list: string): string[] {
  const parenthesized = list.startsWith('(')
  const body = parenthesized ? list.slice(1) : list
  const raw: string[] = []
  let quote = ''
  // the current item was quoted and its quote has closed: only spaces may follow before the comma
  let closed = false
  let start = 0
  let parens = 0
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!
    if (quote) {
      // a quote written twice inside quotes is one quote (SQL): the item goes on
      if (c === quote && body[i + 1] === quote) i++
      else if (c === quote) {
        quote = ''
        closed = true
      }
    } else if (c === ',') {
      raw.push(body.slice(start, i))
      start = i + 1
      closed = false
    } else if (closed) {
      const last = parenthesized && c === ')' && i === body.length - 1
      if (last) parens++
      else if (c.trim() !== '') throw syntaxError(text, `${JSON.stringify(body.slice(start, i).trim())} has ${JSON.stringify(c)} after the closing quote; items are separated by commas`)
    } else if ((c === '"' || c === "'") && body.slice(start, i).trim() === '') {
      quote = c
    } else if (c === '(' || c === ')') {
      parens++
    }
  }
  if (quote) throw syntaxError(text, `unterminated ${quote} in the list`)
  raw.push(body.slice(start))
  if (parenthesized) {
    // one ( at the start, one ) at the end, and no other parentheses outside quotes
    if (parens !== 1 || !body.endsWith(')')) throw syntaxError(text, 'a list in parentheses has one ( at its start and one ) at its end, e.g. in (web, partner)')
    raw[raw.length - 1] = raw.at(-1)!.slice(0, -1)
  }
  return raw.map(unquote)
}

/**
 * Parse one CLI `--where` filter into a structured {@link Filter}.
 *
 * Values stay strings (DuckDB casts a string parameter to the column's type), except for
 * `> >= < <=`, where a numeric-looking value becomes a number so that comparisons are numeric.
 * `in`/`not_in` split on commas outside quotes, optionally in parentheses (`in (web, partner)`).
 * One pair of outer quotes around a value is removed; inside them a doubled quote is one (SQL).
 * The dimension is not checked here; the compiler rejects undeclared dimensions.
 */
export function parseWhere(text: string): Filter {
  if (typeof text !== 'string') throw syntaxError(String(text), 'not a string')
  const input = text.trim()
  if (input === '') throw syntaxError(text, 'empty filter')

  const sym = SYMBOLIC_RE.exec(input)
  if (sym) {
    const dimension = sym[1] as string
    const op = sym[2] as FilterOp
    const rawValue = (sym[3] as string).trim()
    if (rawValue === '') throw syntaxError(text, `missing value after ${op}`)
    const value = unquote(rawValue)
    const ordered = op === '>' || op === '>=' || op === '<' || op === '<='
    return {dimension, op, value: ordered && NUMERIC_RE.test(value) ? Number(value) : value}
  }

  const word = WORD_RE.exec(input)
  if (word) {
    const dimension = word[1] as string
    const op = WORD_OPS[(word[2] as string).toLowerCase().replace(/\s+/g, ' ')]
    if (op === undefined) throw syntaxError(text, 'unknown operator')
    if (word[4] !== undefined && op !== 'in' && op !== 'not_in') throw syntaxError(text, `a space after ${op}`)
    const rest = (word[3] ?? word[4])?.trim() ?? ''
    if (op === 'is_null' || op === 'not_null') {
      if (rest !== '') throw syntaxError(text, `${op} takes no value`)
      return {dimension, op}
    }
    if (rest === '') throw syntaxError(text, `missing value after ${op}`)
    if (op === 'contains') return {dimension, op, value: unquote(rest)}
    const items = listItems(text, rest)
    if (items.some((v) => v === '')) throw syntaxError(text, `empty item in the ${op} list`)
    return {dimension, op, value: items}
  }

  throw syntaxError(text, 'no operator found')
}
