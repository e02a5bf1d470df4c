import {describe, expect, it} from 'vitest'
import type {MetricDefinition} from '../../src/catalog/types.js'
import {CatalogError, type ErrorCode} from '../../src/errors.js'
import {compileMetricQuery, planMetricQuery} from '../../src/query/index.js'
import type {CompiledQuery, MetricQuery} from '../../src/query/types.js'
import {DEFS, lookup, lookupIn} from './fixtures.js'

function compile(query: MetricQuery, defs: MetricDefinition[] = DEFS): CompiledQuery {
  return compileMetricQuery(query, lookupIn(defs))
}

function placeholders(sql: string): number[] {
  return [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]))
}

function errorOf(fn: () => unknown): CatalogError {
  try {
    fn()
  } catch (e) {
    if (e instanceof CatalogError) return e
    throw e
  }
  throw new Error('expected a CatalogError')
}

function expectError(fn: () => unknown, code: ErrorCode, message: string | RegExp): void {
  const e = errorOf(fn)
  expect(e.code).toBe(code)
  if (typeof message === 'string') expect(e.message).toBe(message)
  else expect(e.message).toMatch(message)
  expect(e.message).not.toContain('\n')
}

const base = {name: 'x', category: 'test', table_name: 'orders', time_column: 'ts', expression: 'amount'}
function metric(fields: Partial<MetricDefinition>): MetricDefinition {
  return {...base, id: 'test/x', type: 'sum', ...fields} as MetricDefinition
}

/** The renderer's 14-significant-digit rounding of a DOUBLE aggregate. */
function rounded(v: string): string {
  return `CASE WHEN ${v} = 0 OR NOT isfinite(${v}) THEN ${v} ELSE round(${v}, 13 - CAST(floor(log10(abs(${v}))) AS INTEGER)) END`
}

describe('compileMetricQuery: plain aggregates', () => {
  it('renders total by month with gap filling over the data range', async () => {
    const c = compile({metric: 'revenue/total_revenue'})
    await expect(c.sql).toMatchFileSnapshot('__snapshots__/golden/total-by-month.sql')
    expect(c.params).toEqual([])
    expect(c.columns).toEqual(['period', 'value', 'partial', 'data_through'])
    expect(c.grain).toBe('month')
  })

  it('renders a range, dimensions and a filter with bound values', async () => {
    const c = compile({
      metric: 'revenue/total_revenue',
      by: ['region', 'channel'],
      filters: [{dimension: 'channel', op: 'in', value: ['web', 'partner']}],
      from: '2024-01-01',
      to: '2024-04-01',
    })
    await expect(c.sql).toMatchFileSnapshot('__snapshots__/golden/range-dimensions-filter.sql')
    // scan bounds and filter; data_through's lookup from --from, the range end, the probe from --to; the series
    expect(c.params).toEqual(['2024-01-01', '2024-04-01', 'web', 'partner', '2024-01-01', '2024-04-01'])
    expect(c.columns).toEqual(['period', 'region', 'channel', 'value', 'partial', 'data_through'])
  })

  it('is deterministic', () => {
    const q: MetricQuery = {metric: 'revenue/aov', by: ['region'], compare: 'year', from: '2024-01-15', limit: 5}
    expect(compile(q)).toEqual(compile(structuredClone(q)))
  })

  it('numbers placeholders in the order they appear', () => {
    const c = compile({
      metric: 'revenue/net_revenue',
      by: ['region'],
      filters: [
        {dimension: 'region', op: 'not_in', value: ['a', 'b']},
        {dimension: 'region', op: '!=', value: 'c'},
      ],
      from: '2024-01-10',
      to: '2024-06-01',
      compare: 'previous',
    })
    const seen = placeholders(c.sql)
    expect(seen).toEqual(seen.map((_, i) => i + 1))
    expect(seen).toHaveLength(c.params.length)
  })

  it.each([
    ['sum', {}, 'CAST(fsum(amount) AS DOUBLE)', 0],
    ['count', {expression: undefined}, 'CAST(count(*) AS DOUBLE)', 0],
    ['count', {expression: 'order_id'}, 'CAST(count(order_id) AS DOUBLE)', 0],
    ['count_distinct', {expression: 'customer'}, 'CAST(count(DISTINCT customer) AS DOUBLE)', 0],
    ['avg', {}, 'CAST(favg(amount) AS DOUBLE)', null],
    ['min', {}, 'CAST(min(amount) AS DOUBLE)', null],
    ['max', {}, 'CAST(max(amount) AS DOUBLE)', null],
    ['median', {}, 'CAST(median(amount) AS DOUBLE)', null],
    ['percentile', {percentile: 0.95}, 'CAST(quantile_cont(amount, 0.95) AS DOUBLE)', null],
    ['last', {}, 'CAST(arg_max(amount, "ts") AS DOUBLE)', null],
  ] as const)('aggregates type %s', (type, fields, aggregate, fill) => {
    const c = compile({metric: 'test/x'}, [metric({type, ...fields})])
    // sums and averages of DOUBLEs keep 14 significant digits (the last bits depend on the adding order)
    expect(c.sql).toContain(`    ${type === 'sum' || type === 'avg' ? rounded(aggregate) : aggregate} AS value\n`)
    expect(c.sql).toContain(fill === 0 ? '  coalesce(m1.value, 0) AS value,\n' : '  m1.value AS value,\n')
  })

  it('parenthesises a complex expression', () => {
    const c = compile({metric: 'test/x'}, [metric({expression: 'amount * (1 - discount)'})])
    expect(c.sql).toContain(`${rounded('CAST(fsum((amount * (1 - discount))) AS DOUBLE)')} AS value`)
  })

  it('takes the expression as the whole aggregate when the type is missing', () => {
    const c = compile({metric: 'test/x'}, [metric({type: undefined, expression: 'sum(amount) / count(*)'})])
    expect(c.sql).toContain(`${rounded('CAST((sum(amount) / count(*)) AS DOUBLE)')} AS value`)
    expect(c.sql).toContain('  m1.value AS value,\n')
  })

  it('rejects a percentile outside [0, 1]', () => {
    for (const percentile of [1.5, -0.1, Number.NaN, undefined]) {
      expectError(() => compile({metric: 'test/x'}, [metric({type: 'percentile', percentile})]), 'VALIDATION', /percentile metric test\/x needs percentile: a number from 0 to 1/)
    }
  })

  it.each([
    ['day', "'day'", "INTERVAL '1 day'"],
    ['week', "'week'", "INTERVAL '7 days'"],
    ['month', "'month'", "INTERVAL '1 month'"],
    ['quarter', "'quarter'", "INTERVAL '3 months'"],
    ['year', "'year'", "INTERVAL '1 year'"],
  ] as const)('buckets by %s', (grain, part, step) => {
    const c = compile({metric: 'revenue/total_revenue', grain})
    expect(c.sql).toContain(`CAST(date_trunc(${part}, "ts") AS DATE) AS period`)
    expect(c.sql).toContain(`CAST(date_trunc(${part}, (SELECT t FROM through)) AS TIMESTAMP) + ${step}, ${step}))`)
    expect(c.grain).toBe(grain)
  })

  it("uses the definition's grain when the request has none", () => {
    expect(compile({metric: 'product/signups'}).grain).toBe('day')
    expect(compile({metric: 'product/signups', grain: 'week'}).grain).toBe('week')
  })

  it('quotes a qualified table part by part, keeps a SELECT as a subquery, and quotes anything else as one name', () => {
    expect(compile({metric: 'product/signups'}).sql).toContain('  FROM "main"."signups"\n')
    const sub = compile({metric: 'test/x'}, [metric({table_name: 'SELECT * FROM orders WHERE amount > 0'})])
    expect(sub.sql).toContain('  FROM (\nSELECT * FROM orders WHERE amount > 0\n) AS src\n')
    // not a name and not a query: one identifier, never SQL text (issue 10: `table: "t; SELECT ..."`)
    const fn = compile({metric: 'test/x'}, [metric({table_name: "read_parquet('o.parquet')"})])
    expect(fn.sql).toContain(`  FROM "read_parquet('o.parquet')"\n`)
    const evil = compile({metric: 'test/x'}, [metric({table_name: 't; SELECT 1'})])
    expect(evil.sql).toContain('  FROM "t; SELECT 1"\n')
  })

  it('quotes a plain time column and parenthesises a time expression', () => {
    expect(compile({metric: 'test/x', from: '2024-01-01'}, [metric({time_column: 'o.created_at'})]).sql).toContain('"o"."created_at" >= $1')
    const c = compile({metric: 'test/x', from: '2024-01-01'}, [metric({time_column: 'CAST(created AS DATE)'})])
    expect(c.sql).toContain("date_trunc('month', (CAST(created AS DATE)))")
    expect(c.sql).toContain('(CAST(created AS DATE)) >= $1')
  })

  it('ANDs every definition filter in parentheses', () => {
    const c = compile({metric: 'test/x'}, [metric({filters: ['a = 1 OR b = 2', 'c > 0']})])
    expect(c.sql).toContain('  WHERE (a = 1 OR b = 2)\n    AND (c > 0)\n')
  })
})

describe('compileMetricQuery: filters', () => {
  const cases: Array<[MetricQuery['filters'], string, unknown[]]> = [
    [[{dimension: 'region', op: '=', value: 'EU'}], '"region" = $1', ['EU']],
    [[{dimension: 'region', op: '!=', value: 'EU'}], '"region" IS DISTINCT FROM $1', ['EU']],
    [[{dimension: 'region', op: '>', value: 5}], '"region" > $1', [5]],
    [[{dimension: 'region', op: '>=', value: 5.5}], '"region" >= $1', [5.5]],
    [[{dimension: 'region', op: '<', value: 'M'}], '"region" < $1', ['M']],
    [[{dimension: 'region', op: '<=', value: true}], '"region" <= $1', [true]],
    [[{dimension: 'region', op: 'in', value: ['EU', 'US', 3]}], '"region" IN ($1, $2, $3)', ['EU', 'US', 3]],
    [[{dimension: 'region', op: 'not_in', value: ['EU']}], '("region" NOT IN ($1) OR "region" IS NULL)', ['EU']],
    [[{dimension: 'region', op: 'contains', value: 'E'}], 'contains(CAST("region" AS VARCHAR), $1)', ['E']],
    [[{dimension: 'region', op: 'contains', value: 12}], 'contains(CAST("region" AS VARCHAR), $1)', ['12']],
    [[{dimension: 'region', op: 'is_null'}], '"region" IS NULL', []],
    [[{dimension: 'region', op: 'not_null', value: null}], '"region" IS NOT NULL', []],
    [[{dimension: 'channel', op: '=', value: 'web'}], '(lower(channel)) = $1', ['web']],
  ]
  it.each(cases)('renders %j', (filters, fragment, params) => {
    const c = compile({metric: 'revenue/total_revenue', filters})
    expect(c.sql).toContain(`    AND ${fragment}\n`)
    expect(c.params).toEqual(params)
  })

  it('ANDs several filters in request order', () => {
    const c = compile({
      metric: 'revenue/total_revenue',
      filters: [
        {dimension: 'region', op: '=', value: 'EU'},
        {dimension: 'channel', op: 'in', value: ['web']},
      ],
    })
    expect(c.sql).toContain('    AND "region" = $1\n    AND (lower(channel)) IN ($2)\n')
    expect(c.params).toEqual(['EU', 'web'])
  })

  it.each([
    [{dimension: 'region', op: 'in', value: []}, 'filter on region (in) needs a non-empty list of values, got []'],
    [{dimension: 'region', op: 'in', value: 'EU'}, 'filter on region (in) needs a non-empty list of values, got "EU"'],
    [{dimension: 'region', op: 'in', value: [{}]}, 'filter on region (in) has a bad list item {}; expected strings, numbers or booleans'],
    [{dimension: 'region', op: '=', value: null}, 'filter on region (=) needs a value; use is_null or not_null to test for missing values'],
    [{dimension: 'region', op: '=', value: ['EU']}, 'filter on region (=) needs one string, number or boolean, got ["EU"]'],
    [{dimension: 'region', op: '>', value: Number.POSITIVE_INFINITY}, 'filter on region (>) needs one string, number or boolean, got null'],
    [{dimension: 'region', op: 'is_null', value: 'x'}, 'filter on region (is_null) takes no value, got "x"'],
    [{dimension: 'region', op: 'like', value: 'x'}, 'unknown filter operator "like"; allowed: = != > >= < <= in not_in contains is_null not_null'],
    [{dimension: 'foo', op: '=', value: 'x'}, 'unknown dimension "foo" for revenue/total_revenue in a filter; allowed: region, channel'],
  ])('rejects the filter %j', (filter, message) => {
    expectError(() => compile({metric: 'revenue/total_revenue', filters: [filter as never]}), 'BAD_REQUEST', message)
  })
})

describe('compileMetricQuery: gap filling', () => {
  it('spans [from, to) without reading bounds from the data', () => {
    const c = compile({metric: 'revenue/total_revenue', from: '2024-01-15', to: '2024-03-01'})
    expect(c.sql).not.toContain('bounds')
    expect(c.sql).toContain("range(CAST($3 AS TIMESTAMP), CAST($4 AS TIMESTAMP), INTERVAL '1 month')")
    // The scan starts at --from exactly; the series at the start of its month.
    expect(c.params).toEqual(['2024-01-15', '2024-03-01', '2024-01-01', '2024-03-01'])
  })

  it('ends the series at the period the data ends in when only --from is given', () => {
    const c = compile({metric: 'revenue/total_revenue', grain: 'week', from: '2024-01-03'})
    expect(c.sql).toContain("range(CAST($2 AS TIMESTAMP), CAST(date_trunc('week', (SELECT t FROM through)) AS TIMESTAMP) + INTERVAL '7 days', INTERVAL '7 days')")
    expect(c.params).toEqual(['2024-01-03', '2024-01-01'])
  })

  it('starts the series at the first period with data when only --to is given', () => {
    const c = compile({metric: 'revenue/total_revenue', to: '2024-01-01T12:00:00'})
    expect(c.sql).toContain("range(CAST(lo AS TIMESTAMP), CAST($2 AS TIMESTAMP), INTERVAL '1 month')")
    expect(c.params).toEqual(['2024-01-01 12:00:00', '2024-01-01 12:00:00'])
  })

  it('keeps the time column bare in range conditions', () => {
    const c = compile({metric: 'revenue/total_revenue', from: '2024-01-01', to: '2024-02-01'})
    expect(c.sql).toContain('    AND "ts" >= $1\n    AND "ts" < $2\n')
  })

  it('fills gaps for average-like types with NULL', () => {
    const c = compile({metric: 'revenue/avg_amount', by: ['region']})
    expect(c.sql).toContain('  m1.value AS value,\n')
    expect(c.sql).toContain('CROSS JOIN combos')
  })

  it('rejects a range longer than the period cap', () => {
    expectError(
      () => compile({metric: 'revenue/total_revenue', grain: 'day', from: '0001-01-01', to: '9999-01-01'}),
      'BAD_REQUEST',
      /^--from\/--to span about \d+ day periods; at most 100000/,
    )
  })
})

describe('compileMetricQuery: compare', () => {
  it('adds previous_value and growth_pct over the previous period', () => {
    const c = compile({metric: 'revenue/total_revenue', compare: 'previous', from: '2024-01-01', to: '2024-04-01'})
    expect(c.columns).toEqual(['period', 'value', 'previous_value', 'growth_pct', 'partial', 'data_through'])
    expect(c.sql).toContain('filled AS MATERIALIZED (')
    expect(c.sql).toContain("LEFT JOIN filled AS prev ON prev.period = CAST(cur.period - INTERVAL '1 month' AS DATE)\n")
    expect(c.sql).toContain('  (cur.value - prev.value) / NULLIF(abs(prev.value), 0) * 100 AS growth_pct,\n')
    expect(c.sql).toContain('WHERE cur.period >= CAST($5 AS DATE)\n')
    // scan and series start one month back; rows start at --from
    expect(c.params).toEqual(['2023-12-01', '2024-04-01', '2023-12-01', '2024-04-01', '2024-01-01'])
  })

  it('compares with the same period a year earlier', () => {
    const c = compile({metric: 'revenue/total_revenue', compare: 'year', from: '2024-01-01', to: '2024-04-01'})
    expect(c.sql).toContain("prev.period = CAST(cur.period - INTERVAL '1 year' AS DATE)")
    expect(c.params).toEqual(['2023-01-01', '2024-04-01', '2023-01-01', '2024-04-01', '2024-01-01'])
  })

  it.each([
    ['day', 'previous', "INTERVAL '1 day'", '2024-03-09'],
    ['day', 'year', "INTERVAL '1 year'", '2023-03-10'],
    ['week', 'previous', "INTERVAL '7 days'", '2024-02-26'],
    ['week', 'year', "INTERVAL '364 days'", '2023-03-06'],
    ['month', 'previous', "INTERVAL '1 month'", '2024-02-01'],
    ['quarter', 'previous', "INTERVAL '3 months'", '2023-10-01'],
    ['quarter', 'year', "INTERVAL '1 year'", '2023-01-01'],
    ['year', 'previous', "INTERVAL '1 year'", '2023-01-01'],
  ] as const)('at %s grain looks back %s by %s', (grain, compare, interval, scanFrom) => {
    const c = compile({metric: 'revenue/total_revenue', grain, compare, from: '2024-03-10'})
    expect(c.sql).toContain(`prev.period = CAST(cur.period - ${interval} AS DATE)`)
    expect(c.params[0]).toBe(scanFrom)
  })

  it('widens a mid-period --from and --to to whole periods, and says so', () => {
    const c = compile({metric: 'revenue/total_revenue', compare: 'previous', from: '2024-01-10', to: '2024-03-15'})
    expect(c.sql).toContain('    AND "ts" >= $1\n    AND "ts" < $2\n  GROUP BY ALL')
    expect(c.params.slice(0, 2)).toEqual(['2023-12-01', '2024-04-01'])
    expect(c.warnings).toEqual([
      '--compare uses whole periods: --from 2024-01-10 was widened to 2024-01-01, the start of its month',
      '--compare uses whole periods: --to 2024-03-15 was widened to 2024-04-01, the end of its month',
    ])
  })

  it('returns every period when no --from is given', () => {
    const c = compile({metric: 'revenue/total_revenue', by: ['region'], compare: 'year'})
    expect(c.sql).not.toContain('WHERE cur.period')
    expect(c.sql).toContain('prev."region" IS NOT DISTINCT FROM cur."region"')
    expect(c.sql).toContain('ORDER BY cur.period, cur."region"')
    expect(c.columns).toEqual(['period', 'region', 'value', 'previous_value', 'growth_pct', 'partial', 'data_through'])
  })

  it('rejects an unknown compare mode', () => {
    expectError(() => compile({metric: 'revenue/total_revenue', compare: 'week' as never}), 'BAD_REQUEST', 'unknown compare mode "week"; allowed: previous, year')
  })
})

describe('compileMetricQuery: ratio and derived', () => {
  it('divides numerator by denominator with NULLIF on one grid', () => {
    const c = compile({metric: 'revenue/aov', by: ['region'], filters: [{dimension: 'region', op: '=', value: 'EU'}]})
    expect(c.sql).toContain('m1 AS MATERIALIZED (')
    expect(c.sql).toContain('m2 AS MATERIALIZED (')
    expect(c.sql).toContain('CAST(count(*) AS DOUBLE) AS value')
    expect(c.sql).toContain('  CAST(coalesce(m1.value, 0) / NULLIF(coalesce(m2.value, 0), 0) AS DOUBLE) AS value,\n')
    expect(c.sql).toContain('  SELECT "region" FROM m1\n  UNION\n  SELECT "region" FROM m2\n')
    // the filter is bound once per input
    expect(c.params).toEqual(['EU', 'EU'])
    expect(c.sql).toContain('    SELECT period FROM m1\n    UNION ALL\n    SELECT period FROM m2\n')
  })

  it('resolves bare names in a ratio to its own category', () => {
    const c = compile({metric: 'revenue/refund_rate'})
    expect(c.sql).toContain(`WHERE (status = 'refunded')`)
    expect(c.sql.indexOf(`(status = 'refunded')`)).toBeLessThan(c.sql.indexOf(`(status = 'paid')`))
  })

  it('requires a requested dimension to be declared by the ratio and its inputs', () => {
    expectError(
      () => compile({metric: 'revenue/refund_rate', by: ['region']}),
      'BAD_REQUEST',
      'unknown dimension "region" for revenue/refund_rate; allowed: (none)',
    )
    const defs = [...DEFS, {...(DEFS.find((d) => d.id === 'revenue/aov') as MetricDefinition), id: 'revenue/aov2', dimensions: ['region', 'plan']}]
    expectError(
      () => compile({metric: 'revenue/aov2', filters: [{dimension: 'plan', op: '=', value: 'pro'}]}, defs),
      'BAD_REQUEST',
      'dimension "plan" of revenue/aov2 is not declared by its input revenue/total_revenue; usable: region',
    )
  })

  it('renders a derived formula, one CTE per distinct input', () => {
    const c = compile({metric: 'revenue/scaled'})
    expect(c.sql).toContain(
      '  CAST(((coalesce(m1.value, 0) + coalesce(m2.value, 0)) * 2) / NULLIF(coalesce(m3.value, 0), 0) AS DOUBLE) AS value,\n',
    )
    const twice = compile({metric: 'test/d'}, [...DEFS, metric({id: 'test/d', type: 'derived', formula: 'revenue/refunds / revenue/refunds - -1'})])
    expect(twice.sql).not.toContain('m2 AS')
    expect(twice.sql).toContain('CAST((coalesce(m1.value, 0) / NULLIF(coalesce(m1.value, 0), 0)) - -(1) AS DOUBLE) AS value')
  })

  it('nests a ratio inside a derived metric', () => {
    const defs = [...DEFS, metric({id: 'test/d', type: 'derived', formula: 'revenue/aov * 100', dimensions: ['region']})]
    const c = compile({metric: 'test/d', by: ['region']}, defs)
    expect(c.sql).toContain('CAST((coalesce(m1.value, 0) / NULLIF(coalesce(m2.value, 0), 0)) * 100 AS DOUBLE) AS value')
  })

  it('applies filters of a ratio to both inputs', () => {
    const defs = [...DEFS, metric({id: 'test/r', type: 'ratio', numerator: 'revenue/refunds', denominator: 'revenue/order_count', filters: ["channel <> 'test'"]})]
    const c = compile({metric: 'test/r'}, defs)
    // each input's scan and its data_through probe
    expect(c.sql.match(/\(channel <> 'test'\)/g)).toHaveLength(4)
  })

  it('rejects an unknown input id', () => {
    const defs = [...DEFS, metric({id: 'test/d', type: 'derived', formula: 'revenue/total_revenue - revenue/nope'})]
    expectError(() => compile({metric: 'test/d'}, defs), 'VALIDATION', 'formula of test/d references unknown metric "revenue/nope"')
  })

  it('rejects a cycle', () => {
    const defs = [
      metric({id: 'test/a', type: 'derived', formula: 'test/b + 1'}),
      metric({id: 'test/b', type: 'ratio', numerator: 'test/c', denominator: 'test/a'}),
      metric({id: 'test/c'}),
    ]
    expectError(() => compile({metric: 'test/a'}, defs), 'VALIDATION', 'metric test/a depends on itself: test/a -> test/b -> test/a')
    expectError(() => compile({metric: 'test/s'}, [metric({id: 'test/s', type: 'derived', formula: 'test/s * 2'})]), 'VALIDATION', /depends on itself: test\/s -> test\/s/)
  })

  it('rejects a SQL-only input', () => {
    const defs = [...DEFS, metric({id: 'test/d', type: 'derived', formula: 'revenue/by_region * 2'})]
    expectError(() => compile({metric: 'test/d'}, defs), 'VALIDATION', /formula of test\/d is revenue\/by_region, which is a SQL-only metric/)
  })

  it('rejects a ratio without a denominator and a bad formula', () => {
    expectError(() => compile({metric: 'test/r'}, [metric({id: 'test/r', type: 'ratio', numerator: 'test/x'})]), 'VALIDATION', /needs both numerator and denominator/)
    expectError(() => compile({metric: 'test/d'}, [metric({id: 'test/d', type: 'derived', formula: 'test/x/2'})]), 'VALIDATION', /^bad formula for test\/d/)
  })
})

describe('compileMetricQuery: SQL-only metrics', () => {
  it('runs sql as written, without a trailing semicolon', () => {
    const c = compile({metric: 'revenue/by_region'})
    expect(c.sql).toBe('SELECT region, sum(amount) AS total\nFROM orders\nGROUP BY region\nORDER BY region NULLS LAST')
    expect(c.params).toEqual([])
    expect(c.columns).toEqual([])
    expect(c.grain).toBeUndefined()
  })

  it('wraps sql in a subquery for a limit', () => {
    const c = compile({metric: 'revenue/by_region', limit: 10})
    expect(c.sql).toBe('SELECT * FROM (\nSELECT region, sum(amount) AS total\nFROM orders\nGROUP BY region\nORDER BY region NULLS LAST\n) AS q\nLIMIT 10')
  })

  it('runs the chosen variant', () => {
    const def = DEFS.find((d) => d.id === 'revenue/by_region') as MetricDefinition
    expect(compile({metric: 'revenue/by_region', variant: 'paid'}).sql).toBe(def.sql_variants?.paid)
  })

  it('runs a variant of a metric that also has an expression', () => {
    const c = compile({metric: 'test/x', variant: 'v'}, [metric({sql_variants: {v: 'SELECT 1'}})])
    expect(c.sql).toBe('SELECT 1')
  })

  it('rejects an unknown variant naming the available ones', () => {
    expectError(() => compile({metric: 'revenue/by_region', variant: 'nope'}), 'NOT_FOUND', 'unknown variant "nope" for revenue/by_region; available: paid')
    expectError(() => compile({metric: 'revenue/total_revenue', variant: 'x'}), 'NOT_FOUND', 'unknown variant "x" for revenue/total_revenue; available: (none)')
  })

  it('rejects grain, dimensions, filters, dates and compare', () => {
    expectError(
      () => compile({metric: 'revenue/by_region', grain: 'day', by: ['region'], compare: 'year'}),
      'BAD_REQUEST',
      'revenue/by_region is a SQL-only query and runs as written; --grain, --by, --compare cannot apply (only --variant and --limit do)',
    )
    expectError(
      () => compile({metric: 'revenue/by_region', variant: 'paid', filters: [{dimension: 'region', op: 'is_null'}], from: '2024-01-01'}),
      'BAD_REQUEST',
      /^revenue\/by_region \(variant paid\) is a SQL-only query and runs as written; --where, --from cannot apply/,
    )
  })
})

describe('compileMetricQuery: limit', () => {
  it('renders a validated integer literal', () => {
    expect(compile({metric: 'revenue/total_revenue', limit: 25}).sql).toMatch(/\nQUALIFY dense_rank\(\) OVER \(ORDER BY periods\.period DESC\) <= 25\nORDER BY periods\.period$/)
    expect(compile({metric: 'revenue/total_revenue', compare: 'previous', limit: 1_000_000}).sql).toMatch(/<= 1000000\nORDER BY cur\.period$/)
    expect(compile({metric: 'revenue/total_revenue', order: 'value', limit: 7}).sql).toMatch(/\nLIMIT 7$/)
  })

  it.each([0, -1, 1.5, 1_000_001, '10', Number.NaN])('rejects %j', (limit) => {
    expectError(() => compile({metric: 'revenue/total_revenue', limit: limit as number}), 'BAD_REQUEST', /^bad limit .*; expected a whole number from 1 to 1000000$/)
  })
})

describe('compileMetricQuery: request errors', () => {
  it('names the allowed dimensions for an unknown one', () => {
    expectError(
      () => compile({metric: 'revenue/total_revenue', by: ['foo']}),
      'BAD_REQUEST',
      'unknown dimension "foo" for revenue/total_revenue; allowed: region, channel',
    )
  })

  it('reports an unknown metric as NOT_FOUND', () => {
    expectError(() => compile({metric: 'revenue/nope'}), 'NOT_FOUND', /^unknown metric "revenue\/nope"/)
  })

  it('reports a bad date with the flag and the expected format', () => {
    expectError(
      () => compile({metric: 'revenue/total_revenue', from: '2024-13-01'}),
      'BAD_REQUEST',
      'bad date "2024-13-01" for --from; expected YYYY-MM-DD or an ISO timestamp such as 2024-01-31T12:00:00Z',
    )
    expectError(() => compile({metric: 'revenue/total_revenue', to: '2024-02-30'}), 'BAD_REQUEST', /^bad date "2024-02-30" for --to/)
  })

  it('requires --from before --to', () => {
    expectError(
      () => compile({metric: 'revenue/total_revenue', from: '2024-02-01', to: '2024-02-01'}),
      'BAD_REQUEST',
      '--from 2024-02-01 must be before --to 2024-02-01 (--to is exclusive)',
    )
  })

  it('names the grains for an unknown grain', () => {
    expectError(() => compile({metric: 'revenue/total_revenue', grain: 'hour' as never}), 'BAD_REQUEST', 'unknown grain "hour"; allowed: day, week, month, quarter, year')
  })

  it('rejects a dimension given twice or named like a result column', () => {
    expectError(() => compile({metric: 'revenue/total_revenue', by: ['region', 'region']}), 'BAD_REQUEST', 'dimension "region" is given twice in --by')
    expectError(() => compile({metric: 'test/x', by: ['value']}, [metric({dimensions: ['value']})]), 'BAD_REQUEST', /^dimension "value" has the same name as a result column/)
  })

  it('rejects a week start other than Monday', () => {
    expect(() => compileMetricQuery({metric: 'revenue/total_revenue'}, lookup, {weekStart: 'sunday' as never})).toThrow(
      'unsupported week start "sunday"; allowed: monday',
    )
  })

  it('reports a metric without a time column as a definition problem', () => {
    expectError(() => compile({metric: 'test/x'}, [metric({time_column: undefined})]), 'VALIDATION', /^metric test\/x has no time_column/)
  })

  it('compiles a points metric over the points of its key, like a table metric', () => {
    const def = {id: 'test/p', name: 'p', category: 'test', points_key: "signups.o'daily", dimensions: ['plan']} as MetricDefinition
    const c = compile({metric: 'test/p', by: ['plan'], filters: [{dimension: 'plan', op: '>', value: 3}]}, [def])
    expect(c.sql).toContain('FROM "mc"."metricat"."metric_points"')
    expect(c.sql).toContain("WHERE (metric_key = 'signups.o''daily')")
    expect(c.sql).toContain(`json_extract_string(dimensions, '/plan') AS "plan"`)
    expect(c.sql).toContain(`TRY_CAST(json_extract_string(dimensions, '/plan') AS DOUBLE) > CAST($1 AS DOUBLE)`)
    expect(c.params).toEqual(['3'])
  })
})

describe('planMetricQuery', () => {
  it('returns plain data that survives JSON', () => {
    const plan = planMetricQuery({metric: 'revenue/aov', by: ['region'], compare: 'previous', from: '2024-01-01'}, lookup)
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan)
    expect(plan).toMatchObject({
      kind: 'aggregate',
      metric: 'revenue/aov',
      grain: 'month',
      dimensions: ['region'],
      value: {kind: 'binary', op: '/', left: {kind: 'measure', alias: 'm1'}, right: {kind: 'measure', alias: 'm2'}},
      range: {scanFrom: '2023-12-01', seriesFrom: '2023-12-01', showFrom: '2024-01-01'},
      compare: 'previous',
    })
  })
})
