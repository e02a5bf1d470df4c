import type {Grain} from '../catalog/types.js'

export const FILTER_OPS = ['=', '!=', '>', '>=', '<', '<=', 'in', 'not_in', 'contains', 'is_null', 'not_null'] as const
export type FilterOp = (typeof FILTER_OPS)[number]
export type FilterScalar = string | number | boolean
export type FilterValue = FilterScalar | FilterScalar[] | null

export interface Filter {
  dimension: string
  op: FilterOp
  value?: FilterValue
}

export type CompareMode = 'previous' | 'year'

export const QUERY_ORDERS = ['period', 'value'] as const
/** Row order: by period (then dimensions), or by value (then period, dimensions; nulls last). */
export type QueryOrder = (typeof QUERY_ORDERS)[number]

/** One request shape for CLI flags, HTTP bodies and agent tools (README "Computing metrics"). */
export interface MetricQuery {
  metric: string
  grain?: Grain
  by?: string[]
  filters?: Filter[]
  /** ISO date, inclusive */
  from?: string
  /** ISO date, exclusive */
  to?: string
  /** relative range instead of from/to: today, yesterday, "this month", "last 6 months", "last year", ... (UTC) */
  range?: string
  compare?: CompareMode
  variant?: string
  /**
   * Order `period` (default): at most `limit` periods, the latest ones, every row of each.
   * Order `value`: the first `limit` rows by value (top-N with `desc`).
   */
  limit?: number
  order?: QueryOrder
  /** descending order (latest periods first, or largest values first) */
  desc?: boolean
  /** a `=`/`in` filter value that no row has is an error instead of a warning */
  strict?: boolean
  /** read raw rows even when a fresh rollup could answer (`--no-rollup`) */
  no_rollup?: boolean
}

/** SQL text with `$n` placeholders and the values they bind, in order. */
export interface CompiledQuery {
  sql: string
  params: FilterScalar[]
  /** output column names in order */
  columns: string[]
  grain?: Grain
  /** things the caller should know about the answer (shown on stderr by the CLI) */
  warnings?: string[]
  /** periods (start dates) an explicit --from/--to cuts: the result marks their rows `partial: true` */
  cutPeriods?: string[]
  /** SQL column alias -> output column name, where they differ (points metrics) */
  aliases?: Record<string, string>
  /** for a metric that declares rollups: the one read (or null) and why each was or was not */
  rollup?: {used: string | null; considered: {id: string; used: boolean; reason: string}[]}
}

export type ResultRow = Record<string, string | number | boolean | null>

export interface QueryResult {
  metric: string
  grain: Grain | null
  /** the metric's `unit` (USD, percent, ratio, hours, customers, ...): tables format values by it */
  unit: string | null
  /**
   * The last timestamp of the metric's data (ISO, UTC) after its definition filters; no period
   * starting after it is returned, and the row of a period it ends inside has `partial: true`
   * (other rows have no `partial` key; it is not in `columns`). Null for SQL-only
   * metrics, and when the metric has no data.
   */
  data_through: string | null
  /** things to know about the answer: an edge widened for --compare, a --where value that never occurs */
  warnings: string[]
  columns: string[]
  rows: ResultRow[]
  sql: string
  params: FilterScalar[]
  /** whether `metricat serve` answered from its result cache; false everywhere else */
  cached?: boolean
  /** for a metric that declares rollups: the one read (or null) and why each was or was not */
  rollup?: CompiledQuery['rollup']
}
