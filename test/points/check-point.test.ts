import {describe, expect, it} from 'vitest'

import {schemaValidator} from '../../src/catalog/schema.js'
import {canonicalDimensions, describePoint, fillDefaults, normalizePoint} from '../../src/points/check-point.js'
import {formatInstant, parsePointDate} from '../../src/points/point-date.js'

const base = {metricKey: 'game.players', date: '2026-05-01', value: 1}

describe('parsePointDate', () => {
  it.each([
    ['2026-05-01', '2026-05-01 00:00:00.000000'],
    ['2026-05-01T10:20', '2026-05-01 10:20:00.000000'],
    ['2026-05-01T10:20:30Z', '2026-05-01 10:20:30.000000'],
    ['2026-05-01 10:20:30', '2026-05-01 10:20:30.000000'],
    ['2026-05-01T10:20:30.5Z', '2026-05-01 10:20:30.500000'],
    ['2026-05-01T10:20:30.123456789Z', '2026-05-01 10:20:30.123456'],
    ['2026-05-01T01:00:00+02:00', '2026-04-30 23:00:00.000000'],
    ['2026-05-01T23:30:00-0130', '2026-05-02 01:00:00.000000'],
    ['2026-05-01T10:00:00+05', '2026-05-01 05:00:00.000000'],
    ['2024-02-29', '2024-02-29 00:00:00.000000'],
    ['0099-03-01', '0099-03-01 00:00:00.000000'],
  ])('reads %s as %s UTC', (text, utc) => {
    expect(formatInstant(parsePointDate(text)!)).toBe(utc)
  })

  it.each(['2026-02-30', '2025-02-29', '2026-13-01', '2026-05-01T24:00', '2026-05-01T10:60', '2026-05-01T10:00:00+24:00', '0000-01-01', '2026-5-1', '20260501', 'yesterday', '2026-05-01T10'])(
    'rejects %s',
    (text) => {
      expect(parsePointDate(text)).toBeUndefined()
    },
  )
})

describe('canonicalDimensions', () => {
  it('sorts keys, so key order does not matter', () => {
    expect(canonicalDimensions({region: 'EU', platform: 'steam'})).toBe('{"platform":"steam","region":"EU"}')
    expect(canonicalDimensions({platform: 'steam', region: 'EU'})).toBe('{"platform":"steam","region":"EU"}')
  })

  it('sorts integer-like keys as text too (JS objects list them first, numerically)', () => {
    expect(canonicalDimensions({b: 1, 10: 'x', 9: 'y'})).toBe('{"10":"x","9":"y","b":"1"}')
  })

  it('stores numbers and booleans as their text, so 1 and "1" are one value', () => {
    expect(canonicalDimensions({s: '1', n: 1, b: true})).toBe('{"b":"true","n":"1","s":"1"}')
    expect(canonicalDimensions({n: 1e21, m: -0.5})).toBe('{"m":"-0.5","n":"1e+21"}')
    expect(canonicalDimensions({})).toBe('{}')
  })

  it.each([[{a: null}], [{a: [1]}], [{a: {b: 1}}], [{a: Number.NaN}], [{'': 'x'}]])('rejects %j', (dims) => {
    expect(canonicalDimensions(dims as Record<string, unknown>)).toBeUndefined()
  })
})

describe('normalizePoint', () => {
  it('stores absent key parts as empty strings and absent dimensions as {}', () => {
    expect(normalizePoint(base, undefined)).toEqual({
      metricKey: 'game.players',
      dataSourceId: '',
      entityKind: '',
      entityId: '',
      granularity: '',
      dateMs: Date.UTC(2026, 4, 1),
      dateUs: 0,
      dimensions: '{}',
      value: 1,
      connectorKey: null,
      sourceKind: null,
      increment: false,
    })
  })

  it('fills defaults only where the point lacks the field', () => {
    const p = normalizePoint({...base, entityId: '1'}, {entityKind: 'game', entityId: '2', dataSourceId: 'steam', connectorKey: 'c', sourceKind: 'api'})!
    expect([p.entityKind, p.entityId, p.dataSourceId, p.connectorKey, p.sourceKind]).toEqual(['game', '1', 'steam', 'c', 'api'])
    expect(fillDefaults({...base, entityId: '1'}, {entityKind: 'game', entityId: '2'})).toEqual({...base, entityId: '1', entityKind: 'game'})
  })

  // Every case here must be rejected by the hand check, the JSON Schema or the extra checks,
  // and described with at least one message: the fast path and the schema agree.
  const bad: [string, unknown][] = [
    ['not an object', 42],
    ['an array', [base]],
    ['missing metricKey', {date: '2026-05-01', value: 1}],
    ['missing date', {metricKey: 'a', value: 1}],
    ['missing value', {metricKey: 'a', date: '2026-05-01'}],
    ['empty metricKey', {...base, metricKey: ''}],
    ['value as a string', {...base, value: '1'}],
    ['value null', {...base, value: null}],
    ['value NaN', {...base, value: Number.NaN}],
    ['date as an epoch number outside years 1-9999', {...base, date: 1e16}],
    ['date as a boolean', {...base, date: true}],
    ['bad date text', {...base, date: 'May 1st'}],
    ['impossible date', {...base, date: '2026-02-30'}],
    ['unknown granularity', {...base, granularity: 'minute'}],
    ['unknown field', {...base, vlaue: 2}],
    ['dimension object', {...base, dimensions: {a: {b: 1}}}],
    ['dimension null', {...base, dimensions: {a: null}}],
    ['dimensions as a list', {...base, dimensions: ['a']}],
    ['empty dimension name', {...base, dimensions: {'': 'x'}}],
    ['entityId as a number', {...base, entityId: 730}],
    ['empty entityKind', {...base, entityKind: ''}],
    ['too long metricKey', {...base, metricKey: 'x'.repeat(201)}],
  ]

  it.each(bad)('rejects %s and says why', (_, raw) => {
    expect(normalizePoint(raw, undefined)).toBeUndefined()
    const issues = describePoint(raw)
    expect(issues.length).toBeGreaterThan(0)
    expect(issues.every((i) => i.message.length > 0 && i.message !== 'invalid point')).toBe(true)
  })

  const good: unknown[] = [
    base,
    {...base, granularity: 'day', dimensions: {platform: 'steam', beta: true, tier: 2}, entityKind: 'game', entityId: '730', dataSourceId: 's', connectorKey: 'k', sourceKind: 'api'},
    {...base, date: '2026-05-01T10:00:00.123+02:00', value: -1.5e-7},
    {...base, dimensions: {}},
  ]

  it.each(good)('accepts %j, as the JSON Schema does', (raw) => {
    expect(normalizePoint(raw, undefined)).toBeDefined()
    expect(schemaValidator('point.schema.json')(raw)).toBe(true)
  })
})

describe('describePoint', () => {
  it('suggests the field a typo meant', () => {
    expect(describePoint({...base, vlaue: 2})).toContainEqual({path: '/vlaue', message: 'unknown field "vlaue"; did you mean "value"?'})
  })

  it('names the field, what it must be and what it got', () => {
    expect(describePoint({...base, value: '12'})).toEqual([{path: '/value', message: 'value must be a number, got a string "12"'}])
    expect(describePoint({date: '2026-05-01', value: 1})).toEqual([{path: '/metricKey', message: 'missing required field "metricKey"'}])
    expect(describePoint({...base, granularity: 'minute'})).toEqual([
      {path: '/granularity', message: 'granularity must be one of hour, day, week, month, quarter, year, hourly, daily, weekly, monthly, quarterly, yearly, got "minute"'},
    ])
    expect(describePoint({...base, dimensions: {a: null}})).toEqual([{path: '/dimensions/a', message: 'dimension "a" must be a string or a number or true or false, got null'}])
  })

  it('names a bad dimension name as such', () => {
    expect(describePoint({...base, dimensions: {'': 1}})).toEqual([{path: '/dimensions', message: 'dimension names must not be empty'}])
  })

  it('lists every problem of a point, including ones a pattern cannot see', () => {
    const messages = describePoint({metricKey: 'a', date: '2026-02-30', value: 'x'}).map((i) => i.message)
    expect(messages).toEqual(['value must be a number, got a string "x"', 'date "2026-02-30" is not a valid calendar date and time in years 0001-9999 (UTC)'])
  })
})
