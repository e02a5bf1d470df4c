// The CLI started in a folder with metricat.config.yml runs metric queries on the warehouse it
// names; METRICAT_WAREHOUSE (and the flag) still come first. The file is found in the process's
// working directory: runCommand runs the command in that directory (process.chdir), as a shell
// starting `metricat` there would.
import path from 'node:path'

import {writeFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {openCatalog} from '../../src/core/catalog.js'
import {CONFIG_FILE} from '../../src/core/settings.js'
import {emptyDatabase, runCommand, tempDir} from '../helpers.js'

describe('metricat.config.yml from the working directory', () => {
  const tmp = tempDir('metricat-config-e2e-')
  const warehouse = (name: string) => path.join(tmp.dir, name)

  beforeAll(async () => {
    const db = await emptyDatabase(tmp.dir, 'catalog.duckdb')
    const catalog = await openCatalog({db})
    try {
      await catalog.putMetric({name: 'total', category: 'sales', type: 'sum', table: 'sales', expression: 'amount', time_column: 'day'})
    } finally {
      catalog.close()
    }
    // two warehouse files with different numbers
    for (const [name, amount] of [['config.duckdb', 5], ['env.duckdb', 7]] as const) {
      const wh = await openCatalog({db: warehouse(name), create: true})
      try {
        await wh.db.run(`CREATE TABLE main.sales AS SELECT DATE '2026-01-01' AS day, ${amount}.0::DOUBLE AS amount`)
      } finally {
        wh.close()
      }
    }
    writeFileSync(path.join(tmp.dir, CONFIG_FILE), 'warehouse: ./config.duckdb\n')
  })
  afterAll(() => tmp.cleanup())

  it('queries the warehouse the file names', async () => {
    const r = await runCommand(['query', 'sales/total', '--db', 'catalog.duckdb', '--json'], {cwd: tmp.dir, env: {METRICAT_WAREHOUSE: undefined}})
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout).rows.map((row: {value: number}) => row.value)).toEqual([5])
  })

  it('lets METRICAT_WAREHOUSE win over the file', async () => {
    const r = await runCommand(['query', 'sales/total', '--db', 'catalog.duckdb', '--json'], {cwd: tmp.dir, env: {METRICAT_WAREHOUSE: warehouse('env.duckdb')}})
    expect(JSON.parse(r.stdout).rows.map((row: {value: number}) => row.value)).toEqual([7])
  })
})
