import {describe, expect, it} from 'vitest'
import {addPeriods, parseTimeBound, truncateDate} from '../../src/query/dates.js'

describe('parseTimeBound', () => {
  it('accepts a date', () => {
    expect(parseTimeBound('2024-02-29', '--from')).toEqual({text: '2024-02-29', date: {year: 2024, month: 2, day: 29}, hasTime: false})
  })

  it('normalises a timestamp with an offset to UTC', () => {
    expect(parseTimeBound('2024-01-01T01:30:00+02:00', '--from').text).toBe('2023-12-31 23:30:00')
    expect(parseTimeBound('2024-01-01T10:00Z', '--from').text).toBe('2024-01-01 10:00:00')
    expect(parseTimeBound('2024-01-01 10:00:00.123456', '--to').text).toBe('2024-01-01 10:00:00.123456')
  })

  it('marks midnight timestamps as having no time', () => {
    expect(parseTimeBound('2024-01-01T00:00:00Z', '--from').hasTime).toBe(false)
    expect(parseTimeBound('2024-01-01T00:00:01Z', '--from').hasTime).toBe(true)
  })

  it.each(['2024-13-01', '2023-02-29', '2024-1-1', '2024-01-01T25:00', '01/02/2024', 'today', "2024-01-01'; --", ''])(
    'rejects %j with the expected format',
    (text) => {
      expect(() => parseTimeBound(text, '--from')).toThrow(`bad date ${JSON.stringify(text)} for --from; expected YYYY-MM-DD`)
    },
  )

  it('rejects a non-string', () => {
    expect(() => parseTimeBound(20240101, '--to')).toThrow(/bad date 20240101 for --to/)
  })
})

describe('truncateDate', () => {
  const d = {year: 2024, month: 8, day: 18}
  it('truncates to each grain, weeks to Monday', () => {
    expect(truncateDate(d, 'day')).toEqual(d)
    expect(truncateDate(d, 'week')).toEqual({year: 2024, month: 8, day: 12})
    expect(truncateDate({year: 2024, month: 8, day: 12}, 'week')).toEqual({year: 2024, month: 8, day: 12})
    expect(truncateDate({year: 2024, month: 1, day: 3}, 'week')).toEqual({year: 2024, month: 1, day: 1})
    expect(truncateDate(d, 'month')).toEqual({year: 2024, month: 8, day: 1})
    expect(truncateDate(d, 'quarter')).toEqual({year: 2024, month: 7, day: 1})
    expect(truncateDate(d, 'year')).toEqual({year: 2024, month: 1, day: 1})
  })

  it('shifts by periods clamping month ends like DuckDB', () => {
    expect(addPeriods({year: 2024, month: 3, day: 31}, 'month', -1)).toEqual({year: 2024, month: 2, day: 29})
    expect(addPeriods({year: 2024, month: 2, day: 29}, 'year', -1)).toEqual({year: 2023, month: 2, day: 28})
    expect(addPeriods({year: 2024, month: 1, day: 1}, 'week', -1)).toEqual({year: 2023, month: 12, day: 25})
    expect(addPeriods({year: 2024, month: 1, day: 1}, 'quarter', -1)).toEqual({year: 2023, month: 10, day: 1})
  })
})
