import {GRAIN_ALIASES} from '../catalog/types.js'
import type {ValidationDetail} from '../errors.js'
import {PERIOD_GRAINS} from '../query/grains.js'
import type {Filter} from '../query/types.js'

/** How a granularity is stored and reported: the bucket names. */
export const GRANULARITIES = ['hour', 'day', 'week', 'month', 'quarter', 'year'] as const
export type Granularity = (typeof GRANULARITIES)[number]

/**
 * HIT metrics-core's spellings, accepted wherever a granularity is (points, queries, flags) and
 * stored as the canonical name: the metric grains' aliases (one table) plus `hourly`.
 */
export const GRANULARITY_ALIASES = {hourly: 'hour', ...GRAIN_ALIASES} as const satisfies Record<string, Granularity>

/** Every accepted spelling: the canonical names, then HIT's. */
export const GRANULARITY_INPUTS = [...GRANULARITIES, ...(Object.keys(GRANULARITY_ALIASES) as (keyof typeof GRANULARITY_ALIASES)[])] as const
export type GranularityInput = (typeof GRANULARITY_INPUTS)[number]

/** The canonical name of an accepted granularity spelling; undefined for anything else. */
export function canonicalGranularity(text: unknown): Granularity | undefined {
  if (typeof text !== 'string') return undefined
  if ((GRANULARITIES as readonly string[]).includes(text)) return text as Granularity
  return Object.hasOwn(GRANULARITY_ALIASES, text) ? GRANULARITY_ALIASES[text as keyof typeof GRANULARITY_ALIASES] : undefined
}

/** A points query's periods: the compiler's grains (src/query/grains.ts), or none (one row per group). */
export const BUCKETS = [...PERIOD_GRAINS, 'none'] as const
export type Bucket = (typeof BUCKETS)[number]

/**
 * Named aggregations of the points in a bucket. p50..p99 are the continuous percentiles
 * (linear interpolation between the two nearest values, like `percentile:0.9`); rate is the
 * bucket's sum divided by the seconds it covers.
 */
export const AGGS = ['sum', 'avg', 'min', 'max', 'count', 'last', 'p50', 'p90', 'p95', 'p99', 'rate'] as const
/** A named aggregation, or `percentile:F` with F from 0 to 1 (e.g. `percentile:0.75`). */
export type Agg = (typeof AGGS)[number] | `percentile:${string}`
/** What `percentile:F` must look like: a fraction from 0 to 1. */
export const PERCENTILE_AGG_PATTERN = '^percentile:(0(\\.[0-9]{1,6})?|1(\\.0{1,6})?)$'

/** How a point's value meets the stored one: replace it (the default) or be added to it (a counter). */
export const POINT_OPS = ['replace', 'increment'] as const
export type PointOp = (typeof POINT_OPS)[number]

export type DimensionValue = string | number | boolean

/** A point as scripts send it (README "The point format", schemas/point.schema.json). */
export interface Point {
  metricKey: string
  /** ISO 8601 date or date-time (no zone means UTC), or epoch seconds / milliseconds (told apart by size) */
  date: string | number
  value: number
  granularity?: GranularityInput
  /** values are stored as text: 1, "1" and true/"true" are one value; null means none */
  dimensions?: Record<string, DimensionValue> | null
  entityKind?: string
  entityId?: string
  dataSourceId?: string
  connectorKey?: string
  sourceKind?: string
  /** replace (default): the value replaces a stored one; increment: it is added to the stored value (0 when none) */
  op?: PointOp
}

/** Fields filled in where a point lacks them (`metricat run --entity-kind ...`). */
export interface PointDefaults {
  entityKind?: string
  entityId?: string
  dataSourceId?: string
  connectorKey?: string
  sourceKind?: string
}

export const DEFAULT_FIELDS = ['entityKind', 'entityId', 'dataSourceId', 'connectorKey', 'sourceKind'] as const

/** A checked point as it is staged: absent key parts are '', the date is split into ms + µs. */
export interface NormalizedPoint {
  metricKey: string
  dataSourceId: string
  entityKind: string
  entityId: string
  granularity: string
  /** milliseconds since the epoch, UTC */
  dateMs: number
  /** microseconds past `dateMs` (0-999) */
  dateUs: number
  /** canonical JSON: sorted keys, no whitespace; '{}' when absent */
  dimensions: string
  value: number
  connectorKey: string | null
  sourceKind: string | null
  /** `op: "increment"`: the value is added to the stored one */
  increment: boolean
}

/** One bad point: `line` for text input (1-based), `index` for the point's position (0-based). */
export interface PointProblem extends ValidationDetail {
  index?: number
}

export interface IngestProgress {
  phase: 'reading' | 'writing'
  /** points read so far */
  points: number
  /** bytes read so far, for text input */
  bytes: number
  /** time the ingest has worked on its input so far, from the first chunk; waits for input (a program's output, a slow client) are left out */
  elapsedMs: number
}

export interface IngestResult {
  /** job id in metricat.jobs */
  jobId: string
  /** where the points came from: a file name, `stdin`, `body` or a command line */
  source: string
  format: 'ndjson' | 'json' | 'array'
  /** points read (all valid) */
  points: number
  /** points after in-batch duplicates were resolved (last one wins) */
  distinct: number
  duplicates: number
  inserted: number
  updated: number
  unchanged: number
  /** snapshot runs: stored points of the source that the run no longer reported, deleted */
  deleted?: number
  ms: number
}

/** A points query (CLI flags, HTTP body): one shape everywhere. */
export interface PointsQuery {
  key: string
  /** inclusive; ISO date or date-time */
  from?: string
  /** exclusive; ISO date or date-time */
  to?: string
  bucket?: Bucket
  agg?: Agg
  /** dimension filters, as in metric queries: `{dimension, op, value}` */
  filters?: Filter[]
  /** dimension keys to group by */
  by?: string[]
  entityKind?: string
  entityId?: string
  dataSourceId?: string
  granularity?: GranularityInput
  limit?: number
}

export type PointsRow = Record<string, string | number | boolean | null>

export interface PointsResult {
  key: string
  bucket: Bucket
  agg: Agg
  columns: string[]
  rows: PointsRow[]
  sql: string
  params: (string | number | boolean)[]
  /** whether `metricat serve` answered from its result cache; false everywhere else */
  cached?: boolean
}

export interface DataSource {
  id: string
  name: string
  connector_key: string | null
  source_kind: string | null
  entity_kind: string | null
  entity_id: string | null
  command: string | null
  schedule: string | null
  created_at: string
  updated_at: string
  last_run_at: string | null
  last_status: 'succeeded' | 'failed' | null
  last_error: string | null
  /** consecutive failed runs; 0 after a successful run */
  failure_count: number
  /** frequent (15 min), hourly, daily, weekly or manual; null: daily when it has a command */
  poll_frequency: string | null
  /** a cron expression (UTC), instead of poll_frequency */
  cron: string | null
  /** when the scheduler runs it next (null: never, e.g. manual or disabled) */
  next_poll_at: string | null
  last_success_at: string | null
  /** active, failing (the last run failed) or disabled (max_failures consecutive failures; `sources enable` resets) */
  status: 'active' | 'failing' | 'disabled'
  disabled_reason: string | null
  max_failures: number
  /** seconds before a run is stopped */
  timeout_seconds: number | null
  /** further attempts after a failed run, with backoff */
  retries: number
  /** series: points accumulate (upsert); snapshot: each successful run replaces the source's points per metric key */
  mode: 'series' | 'snapshot'
}

/** Fields a caller may set on a data source (`sources add`, `POST /api/data-sources`); names as stored. */
export interface DataSourceInput {
  id: string
  name?: string
  connector_key?: string
  source_kind?: string
  entity_kind?: string
  entity_id?: string
  command?: string
  schedule?: string
  poll_frequency?: string
  cron?: string
  max_failures?: number
  timeout_seconds?: number
  retries?: number
  mode?: string
}
