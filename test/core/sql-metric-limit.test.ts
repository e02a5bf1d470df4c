// `--limit N` on a metric computed by its own SQL (a `sql` metric, a variant): the latest N periods,
// every row of each, in ascending order, as on every other metric; not the first N rows the SQL
// returns (which, for SQL ordered by month, were the oldest months, with exit 0). A result without
// a period column keeps its first N rows. The same on DuckDB and on ClickHouse (18.16: no window
// functions there, so another SQL form).
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import type {MetricQuery} from '../../src/query/types.js'
import {clickhouseAvailable, type ClickHouseCluster} from '../clickhouse/cluster.js'
import {sharedCluster} from '../clickhouse/shared-cluster.js'
import {runCommand, tempDir} from '../helpers.js'

const skip = clickhouseAvailable()

describe('--limit on a metric computed by its own SQL', () => {
  const tmp = tempDir()
  let file: string
  let duck: Catalog
  let cluster: ClickHouseCluster | undefined
  let ch: Catalog | undefined

  beforeAll(async () => {
    file = path.join(tmp.dir, 'sql-limit.duckdb')
    const setup = await openCatalog({db: file, create: true})
    try {
      // five months, two plans in four of them; the SQL returns them newest first
      await setup.db.run(`CREATE TABLE subs AS SELECT * FROM (VALUES
        (DATE '2025-01-01', 'basic', 10.0::DOUBLE), (DATE '2025-02-01', 'basic', 11.0::DOUBLE),
        (DATE '2025-02-01', 'pro', 50.0::DOUBLE), (DATE '2025-03-01', 'basic', 12.0::DOUBLE),
        (DATE '2025-03-01', 'pro', 55.0::DOUBLE), (DATE '2025-04-01', 'basic', 13.0::DOUBLE),
        (DATE '2025-04-01', 'pro', 60.0::DOUBLE), (DATE '2025-05-01', 'pro', 61.0::DOUBLE)) AS v(month, plan, mrr)`)
      await setup.putMetric({
        category: 'subs',
        name: 'mrr',
        description: 'MRR by month, computed by its own SQL',
        sql: 'SELECT month, sum(mrr) AS mrr FROM subs GROUP BY month ORDER BY month DESC',
        sql_variants: {
          by_plan: 'SELECT month, plan, sum(mrr) AS mrr FROM subs GROUP BY month, plan ORDER BY month, plan',
          by_plan_only: 'SELECT plan, sum(mrr) AS total FROM subs GROUP BY plan ORDER BY plan',
        },
        tables: ['subs'],
      })
    } finally {
      setup.close()
    }
    duck = await openCatalog({db: file, readOnly: true})
    if (skip === null) {
      cluster = await (await sharedCluster()).addDatabase({database: 'sql_metric_limit', duckdb: file})
      ch = await openCatalog({db: file, readOnly: true, warehouse: cluster.url})
    }
  })

  afterAll(() => {
    duck?.close()
    ch?.close()
    tmp.cleanup()
  })

  const rows = async (catalog: Catalog, q: MetricQuery) => (await catalog.queryMetric(q)).rows.map((r) => ({...r}))

  it('keeps the latest periods, oldest first, when the SQL lists the newest first', async () => {
    expect(await rows(duck, {metric: 'subs/mrr', limit: 2})).toEqual([
      {period: '2025-04-01', value: 73},
      {period: '2025-05-01', value: 61},
    ])
    // without a limit the SQL's own order stands
    expect((await rows(duck, {metric: 'subs/mrr'})).map((r) => r.period)).toEqual(['2025-05-01', '2025-04-01', '2025-03-01', '2025-02-01', '2025-01-01'])
  })

  it('keeps every row of each of the latest periods of a variant with a dimension column', async () => {
    expect(await rows(duck, {metric: 'subs/mrr', variant: 'by_plan', limit: 2})).toEqual([
      {period: '2025-04-01', plan: 'basic', value: 13},
      {period: '2025-04-01', plan: 'pro', value: 60},
      {period: '2025-05-01', plan: 'pro', value: 61},
    ])
  })

  it('keeps the first rows of a result without a period column', async () => {
    expect(await rows(duck, {metric: 'subs/mrr', variant: 'by_plan_only', limit: 1})).toEqual([{plan: 'basic', value: 46}])
  })

  it('is what `metricat query --limit` prints', async () => {
    const {stdout, code} = await runCommand(['query', 'subs/mrr', '--limit', '3', '--json', '--db', file])
    expect(code).toBe(0)
    expect(JSON.parse(stdout).rows.map((r: {period: string}) => r.period)).toEqual(['2025-03-01', '2025-04-01', '2025-05-01'])
  })

  it.skipIf(skip !== null)('answers the same on ClickHouse', async () => {
    for (const q of [
      {metric: 'subs/mrr', limit: 2},
      {metric: 'subs/mrr', variant: 'by_plan', limit: 2},
      {metric: 'subs/mrr', variant: 'by_plan', limit: 10},
      {metric: 'subs/mrr', variant: 'by_plan_only', limit: 1},
    ]) {
      expect(await rows(ch!, q), JSON.stringify(q)).toEqual(await rows(duck, q))
    }
  })
})
