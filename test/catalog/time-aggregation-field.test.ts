import {describe, expect, it} from 'vitest'

import {diffDefinitions} from '../../src/catalog/diff.js'
import {metricToYaml, parseMetricYaml} from '../../src/catalog/yaml.js'
import {newCatalog, tempDir} from '../helpers.js'

const MRR = 'name: mrr\ntype: sum\ngrain: month\ntime_aggregation: last\ntable: subs\ntime_column: month\nexpression: mrr\n'

describe('time_aggregation in definitions', () => {
  it('is read from YAML and exported right after grain', () => {
    const {metrics, problems} = parseMetricYaml(MRR, 'metrics/revenue/mrr.yml', 'revenue')
    expect(problems).toEqual([])
    expect(metrics[0]!.definition.time_aggregation).toBe('last')
    expect(metricToYaml(metrics[0]!.definition)).toBe(MRR)
  })

  it('refuses an unknown roll-up, naming the field and the allowed values', () => {
    const {problems} = parseMetricYaml(MRR.replace('last', 'median'), 'metrics/revenue/mrr.yml', 'revenue')
    expect(problems[0]).toMatchObject({file: 'metrics/revenue/mrr.yml', line: 4})
    expect(problems[0]!.message).toMatch(/sum, last, first, avg, min, max/)
  })

  it('refuses it on a derived metric, whose inputs roll up their own way', () => {
    const {problems} = parseMetricYaml('name: arr\ntype: derived\nformula: revenue/mrr * 12\ntime_aggregation: last\n', 'metrics/revenue/arr.yml', 'revenue')
    expect(problems.length).toBeGreaterThan(0)
  })

  it('shows up in diff', () => {
    const before = parseMetricYaml(MRR, 'a.yml', 'revenue').metrics[0]!.definition
    const after = parseMetricYaml(MRR.replace('last', 'avg'), 'a.yml', 'revenue').metrics[0]!.definition
    expect(diffDefinitions(before, after)).toEqual([{field: 'time_aggregation', before: 'last', after: 'avg'}])
  })

  it('is stored and read back', async () => {
    const t = tempDir()
    const catalog = await newCatalog(t.dir)
    try {
      const {metric} = await catalog.putMetric({name: 'mrr', category: 'revenue', type: 'sum', grain: 'month', time_aggregation: 'last', table: 'subs', time_column: 'month', expression: 'mrr'})
      expect(metric.time_aggregation).toBe('last')
      catalog.close()
      const again = await newCatalog(t.dir)
      expect((await again.get('revenue/mrr')).time_aggregation).toBe('last')
      again.close()
    } finally {
      t.cleanup()
    }
  })
})
