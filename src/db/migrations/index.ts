import initial from './0001-initial.js'
import points from './0002-points.js'
import apiTokens from './0003-api-tokens.js'
import timeAggregation from './0004-time-aggregation.js'
import textDimensions from './0005-text-dimensions.js'
import vocabulary from './0006-vocabulary.js'
import scheduledSources from './0007-scheduled-sources.js'
import chart from './0008-chart.js'
import dataVersions from './0009-data-versions.js'
import rollups from './0010-rollups.js'
import definitionFieldsJson from './0011-definition-fields-json.js'

export interface Migration {
  version: number
  name: string
  sql: string
}

/** Every migration, in order. Forward-only: never edit one that has shipped; add a new file. */
export const MIGRATIONS: Migration[] = [initial, points, apiTokens, timeAggregation, textDimensions, vocabulary, scheduledSources, chart, dataVersions, rollups, definitionFieldsJson]
