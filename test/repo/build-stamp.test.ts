// `npm test` skips the build when dist/ was built from the sources as they are now
// (scripts/build.js --if-stale): the hash it compares must change with every source change.
import {mkdirSync, rmSync, utimesSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

// @ts-expect-error: a plain JavaScript build script, no declarations
import {BUILD_INPUTS, sourcesHash} from '../../scripts/sources-hash.js'
import {tempDir} from '../helpers.js'

describe('the build stamp (scripts/sources-hash.js)', () => {
  let dir: string
  let cleanup: () => void
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), {recursive: true})
    writeFileSync(path.join(dir, rel), text)
  }
  beforeEach(() => {
    ;({dir, cleanup} = tempDir('metricat-build-stamp-'))
    write('src/a.ts', 'export const a = 1\n')
    write('src/sub/b.ts', 'export const b = 2\n')
    write('scripts/bundle-sdk.js', '// bundle\n')
    write('package.json', '{}\n')
    write('package-lock.json', '{}\n')
    write('tsconfig.json', '{}\n')
    write('tsconfig.build.json', '{}\n')
    write('test/x.test.ts', '// a test\n')
  })
  afterEach(() => cleanup())

  it('reads src/, scripts/, schemas/, package.json, the lock file and both tsconfigs', () => {
    expect([...BUILD_INPUTS].sort()).toEqual(['package-lock.json', 'package.json', 'schemas', 'scripts', 'src', 'tsconfig.build.json', 'tsconfig.json'])
  })

  it('is the same for the same files, whatever their times', () => {
    const before = sourcesHash(dir)
    utimesSync(path.join(dir, 'src/a.ts'), new Date(2001, 0, 1), new Date(2001, 0, 1))
    expect(sourcesHash(dir)).toBe(before)
  })

  it('changes with a changed, added, removed or renamed source, and with each other input', () => {
    const seen = new Set([sourcesHash(dir)])
    const changed = (what: string) => {
      const hash = sourcesHash(dir)
      expect(seen.has(hash), what).toBe(false)
      seen.add(hash)
    }
    write('src/a.ts', 'export const a = 3\n')
    changed('a changed source')
    write('src/sub/c.ts', '')
    changed('an added empty source')
    rmSync(path.join(dir, 'src/sub/c.ts'))
    rmSync(path.join(dir, 'src/sub/b.ts'))
    write('src/sub/b2.ts', 'export const b = 2\n')
    changed('a renamed source')
    for (const file of ['scripts/bundle-sdk.js', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
      write(file, '{"changed": true}\n')
      changed(file)
    }
  })

  it('does not change with a test file', () => {
    const before = sourcesHash(dir)
    write('test/x.test.ts', '// changed\n')
    expect(sourcesHash(dir)).toBe(before)
  })
})
