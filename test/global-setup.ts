import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import type {TestProject} from 'vitest/node'

// @ts-expect-error: a plain JavaScript build script, no declarations
import {distStale} from '../scripts/sources-hash.js'
import {clusterControl} from './clickhouse/cluster-control.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** where this run's shared demo database is built (see `demoDatabase` in test/helpers.ts) */
    demoDir: string
  }
}

/**
 * One directory per test run for the databases built once per run (the demo database, an empty
 * catalog; see `buildOnce` in test/helpers.ts): the first test that needs one builds it there (the
 * demo takes ~10 s, so only runs that need it pay for it), every other test copies it.
 *
 * And the run's shared ClickHouse cluster (test/clickhouse/shared-cluster.ts): started by this
 * process when the first test file asks for it, stopped here by PID.
 *
 * First of all: no run on a dist/ built from other sources (the CLI tests run dist/, and
 * `npx vitest run FILE` does not run `pretest`'s build), see distStale in scripts/sources-hash.js.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stale = distStale(fileURLToPath(new URL('..', import.meta.url)))
  if (stale) throw new Error(stale)
  const dir = mkdtempSync(path.join(tmpdir(), 'metricat-test-run-'))
  project.provide('demoDir', dir)
  const clickhouse = await clusterControl()
  project.provide('clickhouseControl', clickhouse.url)
  return async () => {
    try {
      await clickhouse.close()
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  }
}
