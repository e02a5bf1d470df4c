// The repository speaks of itself: its code, tests and docs cite only what a clone contains.
import {readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'

import {ROOT} from '../helpers.js'

const WHERE = ['src', 'test', 'bench', 'schemas', 'metrics', 'docs', 'README.md', 'CLAUDE.md', 'CONTRIBUTING.md']
// documents that live outside the repository (spelled in pieces so this file does not match itself)
const OUTSIDE = new RegExp(['\\bSP' + 'EC\\b', '\\bSTY' + 'LE\\b', '\\bSTA' + 'CK\\.md', '\\.\\./sha' + 'red/[A-Z]+\\.md', '\\b[Tt]he sp' + 'ec\\b'].join('|'))

function files(entry: string): string[] {
  const full = path.join(ROOT, entry)
  let stat
  try {
    stat = statSync(full)
  } catch {
    return []
  }
  if (stat.isFile()) return [entry]
  return readdirSync(full).flatMap((name) => (name === 'node_modules' || name === 'fixtures' ? [] : files(path.join(entry, name))))
}

describe('self-contained repository', () => {
  it('cites no document that a clone does not have', () => {
    const hits = WHERE.flatMap(files)
      .filter((f) => /\.(ts|js|mjs|md|json|ya?ml)$/.test(f))
      .flatMap((f) =>
        readFileSync(path.join(ROOT, f), 'utf8')
          .split('\n')
          .map((line, i) => ({at: `${f}:${i + 1}`, line}))
          .filter(({line}) => OUTSIDE.test(line)),
      )
    expect(hits).toEqual([])
  })

  it('has the contributor notes that the code points to', () => {
    for (const f of ['CONTRIBUTING.md', 'README.md', 'CLAUDE.md', 'src/query/CONTEXT.md', 'src/points/CONTEXT.md']) {
      expect(statSync(path.join(ROOT, f)).isFile()).toBe(true)
    }
  })
})
