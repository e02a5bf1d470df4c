// `npx vitest run FILE` does not run `pretest`: the CLI tests run the commands built in dist/, so a
// source changed since the last build would be tested in its old version and could pass. The global
// setup refuses a dist/ whose build stamp (dist/.sources) is not the hash of the sources now.
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

// @ts-expect-error: a plain JavaScript build script, no declarations
import {distStale, sourcesHash} from '../../scripts/sources-hash.js'
import {tempDir} from '../helpers.js'

describe('a stale dist/ (scripts/sources-hash.js distStale)', () => {
  let dir: string
  let cleanup: () => void
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), {recursive: true})
    writeFileSync(path.join(dir, rel), text)
  }
  beforeEach(() => {
    ;({dir, cleanup} = tempDir('metricat-stale-dist-'))
    write('src/a.ts', 'export const a = 1\n')
    write('package.json', '{}\n')
  })
  afterEach(() => cleanup())

  it('is null when dist/.sources is the hash of the sources now', () => {
    write('dist/.sources', `${sourcesHash(dir)}\n`)
    expect(distStale(dir)).toBeNull()
  })

  it('names the problem when a source changed, was added or removed since the build', () => {
    write('dist/.sources', `${sourcesHash(dir)}\n`)
    write('src/a.ts', 'export const a = 2\n')
    expect(distStale(dir)).toMatch(/dist\/ was built from other sources.*npm run build/)
    write('src/a.ts', 'export const a = 1\n')
    write('src/b.ts', '')
    expect(distStale(dir)).toMatch(/npm run build/)
    rmSync(path.join(dir, 'src/b.ts'))
    expect(distStale(dir)).toBeNull()
  })

  it('names the problem when there is no build stamp', () => {
    expect(distStale(dir)).toMatch(/no dist\/\.sources.*npm run build/)
  })
})
