import {describe, expect, it} from 'vitest'

import {detectFormat, readPointItems, type ReadSummary} from '../../src/points/read-points.js'

interface Item {
  text: string
  line: number
  index: number
}

async function read(chunks: (string | Uint8Array)[]): Promise<{items: Item[]; summary: ReadSummary}> {
  const items: Item[] = []
  const summary = await readPointItems(
    (async function* () {
      yield* chunks
    })(),
    (text, line, index) => items.push({text, line, index}),
  )
  return {items, summary}
}

/** The same text cut into single characters: every state must survive a chunk boundary. */
function charByChar(text: string): string[] {
  return [...text]
}

const DOC = `{
  "points": [
    {"metricKey": "a", "date": "2026-01-01", "value": 1},
    {"metricKey": "b", "date": "2026-01-02", "value": 2,
     "dimensions": {"note": "has ] and } and \\" and , inside"}},

    {"metricKey": "c", "date": "2026-01-03", "value": 3}
  ]
}
`

describe('readPointItems', () => {
  it('splits NDJSON into lines with 1-based line numbers, skipping blank lines and CRs', async () => {
    const {items, summary} = await read(['{"a":1}\r\n\n  \n{"b":2}\n{"c":', '3}'])
    expect(summary).toMatchObject({format: 'ndjson', items: 3})
    expect(items).toEqual([
      {text: '{"a":1}', line: 1, index: 0},
      {text: '{"b":2}', line: 4, index: 1},
      {text: '{"c":3}', line: 5, index: 2},
    ])
  })

  it('reads the items of a {"points": [...]} document with the line each starts on', async () => {
    const {items, summary} = await read([DOC])
    expect(summary).toMatchObject({format: 'json', items: 3})
    expect(summary.fatal).toBeUndefined()
    expect(items.map((i) => [i.line, i.index])).toEqual([
      [3, 0],
      [4, 1],
      [7, 2],
    ])
    expect(JSON.parse(items[1]!.text).dimensions.note).toBe('has ] and } and " and , inside')
  })

  it('gives the same items when the document arrives one character at a time', async () => {
    const whole = await read([DOC])
    const split = await read(charByChar(DOC))
    expect(split.items).toEqual(whole.items)
    expect(split.summary.fatal).toBeUndefined()
  })

  it('gives the same NDJSON lines when the input arrives one character at a time', async () => {
    const text = '{"a":1}\n{"b":"x\\ny"}\n\n{"c":3}'
    expect((await read(charByChar(text))).items).toEqual((await read([text])).items)
  })

  it('decodes UTF-8 split across byte chunks', async () => {
    const bytes = Buffer.from('{"metricKey":"ünï"}\n')
    const {items} = await read([bytes.subarray(0, 15), bytes.subarray(15)])
    expect(items[0]!.text).toBe('{"metricKey":"ünï"}')
  })

  it('reads a bare array and a one-line document', async () => {
    expect((await read(['[{"a":1},{"b":2}]'])).items.map((i) => i.text)).toEqual(['{"a":1}', '{"b":2}'])
    const one = await read(['{"points":[{"a":1}, {"b":2}]}'])
    expect(one.summary.format).toBe('json')
    expect(one.items.map((i) => [i.text, i.line])).toEqual([
      ['{"a":1}', 1],
      ['{"b":2}', 1],
    ])
  })

  it('hands over scalar items as they are, so the point check can reject them', async () => {
    expect((await read(['{"points": [1, "x", null]}'])).items.map((i) => i.text)).toEqual(['1', '"x"', 'null'])
  })

  it('reads an empty points array and empty input as no items', async () => {
    expect((await read(['{"points": []}'])).summary).toMatchObject({items: 0, format: 'json'})
    expect((await read([''])).summary).toMatchObject({items: 0, format: 'ndjson'})
  })

  it.each([
    ['{"points": [{"a":1}], "source": "x"}', /unknown top-level field "source"/],
    ['{"points": [{"a":1}', /not closed/],
    ['{"points": [{"a":1},]}', /trailing comma/],
    ['{"points": [{"a":1} {"b":2}]}', /expected , or ]/],
    ['{"points": [{"a":1}]} extra', /expected the end of the input/],
    ['{"points": {"a":1}}', /expected an array/],
    ['{}', /no "points" array/],
  ])('reports a malformed document %s as a structure error with its line', async (text, message) => {
    const {summary} = await read([text])
    expect(summary.fatal?.message).toMatch(message)
    expect(summary.fatal?.line).toBe(1)
  })

  it('keeps reading (and discarding) the input after a structure error', async () => {
    let pulled = 0
    const input = (async function* () {
      yield '{"bad": 1}\n'
      for (let i = 0; i < 5; i++) {
        pulled++
        yield '{"x": 1}\n'
      }
    })()
    const summary = await readPointItems(input, () => undefined)
    // NDJSON: {"bad": 1} is an item (the point check rejects it), not a structure error
    expect(summary.format).toBe('ndjson')
    expect(pulled).toBe(5)
    const doc = (async function* () {
      yield '{"points": [], "other": 1}'
      for (let i = 0; i < 3; i++) {
        pulled++
        yield ' '
      }
    })()
    const s2 = await readPointItems(doc, () => undefined)
    expect(s2.fatal?.message).toMatch(/unknown top-level field "other"/)
    expect(pulled).toBe(8)
  })
})

describe('detectFormat', () => {
  it.each([
    ['{"metricKey": "a"}', 'ndjson'],
    ['{"points": [', 'json'],
    ['  \n{\n  "points": [', 'json'],
    ['[{"metricKey": "a"}]', 'json'],
    ['\uFEFF{"points": []}', 'json'],
    ['not json', 'ndjson'],
  ])('%j is %s', (head, format) => {
    expect(detectFormat(head, true)).toBe(format)
  })

  it('waits for more input when the first key could still be "points"', () => {
    expect(detectFormat('{"poi', false)).toBeUndefined()
    expect(detectFormat('{', false)).toBeUndefined()
    expect(detectFormat('{"met', false)).toBe('ndjson')
  })
})
