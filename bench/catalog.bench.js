// Catalog core: import of 1,000 generated metric files; cold `metricat show ID --json`.
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {parseDocument} from 'yaml'

import {openCatalog} from '../dist/core/catalog.js'
import {listMetricFiles} from '../dist/catalog/yaml.js'
import {BIN, alternate, freshDir, report, time, timeProcess} from './lib.js'

// `distinct`: every file's SQL texts (sql, expression, filter, dimension expr) differ from the
// others'; otherwise all files share the same four (the import parses each distinct text once).
function generateMetrics(dir, count, {distinct = false} = {}) {
  const types = ['sum', 'count', 'avg', 'count_distinct', 'max']
  for (let i = 0; i < count; i++) {
    const k = distinct ? ` + ${i}` : ''
    const category = `category_${String(i % 10).padStart(2, '0')}`
    const name = `metric_${String(i).padStart(4, '0')}`
    mkdirSync(path.join(dir, category), {recursive: true})
    const type = types[i % types.length]
    writeFileSync(
      path.join(dir, category, `${name}.yml`),
      `name: ${name}
display_name: Metric ${i}
description: Generated metric number ${i}, a ${type} over orders for the import benchmark.
type: ${type}
unit: USD
grain: month
table: orders
time_column: ordered_at
expression: amount${k}
dimensions:
  - region
  - channel
  - name: plan
    expr: lower(plan)${distinct ? ` || '${i}'` : ''}
filters:
  - status = 'completed'${distinct ? ` AND amount > ${i}` : ''}
synonyms:
  - generated ${i}
  - bench metric ${i}
owner: bench@example.com
sql: |
  SELECT date_trunc('month', ordered_at) AS period, sum(amount${k}) AS value
  FROM orders
  WHERE status = 'completed'
  GROUP BY 1
notes: |
  Line one of the notes for ${name}.
  Line two.
`,
    )
  }
}

export async function run() {
  console.log('\nCatalog core')
  const dir = freshDir('catalog')
  const metrics = path.join(dir, 'metrics')
  generateMetrics(metrics, 1000)

  const baseline = await time(async () => {
    for (const f of await listMetricFiles(metrics)) parseDocument(readFileSync(f, 'utf8')).toJSON()
  })
  const db = path.join(dir, 'import.duckdb')
  const catalog = await openCatalog({db, create: true})
  const imported = await time(() => catalog.importPath(metrics))
  catalog.close()
  if (imported.result.added.length !== 1000) throw new Error(`expected 1000 added, got ${imported.result.added.length}`)
  report('import 1,000 metric files (target <= 2000 ms absolute)', {
    value: imported.ms,
    baseline: baseline.ms,
    note: `absolute ${imported.ms <= 2000 ? 'ok' : 'MISSED'}; baseline = read + YAML-parse the same files`,
  })

  // The same with every SQL text distinct (4,000 texts for DuckDB to parse instead of 4).
  const distinctDir = path.join(dir, 'metrics-distinct')
  generateMetrics(distinctDir, 1000, {distinct: true})
  const distinctBaseline = await time(async () => {
    for (const f of await listMetricFiles(distinctDir)) parseDocument(readFileSync(f, 'utf8')).toJSON()
  })
  const other = await openCatalog({db: path.join(dir, 'import-distinct.duckdb'), create: true})
  const importedDistinct = await time(() => other.importPath(distinctDir))
  other.close()
  if (importedDistinct.result.added.length !== 1000) throw new Error(`expected 1000 added, got ${importedDistinct.result.added.length}`)
  report('import 1,000 metric files, every SQL text distinct', {
    value: importedDistinct.ms,
    baseline: distinctBaseline.ms,
    note: 'informational; runs after the first import (modules loaded, schema compiled); baseline = read + YAML-parse the same files',
  })

  const id = 'category_03/metric_0503'
  const {a: show, b: bare} = alternate(
    15,
    () => timeProcess(process.execPath, [BIN, 'show', id, '--json', '--db', db]),
    () => timeProcess(process.execPath, ['bench/bare-show.js', db, id]),
  )
  report('cold `metricat show ID --json` / bare node + DuckDB select', {value: show, baseline: bare, target: 1.3})
  // The same, against a baseline that also loads DuckDB with require() (informational: shows
  // how much of the margin is oclif and metricat's own code).
  const strict = alternate(
    15,
    () => timeProcess(process.execPath, [BIN, 'show', id, '--json', '--db', db]),
    () => timeProcess(process.execPath, ['bench/bare-show.js', db, id, 'require']),
  )
  report('cold `metricat show ID --json` / bare node (DuckDB via require) + select', {value: strict.a, baseline: strict.b, note: 'informational'})
}
