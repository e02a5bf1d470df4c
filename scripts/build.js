// `npm run build`: dist/ from src/ (tsc), the bundles (scripts/bundle-sdk.js), the schema validators
// compiled ahead of time (scripts/compile-schemas.js), oclif.manifest.json;
// then dist/.sources records the hash of what the build read (scripts/sources-hash.js).
// `--if-stale` (what `npm test` runs first) builds only when that hash differs from the sources'
// now: a test run right after a build starts at once, and any change under src/ or scripts/, to
// package.json, the lock file or a tsconfig rebuilds everything first. The hash is taken before
// building, so a file changed while the build runs is rebuilt the next time.
import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {sourcesHash} from './sources-hash.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const stamp = path.join(root, 'dist', '.sources')
const manifest = path.join(root, 'oclif.manifest.json')

const hash = sourcesHash(root)
if (process.argv.includes('--if-stale') && existsSync(stamp) && existsSync(manifest) && readFileSync(stamp, 'utf8').trim() === hash) {
  console.log('dist/ is current: built from these sources (scripts/build.js)')
  process.exit(0)
}

const bin = path.join(root, 'node_modules', '.bin')
const run = (command, args) => execFileSync(command, args, {cwd: root, stdio: 'inherit', env: {...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`}})
rmSync(path.join(root, 'dist'), {recursive: true, force: true})
rmSync(manifest, {force: true})
run('tsc', ['-p', 'tsconfig.build.json'])
run(process.execPath, ['scripts/bundle-sdk.js'])
run(process.execPath, ['scripts/compile-schemas.js'])
run('oclif', ['manifest'])
writeFileSync(stamp, `${hash}\n`)
