import type {ChartSpec, Grain, MetricDefinition} from './types.js'

const COARSE: ReadonlySet<Grain> = new Set(['week', 'month', 'quarter', 'year'])

/**
 * The chart a metric is drawn as at `grain`: its YAML `chart` where it says, else bar for counts
 * (count, count_distinct) at a week or coarser, line otherwise; not stacked unless it says so.
 */
export function chartFor(def: Pick<MetricDefinition, 'chart' | 'type' | 'grain'>, grain?: Grain | null): Required<ChartSpec> {
  const at = grain ?? def.grain ?? 'month'
  const counts = def.type === 'count' || def.type === 'count_distinct'
  return {type: def.chart?.type ?? (counts && COARSE.has(at) ? 'bar' : 'line'), stacked: def.chart?.stacked ?? false}
}
