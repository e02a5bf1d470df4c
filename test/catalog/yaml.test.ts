import {describe, expect, it} from 'vitest'

import {checkSemantics} from '../../src/catalog/semantic.js'
import {parseMetricYaml} from '../../src/catalog/yaml.js'
import {metricReferences} from '../../src/query/index.js'

function problems(text: string) {
  return parseMetricYaml(text, 'metrics/revenue/x.yml', 'revenue').problems
}

describe('parseMetricYaml', () => {
  it('reads a mapping, taking the category from the folder and mapping table and sql_by_ fields', () => {
    const {metrics, problems: p} = parseMetricYaml(
      'name: mrr\ntype: sum\ntable: subs\ntime_column: month\nexpression: mrr\nsql_by_plan: select 1\n',
      'f.yml',
      'revenue',
    )
    expect(p).toEqual([])
    expect(metrics[0]!.definition).toEqual({
      id: 'revenue/mrr', category: 'revenue', name: 'mrr', type: 'sum', table_name: 'subs', time_column: 'month', expression: 'mrr',
      sql_variants: {plan: 'select 1'},
    })
  })

  it('reads a list of mappings with each one\'s line', () => {
    const {metrics} = parseMetricYaml('- name: a\n  sql: select 1\n- name: b\n  category: other\n  sql: select 2\n', 'f.yml', 'cat')
    expect(metrics.map((m) => [m.definition.id, m.line])).toEqual([['cat/a', 1], ['other/b', 3]])
  })

  it('reports a YAML syntax error with its line and column', () => {
    const p = problems('name: mrr\ntype: [sum\ndescription: x\n')
    expect(p).toHaveLength(1)
    expect(p[0]).toMatchObject({file: 'metrics/revenue/x.yml', line: expect.any(Number), message: expect.stringMatching(/^YAML syntax error/)})
    expect(p[0]!.line).toBeGreaterThanOrEqual(2)
  })

  it('reports a missing name at the mapping', () => {
    expect(problems('display_name: X\nsql: select 1\n')).toEqual([
      {file: 'metrics/revenue/x.yml', line: 1, column: 1, path: '/name', message: 'missing required field "name"'},
    ])
  })

  it('reports a wrong type at the value with what was expected', () => {
    expect(problems('name: mrr\nsql: select 1\nsynonyms: recurring\n')).toEqual([
      {file: 'metrics/revenue/x.yml', line: 3, column: 11, path: '/synonyms', message: 'expected a list, got a string'},
    ])
  })

  it('reports an unknown field at its key, with a suggestion', () => {
    expect(problems('name: mrr\nsql: select 1\ndescripton: typo\n')).toEqual([
      {file: 'metrics/revenue/x.yml', line: 3, column: 1, path: '/descripton', message: 'unknown field "descripton"; did you mean "description"?'},
    ])
  })

  it('reports an unknown metric type with the allowed ones', () => {
    const [p] = problems('name: mrr\ntype: total\n')
    expect(p).toMatchObject({line: 2, column: 7, path: '/type'})
    expect(p!.message).toMatch(/^expected one of sum, count, count_distinct/)
  })

  it('reports a bad dimension mapping inside the list item, not both oneOf branches', () => {
    expect(problems('name: m\nsql: select 1\ndimensions:\n  - region\n  - name: country\n    exprr: upper(c)\n')).toEqual([
      {file: 'metrics/revenue/x.yml', line: 6, column: 5, path: '/dimensions/1/exprr', message: 'unknown field "exprr"; did you mean "expr"?'},
    ])
  })

  it('rejects a name that is not snake_case', () => {
    expect(problems('name: Total Revenue\nsql: select 1\n')[0]).toMatchObject({line: 1, column: 7, path: '/name', message: expect.stringMatching(/snake_case/)})
  })

  it('requires numerator and denominator on a ratio, unless it is computed by its sql', () => {
    const semantic = (text: string) => checkSemantics(parseMetricYaml(text, 'r.yml', 'c').metrics, metricReferences).map((x) => x.message)
    expect(semantic('name: r\ntype: ratio\nnumerator: c/r\n')).toContain('type ratio needs both "numerator" and "denominator" (metric ids), or a "sql" query (with an "expression" over its columns) and neither')
    expect(semantic('name: r\ntype: ratio\n')).toHaveLength(1)
    expect(semantic('name: r\ntype: ratio\nexpression: a / b\nsql: select 1 as a, 2 as b\n')).toEqual([])
  })
})
