import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {dimensionName, type Grain} from '../../src/catalog/types.js'
import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {refreshRollups, rollupStatuses} from '../../src/core/rollups.js'
import {loadTable} from '../../src/core/warehouse.js'
import type {MetricQuery} from '../../src/query/types.js'
import {demoDatabase, runCommand, tempDir} from '../helpers.js'
import {expectSameRows} from '../server/helpers.js'

// Rollups: declared in YAML, refreshed (fully, then incrementally), read by the planner when they
// fit, and giving the numbers the raw table gives.

let dir: string
let cleanup: () => void
let db: string
let catalog: Catalog
let extra: string

const REVENUE = 'revenue/total_revenue'
const ROLLUPS = [{grain: 'day', by: ['region', 'channel']}, {grain: 'month'}]

beforeAll(async () => {
  ;({dir, cleanup} = tempDir('metricat-rollups-'))
  db = await demoDatabase(dir)
  extra = path.join(dir, 'extra.csv')
  writeFileSync(extra, 'order_id,ordered_at,amount,status,region,channel\n900001,2025-06-15 10:00:00,1234.5,completed,EU,web\n900002,2025-06-15 11:00:00,99,completed,US,partner\n')
  catalog = await openCatalog({db, readFiles: [extra]})
  await catalog.patchMetric(REVENUE, {rollups: ROLLUPS})
})
afterAll(() => {
  catalog.close()
  cleanup()
})

/** The month rollup's stored growth columns equal `--compare previous` on the raw table (after the first period). */
async function expectGrowthAsCompare(): Promise<void> {
  const stored = await catalog.db.all<{period: string; value: number; previous_value: number | null; growth_pct: number | null}>(
    `SELECT CAST(period AS VARCHAR) AS period, value, previous_value, growth_pct FROM mc.metricat_rollups."${REVENUE}@month" ORDER BY period`,
  )
  const raw = await catalog.queryMetric({metric: REVENUE, grain: 'month', compare: 'previous', no_rollup: true})
  const byPeriod = new Map(raw.rows.map((r) => [r.period, r]))
  expect(stored[0]!.previous_value).toBeNull()
  let compared = 0
  for (const row of stored.slice(1)) {
    const want = byPeriod.get(row.period)
    if (!want) continue // a period after data_through
    expectSameRows([{previous_value: row.previous_value, growth_pct: row.growth_pct}], [{previous_value: want.previous_value, growth_pct: want.growth_pct}])
    compared++
  }
  expect(compared).toBeGreaterThan(12)
}

async function both(q: Omit<MetricQuery, 'metric'>, metric = REVENUE) {
  const rolled = await catalog.queryMetric({metric, ...q})
  const raw = await catalog.queryMetric({metric, ...q, no_rollup: true})
  return {rolled, raw}
}

function reasonOf(result: {rollup?: {considered: {id: string; reason: string}[]}}, id: string): string | undefined {
  return result.rollup?.considered.find((c) => c.id === id)?.reason
}

describe('rollup selection', () => {
  it('uses no rollup before the first refresh, saying so', async () => {
    const r = await catalog.queryMetric({metric: REVENUE, grain: 'month'})
    expect(r.rollup?.used).toBeNull()
    expect(reasonOf(r, `${REVENUE}@month`)).toMatch(/^missing: never refreshed/)
    expect(r.sql).not.toContain('metricat_rollups')
  })

  it('refreshes every declared rollup in full the first time, one job each', async () => {
    const out = await refreshRollups(catalog, [])
    expect(out.map((r) => [r.id, r.mode, r.reason])).toEqual([
      [`${REVENUE}@day:region,channel`, 'full', 'first build'],
      [`${REVENUE}@month`, 'full', 'first build'],
    ])
    const jobs = await catalog.db.all<{source: string; status: string}>("SELECT source, status FROM mc.metricat.jobs WHERE kind = 'rollup' ORDER BY source")
    expect(jobs).toEqual([
      {source: `${REVENUE}@day:region,channel`, status: 'completed'},
      {source: `${REVENUE}@month`, status: 'completed'},
    ])
    expect((await rollupStatuses(catalog, [await catalog.get(REVENUE)])).map((s) => s.status)).toEqual(['fresh', 'fresh'])
  })

  it('reads the coarsest rollup that fits, and the sql says which', async () => {
    const r = await catalog.queryMetric({metric: REVENUE, grain: 'year'})
    expect(r.rollup?.used).toBe(`${REVENUE}@month`)
    expect(r.sql).toContain(`mc.metricat_rollups."${REVENUE}@month"`)
    expect(reasonOf(r, `${REVENUE}@day:region,channel`)).toBe(`${REVENUE}@month answers it from fewer rows`)
    const sql = await runCommand(['sql', REVENUE, '--grain', 'year', '--db', db])
    expect(sql.stdout).toContain(`-- reads rollup ${REVENUE}@month`)
  })

  it('falls back to a finer rollup that keeps the requested dimensions', async () => {
    const r = await catalog.queryMetric({metric: REVENUE, grain: 'quarter', by: ['region'], filters: [{dimension: 'channel', op: '=', value: 'web'}]})
    expect(r.rollup?.used).toBe(`${REVENUE}@day:region,channel`)
    expect(reasonOf(r, `${REVENUE}@month`)).toBe('it does not keep region, channel')
  })

  it('reads raw rows for a dimension no rollup keeps, a week from a month rollup, a mid-period from, and --no-rollup', async () => {
    const plan = await catalog.queryMetric({metric: REVENUE, by: ['plan']})
    expect(plan.rollup?.used).toBeNull()
    expect(reasonOf(plan, `${REVENUE}@month`)).toBe('it does not keep plan')
    const week = await catalog.queryMetric({metric: REVENUE, grain: 'week'})
    expect(reasonOf(week, `${REVENUE}@month`)).toBe('a month rollup cannot answer week periods')
    expect(week.rollup?.used).toBe(`${REVENUE}@day:region,channel`)
    const mid = await catalog.queryMetric({metric: REVENUE, grain: 'month', from: '2025-01-15', to: '2025-06-01'})
    expect(reasonOf(mid, `${REVENUE}@month`)).toBe('from 2025-01-15 is not the start of a month')
    expect(mid.rollup?.used).toBe(`${REVENUE}@day:region,channel`)
    const raw = await catalog.queryMetric({metric: REVENUE, grain: 'year', no_rollup: true})
    expect(raw.rollup?.used).toBeNull()
    expect(raw.rollup?.considered.every((c) => c.reason === '--no-rollup: raw rows requested')).toBe(true)
    expect(raw.sql).not.toContain('metricat_rollups')
  })

  it('gives the raw numbers for every request shape it serves', async () => {
    const requests: Omit<MetricQuery, 'metric'>[] = [
      {grain: 'month'},
      {grain: 'year'},
      {grain: 'quarter', by: ['region']},
      {grain: 'week', by: ['channel'], from: '2025-01-06', to: '2025-03-03'},
      {grain: 'day', from: '2025-02-01', to: '2025-03-01', by: ['region', 'channel']},
      {grain: 'month', by: ['region'], filters: [{dimension: 'channel', op: 'in', value: ['web', 'partner']}], compare: 'previous'},
      {grain: 'month', compare: 'year', from: '2025-01-01', to: '2026-01-01'},
      {grain: 'month', by: ['region'], limit: 3, order: 'value', desc: true},
    ]
    for (const q of requests) {
      const {rolled, raw} = await both(q)
      expect(rolled.rollup?.used, JSON.stringify(q)).not.toBeNull()
      expect(rolled.columns).toEqual(raw.columns)
      expect(rolled.data_through).toBe(raw.data_through)
      expectSameRows(rolled.rows, raw.rows)
      expect(rolled.rows.length).toBeGreaterThan(0)
    }
  })

  it('stores previous value and growth per period, as --compare previous computes them', async () => {
    await expectGrowthAsCompare()
  })
})

describe('incremental refresh', () => {
  it('a load makes the rollups stale: queries read raw rows until the refresh', async () => {
    await loadTable(catalog, 'orders', extra)
    const statuses = await rollupStatuses(catalog, [await catalog.get(REVENUE)])
    expect(statuses.map((s) => s.status)).toEqual(['stale', 'stale'])
    const r = await catalog.queryMetric({metric: REVENUE, grain: 'year'})
    expect(r.rollup?.used).toBeNull()
    expect(reasonOf(r, `${REVENUE}@month`)).toBe('stale: table:orders changed since the last refresh')
  })

  it('rebuilds only the periods the new rows fall in, and then matches raw again', async () => {
    const out = await refreshRollups(catalog, [REVENUE])
    expect(out.map((r) => [r.id, r.mode, r.periods])).toEqual([
      [`${REVENUE}@day:region,channel`, 'incremental', [{from: '2025-06-15', to: '2025-06-16'}]],
      [`${REVENUE}@month`, 'incremental', [{from: '2025-06-01', to: '2025-07-01'}]],
    ])
    for (const q of [{grain: 'month' as Grain}, {grain: 'day' as Grain, by: ['region'], from: '2025-06-01', to: '2025-07-01'}]) {
      const {rolled, raw} = await both(q)
      expect(rolled.rollup?.used).not.toBeNull()
      expectSameRows(rolled.rows, raw.rows)
    }
    // growth of the rebuilt month and of the month after it follow the new values
    await expectGrowthAsCompare()
  })

  it('does nothing when nothing changed, and --from/--to rebuilds the given periods', async () => {
    expect((await refreshRollups(catalog, [`${REVENUE}@month`]))[0]).toMatchObject({mode: 'up to date', rows_written: 0})
    const backfill = await refreshRollups(catalog, [`${REVENUE}@month`], {from: '2025-02-10', to: '2025-04-01'})
    expect(backfill[0]).toMatchObject({mode: 'incremental', periods: [{from: '2025-02-01', to: '2025-04-01'}], rows_written: 2})
  })

  it('rebuilds in full after the definition changed or with --full', async () => {
    await catalog.patchMetric(REVENUE, {description: 'Net invoiced revenue (edited).'})
    expect((await rollupStatuses(catalog, [await catalog.get(REVENUE)]))[1]!.reason).toBe(`the definition of ${REVENUE} changed since the last refresh`)
    expect((await refreshRollups(catalog, [`${REVENUE}@month`]))[0]).toMatchObject({mode: 'full', reason: 'the definition changed'})
    expect((await refreshRollups(catalog, [`${REVENUE}@month`], {full: true}))[0]).toMatchObject({mode: 'full', reason: '--full'})
  })

  it('a write by another tool (no data version) still makes it stale when the row count changed', async () => {
    await refreshRollups(catalog, [`${REVENUE}@month`])
    await catalog.db.run("INSERT INTO mc.main.orders BY NAME SELECT 900100 AS order_id, TIMESTAMP '2025-07-01 09:00:00' AS ordered_at, 5.0 AS amount, 'completed' AS status")
    const [month] = (await rollupStatuses(catalog, [await catalog.get(REVENUE)])).filter((r) => r.id === `${REVENUE}@month`)
    expect(month).toMatchObject({status: 'stale', reason: expect.stringContaining('the row count of table:orders changed')})
    expect((await catalog.queryMetric({metric: REVENUE, grain: 'year'})).rollup?.used).toBeNull()
    expect((await refreshRollups(catalog, [`${REVENUE}@month`], {full: true}))[0]!.mode).toBe('full')
  })

  it('refuses an unknown rollup id, listing the declared ones', async () => {
    await expect(refreshRollups(catalog, ['revenue/nope'])).rejects.toMatchObject({code: 'NOT_FOUND', message: expect.stringContaining(`${REVENUE}@month`)})
  })
})

describe('every starter metric', () => {
  it('either refuses rollups with the reason, or answers from them with the raw numbers', async () => {
    const metrics = (await catalog.list()).filter((m) => m.id !== REVENUE)
    const served: string[] = []
    for (const m of metrics) {
      const dims = (m.dimensions ?? []).map(dimensionName).slice(0, 2)
      const rollups = [{grain: 'day', ...(dims.length > 0 ? {by: dims} : {})}, {grain: 'month'}]
      let accepted = true
      try {
        await catalog.patchMetric(m.id, {rollups})
      } catch (error) {
        accepted = false
        expect(error, m.id).toMatchObject({code: 'VALIDATION', message: expect.stringMatching(/rollups/)})
      }
      if (!accepted) continue
      // an expression that is an aggregate itself (SUM(x) with type sum) is only known to DuckDB's parser: refused at refresh
      const refused = await refreshRollups(catalog, [m.id]).then(
        () => undefined,
        (error: unknown) => error,
      )
      if (refused) {
        expect(refused, m.id).toMatchObject({code: 'VALIDATION', message: expect.stringContaining('its expression is an aggregate itself')})
        const status = await rollupStatuses(catalog, [await catalog.get(m.id)])
        expect(status.every((s) => s.status === 'unsupported')).toBe(true)
        continue
      }
      served.push(m.id)
      const requests: Omit<MetricQuery, 'metric'>[] =
        m.type === 'count_distinct'
          ? [{grain: 'month'}, {grain: 'day', by: dims, from: '2025-03-01', to: '2025-04-01'}]
          : [{grain: 'quarter', ...(dims[0] ? {by: [dims[0]]} : {}), compare: 'previous'}, {grain: 'week', from: '2025-01-06', to: '2025-02-03'}]
      for (const q of requests) {
        const {rolled, raw} = await both(q, m.id)
        expect(rolled.rollup?.used, `${m.id} ${JSON.stringify(q)}: ${JSON.stringify(rolled.rollup)}`).not.toBeNull()
        expect(rolled.data_through, m.id).toBe(raw.data_through)
        expectSameRows(rolled.rows, raw.rows)
      }
      if (m.type === 'count_distinct') {
        const coarser = await catalog.queryMetric({metric: m.id, grain: 'quarter'})
        expect(coarser.rollup?.used).toBeNull()
        expect(reasonOf(coarser, `${m.id}@month`)).toBe('count_distinct is only exact at the rollup\'s own grain (month)')
      }
    }
    // the pack's sums, counts, distinct counts and averages are served; ratios, medians and snapshots are refused
    expect(served.length).toBeGreaterThanOrEqual(6)
  }, 240_000)
})

describe('YAML and the CLI', () => {
  it('rollup status and refresh answer under --json', async () => {
    catalog.close()
    try {
      const status = await runCommand(['rollup', 'status', REVENUE, '--db', db, '--json'])
      expect(status.code, status.stderr).toBe(0)
      expect(JSON.parse(status.stdout).rollups.map((r: {id: string; status: string}) => [r.id, r.status])).toEqual([
        [`${REVENUE}@day:region,channel`, 'stale'],
        [`${REVENUE}@month`, 'fresh'],
      ])
      const refresh = await runCommand(['rollup', 'refresh', `${REVENUE}@day:region,channel`, '--db', db, '--json'])
      expect(refresh.code, refresh.stderr).toBe(0)
      expect(JSON.parse(refresh.stdout).refreshed[0]).toMatchObject({mode: 'full', reason: 'the definition changed'})
      const bad = await runCommand(['rollup', 'refresh', '--from', '2025-01-01', '--db', db])
      expect(bad.code).toBe(2)
      const exported = await runCommand(['export', REVENUE, '--db', db])
      expect(exported.stdout).toContain('rollups:\n  - grain: day\n    by:\n      - region\n      - channel\n  - grain: month\n')
    } finally {
      catalog = await openCatalog({db, readFiles: [extra]})
    }
  })

  it('validate names a rollup dimension the metric does not declare', async () => {
    await expect(catalog.patchMetric(REVENUE, {rollups: [{grain: 'day', by: ['country']}]})).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('rollup by "country": not a dimension of revenue/total_revenue'),
    })
    await expect(catalog.patchMetric(REVENUE, {rollups: [{grain: 'hour'}]})).rejects.toMatchObject({code: 'VALIDATION'})
  })
})
