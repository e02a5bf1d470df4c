import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import {renderTable, truncate} from '../cli/render.js'
import type {StoredMetric} from '../catalog/types.js'
import {sparkline} from '../cli/terminal-chart.js'
import type {CatalogApi} from '../core/catalog-api.js'
import {formatValue} from '../core/numbers.js'

const SPARK_PERIODS = 12

/** A metric's last periods at its grain (whole metric, no split); `error` when it could not be computed. */
interface Spark {
  grain: string | null
  periods: string[]
  values: (number | null)[]
  error?: string
}

async function lastPeriods(catalog: CatalogApi, id: string): Promise<Spark> {
  try {
    // `limit` keeps the latest periods, on a metric computed by its own SQL too
    const result = await catalog.queryMetric({metric: id, limit: SPARK_PERIODS})
    return {grain: result.grain, periods: result.rows.map((r) => String(r.period)), values: result.rows.map((r) => (typeof r.value === 'number' ? r.value : null))}
  } catch (error) {
    return {grain: null, periods: [], values: [], error: error instanceof Error ? error.message : String(error)}
  }
}

function latest(spark: Spark, unit: string | null | undefined): string {
  if (spark.error) return 'not computed'
  let i = spark.values.length - 1
  while (i >= 0 && spark.values[i] === null) i--
  return i < 0 ? '' : `${formatValue(spark.values[i]!, unit)} (${spark.periods[i]})`
}

export default class List extends BaseCommand {
  static readOnly = true
  static summary = 'List metrics, optionally of one category.'
  static examples = ['<%= config.bin %> list', '<%= config.bin %> list --category revenue', '<%= config.bin %> list --spark', '<%= config.bin %> list --json']
  static flags = {
    category: Flags.string({char: 'c', description: 'only metrics of this category'}),
    spark: Flags.boolean({description: `a sparkline of each metric's last ${SPARK_PERIODS} periods at its grain (runs one query per metric)`}),
  }

  async run(): Promise<{metrics: (StoredMetric & {spark?: Spark})[]}> {
    const {flags} = await this.parse(List)
    const catalog = await this.catalog()
    const metrics: (StoredMetric & {spark?: Spark})[] = await catalog.list({category: flags.category})
    if (flags.spark) for (const m of metrics) m.spark = await lastPeriods(catalog, m.id)
    if (!this.jsonEnabled()) {
      if (metrics.length === 0) this.logToStderr(flags.category ? `No metrics in category ${flags.category}.` : 'No metrics yet: run `metricat import metrics/` or `metricat init --demo`.')
      else if (flags.spark) {
        this.log(renderTable(['id', 'display name', 'unit', `last ${SPARK_PERIODS}`, 'latest'], metrics.map((m) => [m.id, m.display_name, m.unit, sparkline(m.spark!.values), latest(m.spark!, m.unit)])))
      } else this.log(renderTable(['id', 'display name', 'type', 'unit', 'description'], metrics.map((m) => [m.id, m.display_name, m.type, m.unit, truncate(m.description, 60)])))
    }
    return {metrics}
  }
}
