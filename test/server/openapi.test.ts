// GET /api/openapi.json must be a valid OpenAPI 3.1 document whose every $ref resolves, so
// generators and linters can use it as it is.
import SwaggerParser from '@apidevtools/swagger-parser'
import {describe, expect, it} from 'vitest'

import {openApiDocument} from '../../src/server/openapi.js'

/** Every `$ref` in the document, with where it is. */
function refs(node: unknown, at = '#'): {at: string; ref: string}[] {
  if (Array.isArray(node)) return node.flatMap((v, i) => refs(v, `${at}/${i}`))
  if (!node || typeof node !== 'object') return []
  return Object.entries(node).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [{at, ref: v}] : refs(v, `${at}/${k}`)))
}

function pointer(doc: unknown, ref: string): unknown {
  let node = doc
  for (const raw of ref.replace(/^#\//, '').split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~')
    if (!node || typeof node !== 'object' || !(key in node)) return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

describe('GET /api/openapi.json', () => {
  it('has only local $refs, and each one points at something in the document', () => {
    const doc = structuredClone(openApiDocument())
    const all = refs(doc)
    expect(all.length).toBeGreaterThan(10)
    expect(all.filter(({ref}) => !ref.startsWith('#/') || pointer(doc, ref) === undefined)).toEqual([])
  })

  it('passes an OpenAPI 3.1 validator (@apidevtools/swagger-parser)', async () => {
    // the validator dereferences in place: give it a copy
    const api = await SwaggerParser.validate(structuredClone(openApiDocument()) as never)
    expect(api.info.title).toBe('metricat')
  })
})
