// `npm ci` on a clean clone, on any platform: the lock file must agree with package.json and list
// every platform's optional native packages (DuckDB's bindings, esbuild...), or npm ci stops with
// "Missing: @duckdb/node-bindings-darwin-arm64 ...". And CI runs what the README tells people to.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'

import {ROOT} from '../helpers.js'

interface LockEntry {
  version?: string
  integrity?: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  devDependencies?: Record<string, string>
}

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8')
const pkg = JSON.parse(read('package.json')) as Required<Pick<LockEntry, 'dependencies' | 'devDependencies'>>
const lock = JSON.parse(read('package-lock.json')) as {lockfileVersion: number; packages: Record<string, LockEntry>}

/** Where npm would find `name` for the package at `from` (node_modules/a/node_modules/b -> upwards). */
function resolve(from: string, name: string): LockEntry | undefined {
  let dir = from
  for (;;) {
    const hit = lock.packages[`${dir ? `${dir}/` : ''}node_modules/${name}`]
    if (hit) return hit
    if (!dir) return undefined
    const cut = dir.lastIndexOf('/node_modules/')
    dir = cut < 0 ? '' : dir.slice(0, cut)
  }
}

describe('package-lock.json', () => {
  it('has the same direct dependencies as package.json', () => {
    const root = lock.packages['']!
    expect(root.dependencies).toEqual(pkg.dependencies)
    expect(root.devDependencies).toEqual(pkg.devDependencies)
  })

  it("lists every package's optional dependencies, for every platform, with an integrity hash", () => {
    const missing: string[] = []
    for (const [where, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        const found = resolve(where, name)
        if (!found?.version || !found.integrity) missing.push(`${name} (for ${where || 'the root'})`)
      }
    }
    expect(missing).toEqual([])
  })

  it("lists DuckDB's bindings for Linux x64/arm64, macOS and Windows", () => {
    const bindings = Object.keys(lock.packages).filter((k) => k.startsWith('node_modules/@duckdb/node-bindings-'))
    for (const platform of ['linux-x64', 'linux-arm64', 'darwin-arm64', 'darwin-x64', 'win32-x64']) {
      expect(bindings).toContain(`node_modules/@duckdb/node-bindings-${platform}`)
    }
  })
})

describe('.ci/run', () => {
  it("runs npm ci and npm test, exactly the README's set-up commands, in the same order", () => {
    const ci = read('.ci/run')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^npm /.test(l))
    expect(ci).toEqual(['npm ci', 'npm test'])
    const quickStart = /## Quick start\n+```sh\n([\s\S]*?)```/.exec(read('README.md'))?.[1] ?? ''
    const readme = quickStart
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter((l) => /^npm /.test(l))
    expect(readme).toEqual(ci)
  })
})
