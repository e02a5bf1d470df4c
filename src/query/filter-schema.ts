import {FILTER_OPS} from './types.js'

/** Most filters one request may carry (README "Limits"). */
export const MAX_FILTERS = 20
/** Most values one `in`/`not_in` filter may list (README "Limits"). */
export const MAX_FILTER_VALUES = 1000

/**
 * JSON Schema of a request's structured filters (`[{dimension, op, value}]`), shared by the metric
 * query and points query bodies so both accept and refuse the same shapes.
 */
export const FILTERS_SCHEMA = {
  type: 'array',
  maxItems: MAX_FILTERS,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['dimension', 'op'],
    properties: {
      dimension: {type: 'string', minLength: 1, maxLength: 200},
      op: {enum: [...FILTER_OPS]},
      value: {type: ['string', 'number', 'boolean', 'null', 'array'], items: {type: ['string', 'number', 'boolean']}, maxItems: MAX_FILTER_VALUES},
    },
  },
} as const
