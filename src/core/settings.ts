import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {CatalogError} from '../errors.js'

/**
 * `metricat.config.yml` in the current directory: the settings a team keeps next to its metrics,
 * below the command line and the environment (flag, then METRICAT_*, then this file):
 *
 *   warehouse: clickhouse://analyst@clickhouse.internal:8123/analytics
 *   points: clickhouse://metricat@clickhouse.internal:8123/points
 *
 * `${NAME}` in a value is the environment variable NAME (an unset one is an error), so a password
 * need not be written in the file.
 */
export const CONFIG_FILE = 'metricat.config.yml'

export const SETTINGS = {
  warehouse: 'METRICAT_WAREHOUSE',
  points: 'METRICAT_POINTS',
} as const
export type SettingName = keyof typeof SETTINGS

const read = new Map<string, Partial<Record<SettingName, string>>>()

/** The settings of `dir`'s config file ({} without one), read once per process; a bad file is a one-line BAD_REQUEST naming file:line. */
export async function configFile(dir = process.cwd(), env: NodeJS.ProcessEnv = process.env): Promise<Partial<Record<SettingName, string>>> {
  const file = path.join(dir, CONFIG_FILE)
  const known = read.get(file)
  if (known) return known
  if (!existsSync(file)) return {}
  const {LineCounter, parseDocument, isMap, isScalar} = await import('yaml')
  const lines = new LineCounter()
  const doc = parseDocument(readFileSync(file, 'utf8'), {lineCounter: lines})
  const at = (offset: number | undefined) => `${file}:${offset === undefined ? 1 : lines.linePos(offset).line}`
  const bad = (offset: number | undefined, what: string) => new CatalogError('BAD_REQUEST', `${at(offset)}: ${what}`, {file})
  if (doc.errors.length > 0) throw bad(doc.errors[0]!.pos[0], `not valid YAML (${doc.errors[0]!.message.split('\n')[0]})`)
  const settings: Partial<Record<SettingName, string>> = {}
  if (doc.contents === null) return settings
  if (!isMap(doc.contents)) throw bad(doc.contents.range?.[0], `expected a mapping of settings (${Object.keys(SETTINGS).join(', ')})`)
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : ''
    const offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined
    if (!Object.hasOwn(SETTINGS, key)) throw bad(offset, `unknown setting "${key}"; expected ${Object.keys(SETTINGS).join(' or ')}`)
    const value = isScalar(pair.value) ? pair.value.value : undefined
    if (typeof value !== 'string' || value === '') throw bad(offset, `${key} must be a non-empty string (a URL or a file path)`)
    settings[key as SettingName] = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      const v = env[name]
      if (v === undefined) throw bad(offset, `${key} uses \${${name}}, which is not set in the environment`)
      return v
    })
  }
  read.set(file, settings)
  return settings
}

/** A setting's value: the flag, else its environment variable, else the config file of the current directory. */
export async function setting(name: SettingName, flag: string | undefined): Promise<string | undefined> {
  return flag || process.env[SETTINGS[name]] || (await configFile())[name]
}
