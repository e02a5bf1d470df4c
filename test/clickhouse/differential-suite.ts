// The differential suite shared by differential.test.ts (the 2-shard cluster of ClickHouse 18.16)
// and differential-chdb.test.ts (chdb, current ClickHouse in-process, when installed).
//
// The same metrics, the same numbers: every starter metric computed on the demo warehouse in DuckDB
// and on the same rows in a 2-shard ClickHouse cluster (Distributed tables, test/clickhouse/cluster.ts)
// must return the same rows - at every grain, with --by, with filters and with --compare.
//
// Tolerance: values (and previous_value, growth_pct) agree to a relative 1e-9 (absolute below 1e-9).
// DuckDB sums doubles with compensation (fsum); ClickHouse 18.16 with a plain sum (its sumKahan crashes a
// Distributed merge), in another order across shards; and DuckDB rounds sums to 14 significant digits where
// ClickHouse 18.16 cannot (round() needs a constant scale there): the last bits may differ, nothing
// more. Everything else (periods, dimension values, partial, data_through, row order) is exact.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {metricKind} from '../../src/query/index.js'
import {INJECTION_CORPUS} from '../query/fixtures.js'
import type {MetricQuery, QueryResult} from '../../src/query/types.js'
import {demoDatabase, tempDir} from '../helpers.js'
import {pooled} from '../pooled.js'
import {differentialQueries} from './differential-queries.js'

const TOLERANCE = 1e-9

function close(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b))
  return a === b
}

/** The first differing row of two results, described; undefined when they agree. */
function difference(duck: QueryResult, ch: QueryResult): string | undefined {
  if (JSON.stringify(duck.columns) !== JSON.stringify(ch.columns)) return `columns ${duck.columns} vs ${ch.columns}`
  if (duck.data_through !== ch.data_through) return `data_through ${duck.data_through} vs ${ch.data_through}`
  if (duck.rows.length !== ch.rows.length) return `${duck.rows.length} rows vs ${ch.rows.length}`
  for (let i = 0; i < duck.rows.length; i++) {
    const d = duck.rows[i]!
    const c = ch.rows[i]!
    const keys = new Set([...Object.keys(d), ...Object.keys(c)])
    for (const k of keys) if (!close(d[k], c[k])) return `row ${i} ${k}: ${JSON.stringify(d)} vs ${JSON.stringify(c)}`
  }
  return undefined
}

/**
 * The differential suite: `open` gives a catalog (read-write: one test adds a metric) over a copy of
 * the demo database whose warehouse is a ClickHouse target holding the demo tables (the 2-shard
 * cluster, or chdb).
 */
export function differentialSuite(title: string, skip: string | null, open: (dbFile: string) => Promise<Catalog>): void {
describe.skipIf(skip !== null)(title, () => {
  const tmp = tempDir()
  let duck: Catalog
  let ch: Catalog
  const queries: MetricQuery[] = []

  beforeAll(async () => {
    const [duckFile, chFile] = await Promise.all([demoDatabase(tmp.dir, 'duck.duckdb'), demoDatabase(tmp.dir, 'ch.duckdb')])
    duck = await openCatalog({db: duckFile, readOnly: true})
    ch = await open(chFile)
    // see differential-queries.ts: every grain, --by, filters, both compare modes, from/to, limits
    queries.push(...(await differentialQueries(duck)))
  })

  afterAll(() => {
    duck?.close()
    ch?.close()
    tmp.cleanup()
  })

  it('on every starter metric, at every grain, with --by, filters, compare, order and limit', async () => {
    expect(queries.length).toBeGreaterThanOrEqual(15 * 5)
    const problems = (
      await pooled(queries, 4, async (q) => {
        const [a, b] = await Promise.all([duck.queryMetric(q), ch.queryMetric(q)])
        const diff = difference(a, b)
        return diff === undefined ? undefined : `${JSON.stringify(q)}: ${diff}`
      })
    ).filter((p) => p !== undefined)
    expect(problems).toEqual([])
    // and the queries did compute something: most results have rows
    const sample = await ch.queryMetric({metric: 'revenue/total_revenue', grain: 'year'})
    expect(sample.rows.length).toBeGreaterThan(1)
    expect(sample.sql).toContain('toStartOfYear')
  })

  it('lists the same dimension values and warns about the same absent filter values', async () => {
    const [a, b] = await Promise.all([duck.dimensionValues('revenue/total_revenue', 'region'), ch.dimensionValues('revenue/total_revenue', 'region')])
    expect(b).toEqual(a)
    const q: MetricQuery = {metric: 'revenue/total_revenue', filters: [{dimension: 'region', op: '=', value: 'Europe'}]}
    const [wa, wb] = await Promise.all([duck.queryMetric(q), ch.queryMetric(q)])
    expect(wb.warnings).toEqual(wa.warnings)
    expect(wb.warnings[0]).toMatch(/no row has region = Europe/)
  })

  it('reports the same data_through for every starter metric', async () => {
    const metrics = (await duck.list()).filter((m) => metricKind(m) !== 'sql')
    const pairs = await pooled(metrics, 4, (m) => Promise.all([duck.dataThrough(m.id), ch.dataThrough(m.id)]))
    metrics.forEach((m, i) => expect(pairs[i]![1], m.id).toBe(pairs[i]![0]))
  })

  // validate on ClickHouse, run once for the two tests that read its report
  let validated: ReturnType<Catalog['validate']> | undefined
  const chValidate = () => (validated ??= ch.validate(undefined, {warehouse: true}))

  it('binds every starter metric on ClickHouse (validate); only their DuckDB-only own sql is reported', async () => {
    const report = await chValidate()
    // The computed definitions (expression, filters, dimensions, time column) are written in SQL
    // both engines read; a metric's `sql` and `sql_by_*` are run as written, and the starter pack's
    // are DuckDB SQL (::DATE, date_trunc, GROUP BY 1, FILTER, WITH): each is reported, nothing else.
    const other = report.problems.filter((p) => !/^[\w/]+: (sql|sql_by_\w+|expression over the columns of sql): ClickHouse error \d+: /.test(p.message))
    expect(other).toEqual([])
    // and the same catalog validates on DuckDB
    expect((await duck.validate(undefined, {warehouse: true})).problems).toEqual([])
  })

  it('maps the ClickHouse tables and their columns (tables --columns)', async () => {
    const map = await ch.tableMap()
    const orders = map.find((t) => t.table === 'orders')!
    expect(orders.exists).toBe(true)
    expect(orders.columns.find((c) => c.name === 'amount')).toMatchObject({type: 'Float64'})
    expect(orders.metrics).toContain('revenue/total_revenue')
  })

  it('treats every injection string as a value that matches nothing', async () => {
    const results = await pooled(INJECTION_CORPUS, 4, (bad) =>
      ch.queryMetric({
        metric: 'revenue/total_revenue',
        grain: 'year',
        by: ['region'],
        filters: [{dimension: 'region', op: 'in', value: [bad, 'x']}, {dimension: 'channel', op: '!=', value: bad}, {dimension: 'region', op: 'contains', value: bad}],
      }),
    )
    // every value was a value: the query ran, and nothing matched
    for (const r of results) expect(r.rows).toEqual([])
  })

  it('runs a metric whose own sql is ClickHouse SQL, shaped as period and value', async () => {
    // written for ClickHouse: toStartOfMonth, GROUP BY by name; period and value found by the shape rule
    await ch.putMetric({
      name: 'completed_revenue_ch',
      category: 'revenue',
      type: 'sum',
      unit: 'USD',
      sql: "SELECT toStartOfMonth(ordered_at) AS month, sum(amount) AS completed_revenue_ch FROM orders WHERE status = 'completed' GROUP BY month ORDER BY month",
    })
    const [own, computed] = await Promise.all([ch.queryMetric({metric: 'revenue/completed_revenue_ch'}), duck.queryMetric({metric: 'revenue/total_revenue', grain: 'month'})])
    expect(own.columns).toEqual(['period', 'value'])
    const expected = new Map(computed.rows.map((r) => [r.period, r.value]))
    expect(own.rows.length).toBeGreaterThan(12)
    for (const row of own.rows) expect(close(row.value, expected.get(row.period as string)), String(row.period)).toBe(true)
  })

  it('fails a metric whose own sql is DuckDB SQL with one line that says it must be ClickHouse SQL', async () => {
    // a starter metric's own sql that this ClickHouse refuses (validate lists them; on 18.16 all)
    const problem = (await chValidate()).problems.find((p) => /: sql_by_\w+: ClickHouse error/.test(p.message))
    expect(problem).toBeDefined()
    const variant = /: sql_by_(\w+): /.exec(problem!.message)![1]!
    const error = await ch.queryMetric({metric: problem!.metric!, variant}).catch((e: Error) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(new RegExp(`^query of ${problem!.metric} failed: ClickHouse error \\d+: .*must be ClickHouse SQL`))
    expect((error as Error).message).not.toContain('\n')
  })
})
}
