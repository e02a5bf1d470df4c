// What the ClickHouse differential files check: each request compiled for DuckDB and for
// ClickHouse, run on the same rows, gives the same rows (numbers to 1e-9 relative: ClickHouse adds
// in another order).
import type {DuckDBConnection} from '@duckdb/node-api'

import type {MetricDefinition} from '../../src/catalog/types.js'
import {compileMetricQuery} from '../../src/query/index.js'
import type {MetricQuery} from '../../src/query/types.js'
import type {ClickHouseWarehouse} from '../../src/warehouse/clickhouse.js'
import {pooled} from '../pooled.js'

function close(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))
  return a === b
}

/** One line per request whose ClickHouse rows differ from DuckDB's (none: the engines agree). */
export async function differingAnswers(
  queries: MetricQuery[],
  lookup: (id: string) => MetricDefinition | undefined,
  duck: DuckDBConnection,
  ch: ClickHouseWarehouse,
  concurrency = 4,
): Promise<string[]> {
  const problems: string[] = []
  // the ClickHouse side `concurrency` at a time while DuckDB (one connection) answers one by one
  const answers = pooled(queries, concurrency, async (q) => (await ch.query(compileMetricQuery(q, lookup, {dialect: 'clickhouse'}).sql)).rows)
  answers.catch(() => {})
  for (const [i, q] of queries.entries()) {
    const d = compileMetricQuery(q, lookup)
    const expected = (await duck.runAndReadAll(d.sql, d.params as never)).getRowObjectsJson().map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && ['value', 'previous_value', 'growth_pct'].includes(k) ? Number(v) : v])),
    )
    const got: Record<string, unknown>[] = (await answers)[i]!.map((r) => ({...r, partial: r.partial === 1}))
    const same = expected.length === got.length && expected.every((r, j) => Object.keys(r).every((k) => close(r[k], got[j]![k])))
    if (!same) problems.push(`${JSON.stringify(q)}: ${JSON.stringify(expected.slice(0, 3))} vs ${JSON.stringify(got.slice(0, 3))} (${expected.length} vs ${got.length} rows)`)
  }
  return problems
}
