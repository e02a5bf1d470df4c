/** Metric definition types. Property names are the YAML/SQL names (snake_case) so that the
 * definition reads the same in YAML, in the database, in `--json` output and over HTTP. */

export const METRIC_TYPES = [
  'sum', 'count', 'count_distinct', 'avg', 'min', 'max', 'median', 'percentile', 'ratio', 'derived', 'last',
] as const
export type MetricType = (typeof METRIC_TYPES)[number]

export const GRAINS = ['day', 'week', 'month', 'quarter', 'year'] as const
export type Grain = (typeof GRAINS)[number]
/** The Agnes / HIT spellings of the grains, accepted wherever a grain is and stored canonically. */
export const GRAIN_ALIASES = {daily: 'day', weekly: 'week', monthly: 'month', quarterly: 'quarter', yearly: 'year'} as const satisfies Record<string, Grain>
/** `monthly` -> `month`; a canonical grain as it is (callers pass only validated grains). */
export function canonicalGrain(grain: Grain | keyof typeof GRAIN_ALIASES): Grain {
  return Object.hasOwn(GRAIN_ALIASES, grain) ? GRAIN_ALIASES[grain as keyof typeof GRAIN_ALIASES] : (grain as Grain)
}

/** How a metric's per-period values roll up when a query's grain is coarser than the metric's `grain`. */
export const TIME_AGGREGATIONS = ['sum', 'last', 'first', 'avg', 'min', 'max'] as const
export type TimeAggregation = (typeof TIME_AGGREGATIONS)[number]

export interface DimensionSpec {
  name: string
  /** SQL expression over the metric's table; defaults to the column `name`. */
  expr?: string
  description?: string
}

/** As written in YAML: a column name or a mapping. Kept as written so export round-trips. */
export type Dimension = string | DimensionSpec

export interface MetricValidation {
  min?: number
  max?: number
  not_null?: boolean
}

export const CHART_TYPES = ['line', 'bar', 'area'] as const
export type ChartType = (typeof CHART_TYPES)[number]

/** YAML `chart`: how the web page draws the metric. */
export interface ChartSpec {
  type?: ChartType
  /** stack the series of a split instead of overlaying them */
  stacked?: boolean
}

/** Types whose stored per-period values re-aggregate exactly, so a rollup can hold them. */
export const ROLLUP_TYPES = ['sum', 'count', 'count_distinct', 'avg', 'min', 'max'] as const

/** YAML `rollups` item: a table of the metric pre-aggregated per `grain` period and `by` dimensions. */
export interface RollupSpec {
  grain: Grain
  by?: string[]
}

export interface MetricDefinition {
  /** `<category>/<name>` */
  id: string
  name: string
  category: string
  display_name?: string
  description?: string
  type?: MetricType
  unit?: string
  grain?: Grain
  /**
   * Roll-up over time for snapshot (semi-additive) metrics: computed at `grain` first, then e.g.
   * `last` keeps the last sub-period with data. Absent: computed directly at the query grain.
   */
  time_aggregation?: TimeAggregation
  /** YAML `table` */
  table_name?: string
  tables?: string[]
  /** SQL expression over `table` that `type` aggregates (e.g. `amount` for a sum). */
  expression?: string
  time_column?: string
  dimensions?: Dimension[]
  filters?: string[]
  synonyms?: string[]
  notes?: string
  sql?: string
  /** YAML `sql_by_<name>` */
  sql_variants?: Record<string, string>
  validation?: MetricValidation
  numerator?: string
  denominator?: string
  formula?: string
  /** For type `percentile`: a fraction in [0, 1]. */
  percentile?: number
  points_key?: string
  owner?: string
  aliases?: string[]
  chart?: ChartSpec
  rollups?: RollupSpec[]
}

/** A definition as stored: the YAML fields plus bookkeeping. */
export interface StoredMetric extends MetricDefinition {
  version: number
  content_hash: string
  source?: string
  /** the YAML file it was last imported from */
  source_file?: string
  created_at: string
  updated_at: string
}

export function dimensionName(d: Dimension): string {
  return typeof d === 'string' ? d : d.name
}

export function dimensionSpec(d: Dimension): DimensionSpec {
  return typeof d === 'string' ? {name: d} : d
}
