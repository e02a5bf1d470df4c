// A validator compiled ahead of time by another ajv version is not used (its schemaHash covers the
// ajv version). It must not even run: its code requires ajv's runtime helpers by path, and an ajv
// upgraded under a dist/ built before may have moved or dropped one, so loading the stale file to
// read its hash would fail the validation it was meant to step aside for.
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {compiledValidator, schemaPath, validatorHash} from '../../src/catalog/schema.js'
import {tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
beforeEach(() => ({dir, cleanup} = tempDir('metricat-stale-validator-')))
afterEach(() => cleanup())

describe('a validator compiled by another ajv version', () => {
  it('is passed over without loading its code (which may require a runtime helper the installed ajv lacks)', () => {
    const text = readFileSync(schemaPath('metric.schema.json'), 'utf8')
    const file = path.join(dir, 'metric.schema.cjs')
    writeFileSync(
      file,
      `"use strict";const gone = require("ajv/dist/runtime/helper-of-another-version").default;module.exports = function validate(data) { return gone(data) };\n` +
        `module.exports.schemaHash = ${JSON.stringify(validatorHash(text, '0.0.1'))};\n`,
    )
    expect(compiledValidator(file, text)).toBeUndefined()
  })

  it('is still used when it is current', () => {
    const text = readFileSync(schemaPath('metric.schema.json'), 'utf8')
    const file = path.join(dir, 'current.cjs')
    writeFileSync(file, `"use strict";module.exports = function validate() { return true };\nmodule.exports.schemaHash = ${JSON.stringify(validatorHash(text))};\n`)
    const validate = compiledValidator(file, text)
    expect(validate).toBeDefined()
    expect(validate!({})).toBe(true)
  })
})
