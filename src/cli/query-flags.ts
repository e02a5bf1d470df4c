import * as Flags from '@oclif/core/flags'

import {GRAIN_ALIASES, GRAINS} from '../catalog/types.js'
import {QUERY_ORDERS} from '../query/types.js'

/**
 * `--warehouse`: where metric SQL runs. A DuckDB file (attached read-only) or a ClickHouse server
 * (`clickhouse://[user[:password]@]host:port/database`, its HTTP port); the catalog stays in --db.
 */
export function warehouseFlag() {
  return Flags.string({
    description: 'where metric queries run: a DuckDB file (attached read-only) or clickhouse://[user[:password]@]host:port/database (default: $METRICAT_WAREHOUSE, then warehouse: in ./metricat.config.yml, else tables in --db)',
  })
}

/** The request flags `query` and `sql` share; they map one to one onto a MetricQuery. */
export const queryFlags = {
  grain: Flags.option({options: [...GRAINS, ...(Object.keys(GRAIN_ALIASES) as (keyof typeof GRAIN_ALIASES)[])], description: 'period size (default: the metric\'s grain, else month; daily ... yearly also work); weeks start on Monday'})(),
  by: Flags.string({description: 'comma-separated dimensions to split by, from the metric\'s declared list'}),
  where: Flags.string({
    char: 'w',
    multiple: true,
    description: 'filter on a declared dimension: "region=EU", "region!=EU", "amount>=10", "channel in web,partner", "channel not_in web", "name contains x", "region is null", "region is not null"',
  }),
  from: Flags.string({description: 'start date, inclusive (YYYY-MM-DD or ISO timestamp)'}),
  to: Flags.string({description: 'end date, exclusive (YYYY-MM-DD or ISO timestamp)'}),
  range: Flags.string({description: 'instead of --from/--to, complete periods relative to today (UTC): today, yesterday, "last 6 months", "last 12 weeks", "this year", "last year"'}),
  compare: Flags.option({options: ['previous', 'year'] as const, description: 'add previous_value and growth_pct (previous period, or same period a year earlier)'})(),
  variant: Flags.string({description: 'run the metric\'s sql_by_<variant> SQL instead'}),
  limit: Flags.integer({min: 1, description: 'the latest N periods (all their rows), still in ascending order; with --order value, the first N rows'}),
  order: Flags.option({options: QUERY_ORDERS, description: 'sort rows by period (default) or by value; "--order value --desc --limit 5" is a top 5'})(),
  desc: Flags.boolean({description: 'descending order: latest periods or largest values first'}),
  strict: Flags.boolean({description: 'a --where value (= or in) that no row has is an error (exit 1) instead of a warning'}),
  'no-rollup': Flags.boolean({description: 'read the raw table even when a fresh rollup could answer (rollups give the same numbers)'}),
  warehouse: warehouseFlag(),
}

export {type QueryFlagValues, toMetricQuery} from './metric-query.js'
