import {Readable} from 'node:stream'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {ingestPoints, queryPoints} from '../../src/core/points.js'
import {CatalogError} from '../../src/errors.js'
import {newCatalog, tempDir} from '../helpers.js'

// A JSON "\ud800" escape is no character. Stored, such a dimension value made every later query of
// the metric fail ("Malformed JSON ... no low surrogate"), after an ingest that said it succeeded.
// One catalog for the file: every refused batch must leave it empty, and the last test writes.
let dir: string
let cleanup: () => void
let catalog: Catalog

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  catalog = await newCatalog(dir)
})
afterAll(() => {
  catalog.close()
  cleanup()
})

const good = '{"metricKey": "k", "date": "2025-01-01", "value": 1, "dimensions": {"region": "EU"}}'
const text = (lines: string[]): Readable => Readable.from([lines.join('\n')])

describe('a point holding an unpaired UTF-16 surrogate', () => {
  it.each([
    ['a dimension value', '{"metricKey": "k", "date": "2025-01-02", "value": 2, "dimensions": {"region": "E\\udbffU"}}', '/dimensions/region', 'dimension "region"'],
    ['a dimension name', '{"metricKey": "k", "date": "2025-01-02", "value": 2, "dimensions": {"reg\\ud800": "EU"}}', '/dimensions', 'dimension name'],
    ['the metric key', '{"metricKey": "k\\udc00", "date": "2025-01-02", "value": 2}', '/metricKey', 'metricKey'],
    ['the entity id', '{"metricKey": "k", "date": "2025-01-02", "value": 2, "entityId": "\\ud83d"}', '/entityId', 'entityId'],
  ])('in %s is refused with its line and field, and nothing is ingested', async (_what, bad, pointer, named) => {
    const error = await ingestPoints(catalog, text([good, bad]), {source: 'p.ndjson'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CatalogError)
    const problems = (error as CatalogError).problems
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({line: 2, path: pointer})
    expect(problems[0]!.message).toContain(named)
    expect(problems[0]!.message).toContain('unpaired UTF-16 surrogate')
    expect((error as CatalogError).message).toMatch(/^p\.ndjson:2 /)
    expect(await catalog.db.all('SELECT * FROM metricat.metric_points')).toEqual([])
  })

  it('is accepted as a pair (an emoji written as two escapes), stored and queried', async () => {
    await ingestPoints(catalog, text(['{"metricKey": "k", "date": "2025-01-02", "value": 2, "dimensions": {"region": "\\ud83d\\ude00"}}']))
    const result = await queryPoints(catalog, {key: 'k', by: ['region']})
    expect(result.rows).toEqual([expect.objectContaining({region: '😀', value: 2})])
  })
})
