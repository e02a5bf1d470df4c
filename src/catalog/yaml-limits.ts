import {isMap, isPair, isScalar, isSeq, type Document, type Node} from 'yaml'

import {hasUnpairedSurrogate, UNPAIRED_SURROGATE_TEXT} from '../errors.js'

/**
 * Limits on one metric YAML document (a file, or a document sent to the admin import route),
 * so a hostile or broken file costs a bounded, linear amount of work. A metric is some 20-60
 * YAML nodes and a few kB; a folder of a thousand metrics is far below both limits per file.
 * Change them with METRICAT_YAML_MAX_BYTES and METRICAT_YAML_MAX_NODES.
 */
export const YAML_LIMITS = {
  /** largest document, in bytes of UTF-8 */
  maxBytes: 1024 * 1024,
  /** most YAML nodes (mappings, sequences, scalars, keys) in one document */
  maxNodes: 50_000,
}

/** Problems reported per document at most; the rest are counted in one last line. */
export const MAX_PROBLEMS_PER_DOCUMENT = 50

export function yamlLimits(): {maxBytes: number; maxNodes: number} {
  const env = (name: string, fallback: number) => {
    const v = Number(process.env[name])
    return Number.isInteger(v) && v > 0 ? v : fallback
  }
  return {maxBytes: env('METRICAT_YAML_MAX_BYTES', YAML_LIMITS.maxBytes), maxNodes: env('METRICAT_YAML_MAX_NODES', YAML_LIMITS.maxNodes)}
}

/** Why `text` is too large to parse, or undefined. */
export function sizeProblem(text: string): string | undefined {
  const {maxBytes} = yamlLimits()
  // a string's UTF-8 size is at most 3 bytes per UTF-16 unit; count exactly only near the limit
  if (text.length * 3 <= maxBytes) return undefined
  const bytes = Buffer.byteLength(text, 'utf8')
  return bytes > maxBytes ? `the document is ${bytes} bytes; at most ${maxBytes} (METRICAT_YAML_MAX_BYTES)` : undefined
}

export interface TreeProblem {
  offset: number
  message: string
}

/**
 * One linear walk over a parsed document: too many nodes, or a key repeated in one mapping (the
 * YAML library's own duplicate-key check compares every key with every earlier one, which is
 * quadratic: 40,000 keys took 13 s), or a string holding an unpaired UTF-16 surrogate (a "\ud800"
 * escape: no character; the catalog stores text as UTF-8, which would hold U+FFFD instead, and
 * the stored definition would then differ from its content hash and history). Stops at the first
 * node past the limit.
 */
export function checkTree(doc: Document): TreeProblem[] {
  const {maxNodes} = yamlLimits()
  const problems: TreeProblem[] = []
  let nodes = 0
  const stack: unknown[] = [doc.contents]
  while (stack.length > 0) {
    const node = stack.pop()
    if (node === null || node === undefined) continue
    if (++nodes > maxNodes) {
      return [{offset: (node as Node).range?.[0] ?? 0, message: `the document has more than ${maxNodes} YAML nodes (METRICAT_YAML_MAX_NODES)`}]
    }
    if (isMap(node)) {
      const seen = new Set<unknown>()
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined
        if (key !== undefined) {
          if (seen.has(key)) problems.push({offset: (pair.key as Node).range?.[0] ?? 0, message: 'YAML syntax error: Map keys must be unique'})
          seen.add(key)
        }
        stack.push(pair.key, pair.value)
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item)
    } else if (isPair(node)) {
      stack.push(node.key, node.value)
    } else if (isScalar(node) && typeof node.value === 'string' && hasUnpairedSurrogate(node.value)) {
      problems.push({offset: node.range?.[0] ?? 0, message: `the text ${UNPAIRED_SURROGATE_TEXT}`})
    }
  }
  return problems
}
