// metricat.config.yml: settings kept next to the metrics (warehouse, points), below flag and
// environment; bad files are one-line errors naming file:line.
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {describe, expect, it} from 'vitest'

import {CONFIG_FILE, configFile} from '../../src/core/settings.js'

function dirWith(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'metricat-config-'))
  writeFileSync(path.join(dir, CONFIG_FILE), text)
  return dir
}

describe('metricat.config.yml', () => {
  it('reads warehouse and points, with ${NAME} from the environment', async () => {
    const dir = dirWith('# team settings\nwarehouse: clickhouse://analyst:${CH_PASSWORD}@ch.internal:8123/analytics\npoints: ./points.duckdb\n')
    expect(await configFile(dir, {CH_PASSWORD: 's3cret'})).toEqual({warehouse: 'clickhouse://analyst:s3cret@ch.internal:8123/analytics', points: './points.duckdb'})
  })

  it('is empty without a file, and for an empty file', async () => {
    expect(await configFile(mkdtempSync(path.join(tmpdir(), 'metricat-config-')))).toEqual({})
    expect(await configFile(dirWith(''))).toEqual({})
  })

  it.each([
    ['warehouse: a.duckdb\nwarehous: b.duckdb\n', /metricat\.config\.yml:2: unknown setting "warehous"; expected warehouse or points$/],
    ['- warehouse\n', /metricat\.config\.yml:1: expected a mapping of settings \(warehouse, points\)$/],
    ['\n\nwarehouse: 12\n', /metricat\.config\.yml:3: warehouse must be a non-empty string/],
    ['warehouse: clickhouse://u:${NOPE_NOT_SET}@h:1/d\n', /metricat\.config\.yml:1: warehouse uses \$\{NOPE_NOT_SET\}, which is not set in the environment$/],
    ['warehouse: [unclosed\n', /metricat\.config\.yml:\d+: not valid YAML/],
  ])('refuses %j in one line naming file:line', async (text, message) => {
    const error = await configFile(dirWith(text), {}).catch((e: Error) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).not.toContain('\n')
  })
})
