import {execFile} from 'node:child_process'
import {cpSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {type Catalog, openCatalog} from '../src/core/catalog.js'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const FIXTURES = path.join(ROOT, 'test', 'fixtures')
export const BIN = path.join(ROOT, 'bin', 'run.js')

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'metricat-test-'): {dir: string; cleanup: () => void} {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  return {dir, cleanup: () => rmSync(dir, {recursive: true, force: true})}
}

/** Copies a fixture folder into `dir` and returns the copy's path. */
export function copyFixture(name: string, dir: string): string {
  const target = path.join(dir, name)
  cpSync(path.join(FIXTURES, name), target, {recursive: true})
  return target
}

export async function newCatalog(dir: string, name = 'test.duckdb'): Promise<Catalog> {
  return openCatalog({db: path.join(dir, name), create: true})
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built CLI (`bin/run.js`) as a child process. */
export function runCli(args: string[], options: {cwd?: string; env?: Record<string, string>; input?: string} = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {cwd: options.cwd ?? ROOT, env: {...process.env, NO_COLOR: '1', METRICAT_DB: '', ...options.env}, maxBuffer: 64 * 1024 * 1024},
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({code, stdout, stderr})
      },
    )
    if (options.input !== undefined) child.stdin!.end(options.input)
  })
}
