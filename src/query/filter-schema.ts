import {FILTER_OPS} from './types.js'

/**
 * JSON Schema of a request's structured filters (`[{dimension, op, value}]`), shared by the metric
 * query and points query bodies so both accept and refuse the same shapes.
 */
export const FILTERS_SCHEMA = {
  type: 'array',
  maxItems: 100,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['dimension', 'op'],
    properties: {
      dimension: {type: 'string', minLength: 1, maxLength: 200},
      op: {enum: [...FILTER_OPS]},
      value: {type: ['string', 'number', 'boolean', 'null', 'array'], items: {type: ['string', 'number', 'boolean']}, maxItems: 10_000},
    },
  },
} as const
