import type {MetricDefinition} from '../catalog/types.js'
import {CatalogError} from '../errors.js'

/** Arithmetic over metric ids, as parsed from a derived metric's `formula`. */
export type FormulaNode =
  | {kind: 'metric'; id: string}
  | {kind: 'number'; value: number}
  | {kind: 'negate'; operand: FormulaNode}
  | {kind: 'binary'; op: '+' | '-' | '*' | '/'; left: FormulaNode; right: FormulaNode}

type Token =
  | {type: 'id'; text: string; pos: number}
  | {type: 'number'; value: number; text: string; pos: number}
  | {type: 'op'; text: '+' | '-' | '*' | '/' | '(' | ')'; pos: number}
  | {type: 'end'; pos: number}

const NUMBER_RE = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y
const ID_RE = /[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z0-9_]+)?/y
const ID_CHAR = /[A-Za-z0-9_]/

function formulaError(metric: string, formula: string, pos: number, why: string): CatalogError {
  return new CatalogError(
    'VALIDATION',
    `bad formula for ${metric} at column ${pos + 1}: ${why}; a formula is metric ids (category/name), ` +
      `numbers, + - * / and parentheses, with spaces around / when dividing (e.g. "sales/revenue / sales/orders")`,
    {metric, formula, column: pos + 1},
  )
}

function tokenize(metric: string, formula: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < formula.length) {
    const c = formula[i] as string
    if (/\s/.test(c)) {
      i++
      continue
    }
    if ('+-*/()'.includes(c)) {
      if (c === '/' && (ID_CHAR.test(formula[i - 1] ?? '') || ID_CHAR.test(formula[i + 1] ?? ''))) {
        throw formulaError(metric, formula, i, 'put spaces around "/" to divide (without them it reads as part of a metric id)')
      }
      tokens.push({type: 'op', text: c as '+', pos: i})
      i++
      continue
    }
    NUMBER_RE.lastIndex = i
    const num = /[0-9.]/.test(c) ? NUMBER_RE.exec(formula) : null
    if (num) {
      const end = i + num[0].length
      if (ID_CHAR.test(formula[end] ?? '') || formula[end] === '.') {
        throw formulaError(metric, formula, i, `bad number "${formula.slice(i, end + 1)}"`)
      }
      const value = Number(num[0])
      if (!Number.isFinite(value)) throw formulaError(metric, formula, i, `number out of range "${num[0]}"`)
      tokens.push({type: 'number', value, text: num[0], pos: i})
      i = end
      continue
    }
    ID_RE.lastIndex = i
    const id = ID_RE.exec(formula)
    if (id) {
      const end = i + id[0].length
      if (formula[end] === '/') {
        throw formulaError(metric, formula, end, 'a metric id has one "/" (category/name); put spaces around "/" to divide')
      }
      tokens.push({type: 'id', text: id[0], pos: i})
      i = end
      continue
    }
    throw formulaError(metric, formula, i, `unexpected character ${JSON.stringify(c)}`)
  }
  tokens.push({type: 'end', pos: formula.length})
  return tokens
}

/** The category a relative id (a bare name) resolves in: the metric's own. */
function categoryOf(def: Pick<MetricDefinition, 'id' | 'category'>): string {
  if (def.category) return def.category
  const slash = def.id.indexOf('/')
  return slash > 0 ? def.id.slice(0, slash) : ''
}

/** A reference as written (`cat/name` or a bare `name` in the same category) to a full metric id. */
export function resolveMetricRef(ref: string, from: Pick<MetricDefinition, 'id' | 'category'>): string {
  return ref.includes('/') ? ref : `${categoryOf(from)}/${ref}`
}

/**
 * Parse a derived metric's formula. Grammar:
 *
 *     expr    := term (("+" | "-") term)*
 *     term    := factor (("*" | "/") factor)*
 *     factor  := ("-" | "+") factor | NUMBER | METRIC_ID | "(" expr ")"
 *     METRIC_ID := [A-Za-z_][A-Za-z0-9_]* ("/" [A-Za-z0-9_]+)?   -- no spaces inside
 *     NUMBER  := digits with an optional fraction and exponent
 *
 * A bare name (no "/") means a metric in the same category. Throws VALIDATION on bad syntax.
 */
export function parseFormula(def: Pick<MetricDefinition, 'id' | 'category'>, formula: string): FormulaNode {
  const tokens = tokenize(def.id, formula)
  let k = 0
  const peek = (): Token => tokens[k] as Token
  const isOp = (t: Token, text: string): boolean => t.type === 'op' && t.text === text
  const describe = (t: Token): string => (t.type === 'end' ? 'end of formula' : JSON.stringify(t.text))

  const parseExpr = (depth: number): FormulaNode => {
    let left = parseTerm(depth)
    while (isOp(peek(), '+') || isOp(peek(), '-')) {
      const op = (tokens[k++] as {text: '+' | '-'}).text
      left = {kind: 'binary', op, left, right: parseTerm(depth)}
    }
    return left
  }
  const parseTerm = (depth: number): FormulaNode => {
    let left = parseFactor(depth)
    while (isOp(peek(), '*') || isOp(peek(), '/')) {
      const op = (tokens[k++] as {text: '*' | '/'}).text
      left = {kind: 'binary', op, left, right: parseFactor(depth)}
    }
    return left
  }
  const parseFactor = (depth: number): FormulaNode => {
    const t = peek()
    if (depth > 64) throw formulaError(def.id, formula, t.pos, 'nested too deeply')
    if (isOp(t, '-') || isOp(t, '+')) {
      k++
      const operand = parseFactor(depth + 1)
      return isOp(t, '-') ? {kind: 'negate', operand} : operand
    }
    if (t.type === 'number') {
      k++
      return {kind: 'number', value: t.value}
    }
    if (t.type === 'id') {
      k++
      return {kind: 'metric', id: resolveMetricRef(t.text, def)}
    }
    if (isOp(t, '(')) {
      k++
      const inner = parseExpr(depth + 1)
      const close = peek()
      if (!isOp(close, ')')) throw formulaError(def.id, formula, close.pos, `expected ")" but found ${describe(close)}`)
      k++
      return inner
    }
    throw formulaError(def.id, formula, t.pos, `expected a metric id, a number or "(" but found ${describe(t)}`)
  }

  const tree = parseExpr(0)
  const rest = peek()
  if (rest.type !== 'end') throw formulaError(def.id, formula, rest.pos, `unexpected ${describe(rest)}`)
  return tree
}

/** Metric ids in a formula tree, first occurrence first. */
export function formulaMetrics(node: FormulaNode, out: string[] = []): string[] {
  switch (node.kind) {
    case 'metric':
      if (!out.includes(node.id)) out.push(node.id)
      break
    case 'negate':
      formulaMetrics(node.operand, out)
      break
    case 'binary':
      formulaMetrics(node.left, out)
      formulaMetrics(node.right, out)
      break
    case 'number':
      break
  }
  return out
}

/**
 * The metric ids a ratio or derived definition depends on directly (numerator and denominator,
 * or the ids in `formula`, first occurrence first); `[]` for other types. Throws VALIDATION when
 * a derived metric's formula does not parse.
 */
export function metricReferences(def: MetricDefinition): string[] {
  if (def.type === 'ratio') {
    const refs = [def.numerator, def.denominator].filter((r): r is string => typeof r === 'string' && r !== '')
    return [...new Set(refs.map((r) => resolveMetricRef(r, def)))]
  }
  if (def.type === 'derived' && typeof def.formula === 'string') return formulaMetrics(parseFormula(def, def.formula))
  return []
}
