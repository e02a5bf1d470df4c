import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Catalog} from '../../src/core/catalog.js'
import {listDataSources, listJobs, queryPoints, runPoints} from '../../src/core/points.js'
import {TokenStore} from '../../src/core/tokens.js'
import {type RunningServer, startServer} from '../../src/server/start.js'
import {FIXTURES, emptyDatabase, newCatalog, runCommand, tempDir} from '../helpers.js'

// HIT metrics-core's runner contract (issue 9 part B): its flags, its example point, its three
// output formats and its routes, locally and through a real server.

const HIT_FLAGS = ['--data-source-id', 'ds_x', '--entity-kind', 'project', '--entity-id', 'proj_123', '--connector-key', 'file.steam.sales', '--source-kind', 'file_upload']
const PROGRAM = path.join(FIXTURES, 'points', 'hit-runner.py')
const json = (s: string) => JSON.parse(s) as any

let dir: string
let cleanup: () => void

beforeAll(() => ({dir, cleanup} = tempDir('metricat-hit-')))
afterAll(() => cleanup())

interface Row {
  granularity: string
  date: string
  dimensions: string
  value: number
  entity_kind: string
  entity_id: string
  data_source_id: string
  connector_key: string
  source_kind: string
}

async function rows(catalog: Catalog): Promise<Row[]> {
  return catalog.db.all<Row>(
    `SELECT granularity, strftime("date", '%Y-%m-%dT%H:%M:%S') AS date, dimensions, value, entity_kind, entity_id, data_source_id, connector_key, source_kind FROM mc.metricat.metric_points ORDER BY "date"`,
  )
}

const EXPECTED = [
  {granularity: 'day', date: '2025-12-17T00:00:00', dimensions: '{"country":"US","platform":"steam"}', value: 123.45},
  {granularity: 'day', date: '2025-12-18T00:00:00', dimensions: '{}', value: 100.5},
  {granularity: 'month', date: '2025-12-19T00:00:00', dimensions: '{"country":"US","platform":"steam"}', value: 7},
  {granularity: 'week', date: '2025-12-20T00:00:00', dimensions: '{}', value: 1},
]
const HIT_FIELDS = {entity_kind: 'project', entity_id: 'proj_123', data_source_id: 'ds_x', connector_key: 'file.steam.sales', source_kind: 'file_upload'}

describe('metricat run with HIT flags, locally', () => {
  it('ingests the example point printed as a pretty {"points": [...]} document; arguments after -- reach the program untouched', async () => {
    const format = 'document'
    const db = path.join(dir, `local-${format}.duckdb`)
    await emptyDatabase(dir, path.basename(db))
    const r = await runCommand(['run', '--db', db, '--json', ...HIT_FLAGS, '--', 'python3', PROGRAM, format, '--db', 'y', '--json', '--', 'z'])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('args: ["--db", "y", "--json", "--", "z"]')
    expect(json(r.stdout)).toMatchObject({dataSourceId: 'ds_x', registered: true, ingest: {points: 4, inserted: 4}})
    const catalog = await newCatalog(dir, `local-${format}.duckdb`)
    try {
      expect(await rows(catalog)).toEqual(EXPECTED.map((e) => ({...e, ...HIT_FIELDS})))
      // both spellings of a granularity select the same points
      for (const granularity of ['daily', 'day'] as const) {
        expect((await queryPoints(catalog, {key: 'revenue_usd', granularity, bucket: 'none'})).rows).toEqual([{value: 223.95}])
      }
    } finally {
      catalog.close()
    }
  })
})

describe('runPoints with HIT defaults (in process)', () => {
  it.each(['array', 'ndjson'])('ingests the points printed as %s', async (format) => {
    const catalog = await newCatalog(dir, `core-${format}.duckdb`)
    try {
      const defaults = {dataSourceId: 'ds_x', entityKind: 'project', entityId: 'proj_123', connectorKey: 'file.steam.sales', sourceKind: 'file_upload'}
      const r = await runPoints(catalog, {argv: ['python3', PROGRAM, format], defaults})
      expect(r.ingest).toMatchObject({points: 4, inserted: 4, format: format === 'ndjson' ? 'ndjson' : 'json'})
      expect(await rows(catalog)).toEqual(EXPECTED.map((e) => ({...e, ...HIT_FIELDS})))
    } finally {
      catalog.close()
    }
  })
})

describe('metricat run with HIT flags, through a real server', () => {
  let catalog: Catalog
  let server: RunningServer
  let service: string
  let admin: string
  const env = () => ({HIT_APP_URL: server.url, HIT_SERVICE_TOKEN: service, METRICAT_SERVER: '', METRICAT_TOKEN: ''})

  beforeAll(async () => {
    catalog = await newCatalog(dir, 'served.duckdb')
    const tokens = new TokenStore(catalog.db)
    service = (await tokens.createToken('hit-runner', 'service')).token
    admin = (await tokens.createToken('boss', 'admin')).token
    server = await startServer(catalog, {host: '127.0.0.1', port: 0})
  })
  afterAll(async () => {
    await server.stop()
  })

  it('HIT_APP_URL / HIT_SERVICE_TOKEN send the run to the server, which ingests and records it', async () => {
    const r = await runCommand(['run', '--json', ...HIT_FLAGS, '--', 'python3', PROGRAM, 'document', '--db', 'y'], {env: env()})
    expect(r.stderr).toContain('args: ["--db", "y"]')
    expect(r.code).toBe(0)
    expect(json(r.stdout)).toMatchObject({dataSourceId: 'ds_x', registered: true, ingest: {points: 4, inserted: 4}})
    const [source] = await listDataSources(catalog)
    // a service token registers the source but never its command
    expect(source).toMatchObject({id: 'ds_x', entity_kind: 'project', entity_id: 'proj_123', connector_key: 'file.steam.sales', source_kind: 'file_upload', last_status: 'succeeded', failure_count: 0, command: null})
    expect(source!.last_run_at).not.toBeNull()
    const [job] = await listJobs(catalog, 1)
    expect(job).toMatchObject({kind: 'run', status: 'completed', data_source_id: 'ds_x', points_read: 4, rows_inserted: 4})
    expect(await rows(catalog)).toEqual(EXPECTED.map((e) => ({...e, ...HIT_FIELDS})))
  })

  it('a failed run is recorded on the server too: a failed run job, failure_count and last_error', async () => {
    const r = await runCommand(['run', ...HIT_FLAGS, '--', 'python3', PROGRAM, 'fail'], {env: env()})
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/exited with code 3; nothing was ingested/)
    const [source] = await listDataSources(catalog)
    expect(source).toMatchObject({id: 'ds_x', last_status: 'failed', failure_count: 1, last_error: 'exited with code 3'})
    const [job] = await listJobs(catalog, 1)
    expect(job).toMatchObject({kind: 'run', status: 'failed', data_source_id: 'ds_x', exit_code: 3, error: 'exited with code 3'})
    const [{n}] = await catalog.db.all<{n: number}>('SELECT count(*)::INTEGER AS n FROM mc.metricat.metric_points')
    expect(n).toBe(4)
  })

  it("HIT's routes and header answer: definitions, data-sources, query", async () => {
    const hit = (method: string, p: string, body?: unknown, token = service) =>
      fetch(`${server.url}${p}`, {method, headers: {'x-hit-service-token': token, 'content-type': 'application/json'}, body: body === undefined ? undefined : JSON.stringify(body)})
    expect((await hit('GET', '/api/metrics/definitions', undefined, admin)).status).toBe(200)
    const sources = await (await hit('GET', '/api/metrics/data-sources', undefined, admin)).json()
    expect(sources.data_sources.map((s: {id: string}) => s.id)).toEqual(['ds_x'])
    const created = await hit('POST', '/api/metrics/data-sources', {id: 'ds_y', connector_key: 'file.x'})
    expect(created.status).toBe(201)
    const q = await (await hit('POST', '/api/metrics/query', {key: 'revenue_usd', bucket: 'none', granularity: 'daily'}, admin)).json()
    expect(q.rows).toEqual([{value: 223.95}])
    expect((await hit('GET', '/api/metrics/definitions', undefined, 'not-a-token')).status).toBe(401)
  })

  it('sources remove works through the server (admin token)', async () => {
    const denied = await runCommand(['sources', 'remove', 'ds_y', '--server', server.url], {env: {METRICAT_TOKEN: service}})
    expect(denied.code).toBe(1)
    expect(denied.stderr).toMatch(/role service/)
    const r = await runCommand(['sources', 'remove', 'ds_y', '--server', server.url, '--json'], {env: {METRICAT_TOKEN: admin}})
    expect(r.code).toBe(0)
    expect(json(r.stdout)).toEqual({id: 'ds_y', removed: true, pointsDeleted: 0})
    expect((await listDataSources(catalog)).map((s) => s.id)).toEqual(['ds_x'])
  })
})
