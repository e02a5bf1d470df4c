// Part of `npm run build` (after tsc): compiles each JSON Schema in schemas/ ahead of time into
// dist/catalog/compiled-schemas/<name>.cjs (ajv's standalone code), with the options and hash
// src/catalog/schema.ts uses. schemaValidator loads that code only while its schemaHash matches
// the schema file's text, the ajv version and the options, and compiles the schema itself otherwise.
import {mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {Ajv2020} from 'ajv/dist/2020.js'
import standaloneCode from 'ajv/dist/standalone/index.js'

import {AJV_OPTIONS, compiledSchemaPath, schemaPath, validatorHash} from '../dist/catalog/schema.js'

const schemas = fileURLToPath(new URL('../schemas/', import.meta.url))
for (const name of readdirSync(schemas).filter((f) => f.endsWith('.json')).sort()) {
  const text = readFileSync(schemaPath(name), 'utf8')
  const ajv = new Ajv2020({...AJV_OPTIONS, code: {...AJV_OPTIONS.code, source: true}})
  const code = standaloneCode.default(ajv, ajv.compile(JSON.parse(text)))
  const out = compiledSchemaPath(name)
  mkdirSync(path.dirname(out), {recursive: true})
  writeFileSync(out, `${code}\nmodule.exports.schemaHash = ${JSON.stringify(validatorHash(text))};\n`)
}
