// The build compiles each JSON Schema ahead of time (scripts/compile-schemas.js); schemaValidator
// uses that code only while it was compiled from the schema text as it is now. These tests check
// the built validators answer exactly as the schema compiled at run time does, and that a
// validator compiled from other schema text is never used.
import {copyFileSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {Ajv2020} from 'ajv/dist/2020.js'
import {parse} from 'yaml'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {AJV_OPTIONS, compiledValidator, schemaPath, validatorHash} from '../../src/catalog/schema.js'
import {ROOT, tempDir} from '../helpers.js'

const SCHEMAS = readdirSync(path.join(ROOT, 'schemas')).filter((f) => f.endsWith('.json'))
const built = (name: string) => path.join(ROOT, 'dist', 'catalog', 'compiled-schemas', `${name.replace(/\.json$/, '')}.cjs`)

// good and bad documents for each schema: every kind of error describeSchemaErrors reads
const METRICS: unknown[] = [
  ...readdirSync(path.join(ROOT, 'metrics'), {recursive: true})
    .map(String)
    .filter((f) => f.endsWith('.yml') && !f.endsWith('metrics.yml'))
    .map((f) => parse(readFileSync(path.join(ROOT, 'metrics', f), 'utf8'))),
  {name: 'Bad Name', type: 'sums', foo: 1, table_name: 'x', dimensions: [1, {nam: 'x'}, 'region', 'region'], percentile: 3, synonyms: 'one', grain: 7},
  {type: 'ratio', numerator: 5, chart: {type: 'pie'}, filters: [{}], notes: ['a', 2], description: ''},
  {name: 'm', type: 'sum', table: 'orders', time_column: 'at', expression: 'amount', rollups: [{grain: 'hour', by: 'region'}]},
  null,
  [],
  'text',
]
const OTHERS: unknown[] = [
  {}, {index: 5}, {metrics: [{id: 'a/b'}, 3]}, {vocabulary: {arr: 'annual'}}, {vocabulary: {arr: ['annual', 1]}, extra: true},
  {metric_key: 'k', date: '2026-01-01', value: 1}, {metric_key: 1, value: 'x', dimensions: {a: [1]}}, {value: null}, [], null,
]

describe('schema validators compiled at build', () => {
  for (const name of SCHEMAS) {
    it(`${name}: the built validator is current and answers as the schema compiled at run time`, () => {
      const text = readFileSync(schemaPath(name), 'utf8')
      const ahead = compiledValidator(built(name), text)
      expect(ahead, `${built(name)} missing or compiled from other schema text: run npm run build`).toBeDefined()
      const now = new Ajv2020(AJV_OPTIONS).compile(JSON.parse(text))
      let invalid = 0
      for (const doc of [...METRICS, ...OTHERS]) {
        const a = ahead!(doc)
        const b = now(doc)
        expect(a).toBe(b)
        expect(JSON.stringify(ahead!.errors ?? null)).toBe(JSON.stringify(now.errors ?? null))
        if (!b) invalid++
      }
      expect(invalid).toBeGreaterThan(3)
    })
  }
})

describe('a validator compiled from other schema text', () => {
  let dir: string
  let cleanup: () => void
  beforeEach(() => ({dir, cleanup} = tempDir('metricat-schemas-')))
  afterEach(() => cleanup())

  it('is not used: the schema is compiled at run time instead', () => {
    const text = readFileSync(schemaPath('metric.schema.json'), 'utf8')
    // next to the built one, so its requires of ajv's runtime resolve the same way
    const copy = path.join(path.dirname(built('metric.schema.json')), `stale-${path.basename(dir)}.cjs`)
    copyFileSync(built('metric.schema.json'), copy)
    try {
      expect(compiledValidator(copy, text)).toBeDefined()
      const edited = text.replace('"title"', '"$comment": "edited", "title"')
      expect(edited).not.toBe(text)
      expect(compiledValidator(copy, edited)).toBeUndefined()
      expect(compiledValidator(path.join(dir, 'none.cjs'), text)).toBeUndefined()
      // the same schema text compiled by another ajv version, or with other options
      const code = readFileSync(copy, 'utf8')
      expect(code).toContain(`module.exports.schemaHash = ${JSON.stringify(validatorHash(text))};`)
      for (const hash of [validatorHash(text, '0.0.1'), validatorHash(text, undefined, {...AJV_OPTIONS, allErrors: false})]) {
        const other = copy.replace(/\.cjs$/, `-${hash.slice(0, 8)}.cjs`)
        writeFileSync(other, code.replace(/module\.exports\.schemaHash = .*;/, `module.exports.schemaHash = ${JSON.stringify(hash)};`))
        try {
          expect(compiledValidator(other, text)).toBeUndefined()
        } finally {
          rmSync(other, {force: true})
        }
      }
    } finally {
      // the copy sits in dist/: leave nothing behind
      rmSync(copy, {force: true})
    }
  })
})
