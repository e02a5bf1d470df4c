import {writeFileSync} from 'node:fs'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {addDataSource, ingestPoints, queryPoints, removeDataSource, runPoints, type PointsQuery} from '../../src/core/points.js'
import {CatalogError} from '../../src/errors.js'
import {ClickHousePoints} from '../../src/points/clickhouse.js'
import {type ClickHouseCluster, clickhouseAvailable} from '../clickhouse/cluster.js'
import {sharedCluster} from '../clickhouse/shared-cluster.js'
import {newCatalog, runCommand, tempDir} from '../helpers.js'
import {batched} from '../pooled.js'

// The same points into the file and into ClickHouse (`--points clickhouse://...`): every ingest
// reports the same counts and every points query returns the same rows (floating-point sums may
// differ in the last bits: ClickHouse adds in another order; compared to 1e-9 relative).

const skip = clickhouseAvailable()
if (skip) console.warn(skip)

const PLATFORMS = ['web', 'ios', 'android']
const REGIONS = ['EU', 'NA', 'APAC']

/** Deterministic points over 2025-2026 with awkward doubles, sub-second dates, missing and numeric dimensions. */
function points(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (let i = 0; i < 1500; i++) {
    const day = (i * 37) % 600
    const ms = Date.UTC(2025, 0, 1) + day * 86_400_000 + ((i * 7919) % 86_400) * 1000 + (i % 3 === 0 ? 123 : 0)
    const dimensions: Record<string, unknown> = {region: REGIONS[i % 3]}
    if (i % 5 !== 0) dimensions.platform = PLATFORMS[i % 3 === 0 ? 1 : i % 2]
    if (i % 4 === 0) dimensions.tier = (i % 12) + 1
    out.push({metricKey: 'signups', date: new Date(ms).toISOString(), value: (i % 17) * 0.1 + i / 7, dimensions, granularity: 'day'})
  }
  for (let i = 0; i < 200; i++) {
    out.push({metricKey: 'latency', date: new Date(Date.UTC(2026, 2, 1, 0, i * 7)).toISOString(), value: ((i * 31) % 97) + 0.25, dimensions: {host: `h${i % 4}`}, entityKind: 'svc', entityId: String(i % 2)})
  }
  return out
}

const QUERIES: PointsQuery[] = []
for (const bucket of ['day', 'week', 'month', 'quarter', 'year', 'none'] as const) {
  for (const agg of ['sum', 'avg', 'min', 'max', 'count', 'last', 'p90', 'percentile:0.25'] as const) {
    QUERIES.push({key: 'signups', bucket, agg, ...(bucket === 'none' ? {} : {from: '2025-02-10', to: '2026-03-01'})})
  }
  QUERIES.push({key: 'signups', bucket, by: ['platform', 'region']})
  QUERIES.push({key: 'signups', bucket, agg: 'avg', filters: [{dimension: 'platform', op: '=', value: 'web'}]})
  QUERIES.push({key: 'signups', bucket, filters: [{dimension: 'platform', op: '!=', value: 'ios'}], by: ['platform']})
  QUERIES.push({key: 'signups', bucket, filters: [{dimension: 'tier', op: '>=', value: 6}], by: ['tier']})
  QUERIES.push({key: 'signups', bucket, filters: [{dimension: 'platform', op: 'is_null'}]})
  QUERIES.push({key: 'signups', bucket, filters: [{dimension: 'region', op: 'in', value: ['EU', 'APAC']}, {dimension: 'platform', op: 'not_in', value: ['web']}], agg: 'max'})
  QUERIES.push({key: 'signups', bucket, agg: 'rate', from: '2025-03-01', to: '2025-09-15T12:00:00Z'})
  QUERIES.push({key: 'signups', bucket, from: '2025-06-01', by: ['region'], limit: 7})
  QUERIES.push({key: 'signups', bucket, to: '2025-06-01T00:00:00.5Z'})
}
for (const bucket of ['minute', 'hour'] as const) {
  QUERIES.push({key: 'latency', bucket, from: '2026-03-01', to: '2026-03-01T06:00:00Z', by: ['host']})
  QUERIES.push({key: 'latency', bucket, agg: 'p50', entityId: '1'})
  QUERIES.push({key: 'latency', bucket, agg: 'rate', from: '2026-03-01T00:30:00Z', to: '2026-03-01T05:00:00Z'})
}
QUERIES.push({key: 'nothing', bucket: 'month'})
QUERIES.push({key: 'nothing', bucket: 'none'})
QUERIES.push({key: 'nothing', bucket: 'day', from: '2026-01-01', to: '2026-01-04'})
QUERIES.push({key: 'signups', bucket: 'none', by: ['tier'], agg: 'count'})

function close(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b))
  return a === b
}

describe.skipIf(skip !== null)('points on ClickHouse', () => {
  let cluster: ClickHouseCluster
  let file: Catalog
  let ch: Catalog
  const {dir, cleanup} = tempDir('metricat-ch-points-')

  beforeAll(async () => {
    // a database of its own on the run's shared cluster; the points store talks to its first server
    cluster = await (await sharedCluster()).addDatabase({database: 'points_store'})
    file = await newCatalog(dir, 'file.duckdb')
    await newCatalog(dir, 'ch.duckdb').then((c) => c.close())
    ch = await openCatalog({db: `${dir}/ch.duckdb`, points: cluster.url})
    expect(ch.pointsStore).toBeInstanceOf(ClickHousePoints)
  })
  afterAll(async () => {
    file?.close()
    ch?.close()
    cleanup()
  })

  /** rows in the ClickHouse table, every version (no FINAL) */
  const storedRows = async () => Number((await cluster.query<{n: string}>('SELECT count() AS n FROM metric_points'))[0]!.n)

  it('ingests with the same counts as the file, in-batch duplicates resolved to the last one', async () => {
    const batch = [...points(), {...points()[3], value: 42}]
    const a = await ingestPoints(file, {points: batch})
    const b = await ingestPoints(ch, {points: batch})
    expect({...b, jobId: '', ms: 0}).toEqual({...a, jobId: '', ms: 0})
    expect(b.duplicates).toBe(1)
    expect(await storedRows()).toBe(b.distinct)
  })

  it('changes nothing when the same points are sent again', async () => {
    const before = await storedRows()
    const result = await ingestPoints(ch, {points: points()})
    expect([result.inserted, result.updated]).toEqual([0, 1])
    const again = await ingestPoints(ch, {points: points()})
    expect([again.inserted, again.updated, again.unchanged]).toEqual([0, 0, again.distinct])
    expect(await storedRows()).toBe(before + 1)
    await ingestPoints(file, {points: points()})
  })

  it('updates changed points as the file does', async () => {
    const changed = points().slice(0, 40).map((p, i) => ({...p, value: i % 2 === 0 ? (p.value as number) + 1 : p.value}))
    const a = await ingestPoints(file, {points: changed})
    const b = await ingestPoints(ch, {points: changed})
    expect([b.inserted, b.updated, b.unchanged]).toEqual([a.inserted, a.updated, a.unchanged])
    expect(b.updated).toBe(20)
  })

  it('stores values bit for bit', async () => {
    const [row] = await cluster.query<{v: number}>(
      `SELECT value AS v FROM metric_points FINAL WHERE metric_key = 'latency' AND entity_id = '0' ORDER BY date_us LIMIT 1`,
    )
    expect(row!.v).toBe(0.25)
    const tricky = [{metricKey: 'bits', date: '2026-01-01', value: 0.1 + 0.2}, {metricKey: 'bits', date: '2026-01-02', value: 2.109267889065241e-9}, {metricKey: 'bits', date: '2026-01-03', value: -1.7976931348623157e308}]
    await ingestPoints(ch, {points: tricky})
    const rows = await queryPoints(ch, {key: 'bits', bucket: 'day', agg: 'max'})
    expect(rows.rows.map((r) => r.value)).toEqual(tricky.map((p) => p.value))
  })

  // every query's two answers computed together, 4 at a time, when the first of these tests runs
  // (after the ingests above); each test checks its own
  const answers = batched(QUERIES, 4, (q) => Promise.all([queryPoints(file, q), queryPoints(ch, q)]))

  it.each(QUERIES.map((q) => [JSON.stringify(q), q] as const))('answers %s as the file does', async (_, q) => {
    const [a, b] = await answers(q)
    expect(b.columns).toEqual(a.columns)
    expect(b.rows.length).toBe(a.rows.length)
    const diffs = b.rows
      .map((row, i) => ({i, ch: row, file: a.rows[i]}))
      .filter(({ch: r, file: f}) => a.columns.some((c) => !close(r[c], f![c])))
    expect(diffs.slice(0, 3)).toEqual([])
  })

  it('refuses op increment with one line naming the point and why', async () => {
    const error = await ingestPoints(ch, {points: [{metricKey: 'visits', date: '2026-01-01', value: 1, op: 'increment'}]}).catch((e) => e)
    expect(error).toBeInstanceOf(CatalogError)
    expect(error.message).toMatch(/^point of visits: op "increment" is not supported when points are stored on ClickHouse/)
    expect(error.message).not.toContain('\n')
  })

  it('refuses dates a DateTime cannot hold', async () => {
    await expect(ingestPoints(ch, {points: [{metricKey: 'old', date: '1969-12-31', value: 1}]})).rejects.toThrow(/dated 1969-12-31 00:00:00.000000: points on ClickHouse must be dated from 1970-01-01/)
  })

  it('removes a data source with its points', async () => {
    const src = [{metricKey: 'stars', date: '2026-01-01', value: 5, dataSourceId: 'gh'}, {metricKey: 'stars', date: '2026-01-02', value: 6, dataSourceId: 'gh'}]
    for (const c of [file, ch]) {
      await addDataSource(c, {id: 'gh'})
      await ingestPoints(c, {points: src})
    }
    const a = await removeDataSource(file, 'gh', {deletePoints: true})
    const b = await removeDataSource(ch, 'gh', {deletePoints: true})
    expect(b.pointsDeleted).toBe(a.pointsDeleted)
    expect((await queryPoints(ch, {key: 'stars', bucket: 'none', agg: 'count'})).rows).toEqual([{value: 0}])
  })

  it('replaces a snapshot source\'s points per metric key as the file does', async () => {
    const snap = `${dir}/snap.ndjson`
    const line = (value: number, key: string, date: string) => JSON.stringify({metricKey: key, date, value})
    for (const c of [file, ch]) await addDataSource(c, {id: 'snap', command: `cat '${snap}'`, mode: 'snapshot', poll_frequency: 'manual'})
    const both = async () => {
      const a = await runPoints(file, {defaults: {dataSourceId: 'snap'}})
      const b = await runPoints(ch, {defaults: {dataSourceId: 'snap'}})
      return [a.ingest, b.ingest]
    }
    writeFileSync(snap, [line(1, 'snap.a', '2026-01-01'), line(2, 'snap.a', '2026-01-02'), line(9, 'snap.b', '2026-01-01')].join('\n'))
    await both()
    // another source's points of key snap.a are not this source's to replace
    for (const c of [file, ch]) await ingestPoints(c, {points: [{metricKey: 'snap.a', date: '2026-01-05', value: 7, dataSourceId: 'other'}]})
    writeFileSync(snap, [line(3, 'snap.a', '2026-01-02'), line(4, 'snap.a', '2026-01-03')].join('\n'))
    const [a, b] = await both()
    expect(b).toMatchObject({points: 2, inserted: 1, updated: 1, deleted: 1})
    expect({...b, jobId: '', ms: 0}).toEqual({...a, jobId: '', ms: 0})
    for (const key of ['snap.a', 'snap.b']) {
      const q: PointsQuery = {key, bucket: 'day', agg: 'sum'}
      expect((await queryPoints(ch, q)).rows).toEqual((await queryPoints(file, q)).rows)
    }
    expect((await queryPoints(ch, {key: 'snap.a', bucket: 'none', agg: 'count'})).rows).toEqual([{value: 3}])
  })

  it('refuses a grid the data makes longer than 200000 buckets with the file\'s error', async () => {
    for (const c of [file, ch]) {
      const error = await queryPoints(c, {key: 'signups', bucket: 'minute'}).catch((e) => e)
      expect(error).toBeInstanceOf(CatalogError)
      expect([error.code, error.message]).toEqual(['QUERY_FAILED', expect.stringMatching(/^points query of signups failed: .*the range holds more than 200000 minute buckets; give --from and --to, or use a larger --bucket$/)])
    }
  })

  it('answers an unreachable server with one line naming it', async () => {
    const c = await openCatalog({db: `${dir}/ch.duckdb`, points: 'clickhouse://127.0.0.1:1/metricat'})
    try {
      const error = await queryPoints(c, {key: 'x'}).catch((e) => e)
      expect(error).toBeInstanceOf(CatalogError)
      expect(error.message).toMatch(/^cannot reach the points store, ClickHouse at 127\.0\.0\.1:1\/metricat/)
    } finally {
      c.close()
    }
  })

  it('refuses a --points value that is not a clickhouse:// URL', async () => {
    await expect(openCatalog({db: `${dir}/ch.duckdb`, points: 'points.duckdb'})).rejects.toThrow(/bad --points "points.duckdb": expected clickhouse:\/\//)
  })

  it.each([
    {metric: 'app/signups'},
    {metric: 'app/signups', grain: 'week', from: '2025-03-01', to: '2025-09-01'},
    {metric: 'app/signups', by: ['platform'], filters: [{dimension: 'region', op: 'in', value: ['EU', 'NA']}]},
    {metric: 'app/signups', grain: 'quarter', compare: 'previous'},
    {metric: 'app/signups', by: ['tier'], filters: [{dimension: 'tier', op: '>', value: 4}], grain: 'year'},
    {metric: 'app/peak_signups', grain: 'month', by: ['region']},
    {metric: 'app/signup_points', grain: 'day', from: '2025-06-01', to: '2025-07-01'},
    {metric: 'app/avg_signup', grain: 'month', filters: [{dimension: 'platform', op: 'is_null'}]},
    {metric: 'app/last_signup', grain: 'month'},
    {metric: 'app/signups_per_point', grain: 'quarter'},
  ] as const)('computes the points_key metric %j from ClickHouse with the file\'s rows', async (q) => {
    const docs = [
      {file: 'signups.yml', category: 'app', text: 'name: signups\ntype: sum\npoints_key: signups\ngrain: month\ndimensions:\n  - platform\n  - region\n  - tier\n'},
      {file: 'peak.yml', category: 'app', text: 'name: peak_signups\ntype: max\npoints_key: signups\ndimensions:\n  - region\n'},
      {file: 'count.yml', category: 'app', text: 'name: signup_points\ntype: count\npoints_key: signups\n'},
      {file: 'avg.yml', category: 'app', text: 'name: avg_signup\ntype: avg\npoints_key: signups\ndimensions:\n  - platform\n'},
      {file: 'last.yml', category: 'app', text: 'name: last_signup\ntype: sum\npoints_key: signups\ngrain: day\ntime_aggregation: last\n'},
      {file: 'ratio.yml', category: 'app', text: 'name: signups_per_point\ntype: ratio\nnumerator: app/signups\ndenominator: app/signup_points\n'},
    ]
    for (const c of [file, ch]) if (!(await c.list()).some((m) => m.id === 'app/signups')) await c.importDocuments(docs)
    const [a, b] = await Promise.all([file.queryMetric(q as never), ch.queryMetric(q as never)])
    expect(b.columns).toEqual(a.columns)
    expect(b.rows.length).toBe(a.rows.length)
    const cols = a.columns.filter((c) => c !== 'data_through')
    const diffs = b.rows.map((row, i) => ({i, ch: row, file: a.rows[i]})).filter(({ch: r, file: f}) => cols.some((c) => !close(r[c], f![c])))
    expect(diffs.slice(0, 3)).toEqual([])
  })

  it('ingests and queries through the CLI with --points', async () => {
    const file = `${dir}/cli.ndjson`
    writeFileSync(file, `${JSON.stringify({metricKey: 'cli.points', date: '2026-05-01', value: 2})}\n${JSON.stringify({metricKey: 'cli.points', date: '2026-05-03', value: 3})}\n`)
    const ingest = await runCommand(['ingest', file, '--db', `${dir}/ch.duckdb`, '--points', cluster.url, '--json'])
    expect(ingest.code, ingest.stderr).toBe(0)
    expect(JSON.parse(ingest.stdout).inserted).toBe(2)
    const query = await runCommand(['points', 'cli.points', '--db', `${dir}/ch.duckdb`, '--json'], {env: {METRICAT_POINTS: cluster.url}})
    expect(query.code, query.stderr).toBe(0)
    expect(JSON.parse(query.stdout).rows).toEqual([
      {period: '2026-05-01', value: 2},
      {period: '2026-05-02', value: 0},
      {period: '2026-05-03', value: 3},
    ])
    const bad = await runCommand(['points', 'cli.points', '--db', `${dir}/ch.duckdb`, '--points', 'clickhouse://127.0.0.1:8123/bad-name'])
    expect(bad.code).toBe(1)
    expect(bad.stderr.split('\n')[0]).toMatch(/^Error: bad --points URL clickhouse:\/\/127\.0\.0\.1:8123\/bad-name; expected clickhouse:/)
  })
})
