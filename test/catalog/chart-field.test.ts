import {describe, expect, it} from 'vitest'

import {chartFor} from '../../src/catalog/chart.js'
import {diffDefinitions} from '../../src/catalog/diff.js'
import {metricToYaml, parseMetricYaml} from '../../src/catalog/yaml.js'
import {newCatalog, tempDir} from '../helpers.js'

const USERS = 'name: active_users\ntype: count_distinct\ngrain: month\ntable: events\ntime_column: at\nexpression: user_id\nchart:\n  type: area\n  stacked: true\n'

describe('chart in definitions', () => {
  it('is read from YAML and exported in a fixed place and key order', () => {
    const {metrics, problems} = parseMetricYaml(USERS, 'metrics/product/active_users.yml', 'product')
    expect(problems).toEqual([])
    expect(metrics[0]!.definition.chart).toEqual({type: 'area', stacked: true})
    expect(metricToYaml(metrics[0]!.definition)).toBe(USERS)
    // keys written the other way round come back in the export order
    const swapped = USERS.replace('  type: area\n  stacked: true\n', '  stacked: true\n  type: area\n')
    expect(metricToYaml(parseMetricYaml(swapped, 'a.yml', 'product').metrics[0]!.definition)).toBe(USERS)
  })

  it('refuses an unknown chart type, naming the file, line and the allowed values', () => {
    const {problems} = parseMetricYaml(USERS.replace('area', 'pie'), 'metrics/product/active_users.yml', 'product')
    expect(problems[0]).toMatchObject({file: 'metrics/product/active_users.yml', line: 8})
    expect(problems[0]!.message).toMatch(/line, bar, area/)
  })

  it('refuses an unknown key inside chart and a stacked that is not a boolean', () => {
    expect(parseMetricYaml(USERS.replace('stacked: true', 'colour: red'), 'a.yml', 'product').problems[0]!.message).toMatch(/unknown field "colour"/)
    expect(parseMetricYaml(USERS.replace('stacked: true', 'stacked: yes please'), 'a.yml', 'product').problems[0]!.message).toMatch(/expected true or false/)
  })

  it('shows up in diff, field by field', () => {
    const before = parseMetricYaml(USERS, 'a.yml', 'product').metrics[0]!.definition
    const after = parseMetricYaml(USERS.replace('area', 'bar'), 'a.yml', 'product').metrics[0]!.definition
    expect(diffDefinitions(before, after)).toEqual([{field: 'chart', before: {type: 'area', stacked: true}, after: {type: 'bar', stacked: true}}])
  })

  it('is stored, read back and versioned', async () => {
    const t = tempDir()
    const catalog = await newCatalog(t.dir)
    try {
      const record = {name: 'active_users', category: 'product', type: 'count_distinct', table: 'events', time_column: 'at', expression: 'user_id', chart: {type: 'bar'}}
      expect((await catalog.putMetric(record)).metric.chart).toEqual({type: 'bar'})
      expect((await catalog.putMetric({...record, chart: {type: 'line', stacked: false}})).change).toBe('update')
      catalog.close()
      const again = await newCatalog(t.dir)
      expect((await again.get('product/active_users')).chart).toEqual({type: 'line', stacked: false})
      expect((await again.history('product/active_users')).map((v) => v.definition.chart)).toEqual([{type: 'bar'}, {type: 'line', stacked: false}])
      again.close()
    } finally {
      t.cleanup()
    }
  })

  it('defaults by type: bar for counts at a week or coarser, line otherwise; what YAML says wins', () => {
    expect(chartFor({type: 'count', grain: 'month'})).toEqual({type: 'bar', stacked: false})
    expect(chartFor({type: 'count_distinct'}, 'week')).toEqual({type: 'bar', stacked: false})
    expect(chartFor({type: 'count', grain: 'month'}, 'day')).toEqual({type: 'line', stacked: false})
    expect(chartFor({type: 'sum', grain: 'month'})).toEqual({type: 'line', stacked: false})
    expect(chartFor({type: 'ratio'}, 'year')).toEqual({type: 'line', stacked: false})
    expect(chartFor({type: 'count', chart: {type: 'area', stacked: true}}, 'day')).toEqual({type: 'area', stacked: true})
    expect(chartFor({type: 'count', chart: {stacked: true}}, 'month')).toEqual({type: 'bar', stacked: true})
  })
})
