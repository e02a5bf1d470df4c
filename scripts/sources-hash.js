// What `npm run build` reads (scripts/build.js): everything under src/ and scripts/, the JSON
// Schemas (compiled ahead of time), package.json, the lock file (the bundled packages' versions)
// and the tsconfigs.
import {createHash} from 'node:crypto'
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs'
import path from 'node:path'

export const BUILD_INPUTS = ['src', 'scripts', 'schemas', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']

/** sha256 over the path and content of every file under `root`'s build inputs, in path order. */
export function sourcesHash(root, inputs = BUILD_INPUTS) {
  const files = []
  const walk = (rel) => {
    const abs = path.join(root, rel)
    if (!existsSync(abs)) return
    if (statSync(abs).isDirectory()) for (const entry of readdirSync(abs).sort()) walk(path.join(rel, entry))
    else files.push(rel)
  }
  for (const input of inputs) walk(input)
  const hash = createHash('sha256')
  for (const rel of files) hash.update(`${rel}\0`).update(readFileSync(path.join(root, rel))).update('\0')
  return hash.digest('hex')
}

/**
 * Why `root`'s dist/ may not be what its sources build (one line), or null when dist/.sources is
 * their hash now. The test run's global setup refuses a stale dist/: `npx vitest run FILE` does not
 * run `pretest`, and the CLI tests run the commands built in dist/.
 */
export function distStale(root) {
  const stamp = path.join(root, 'dist', '.sources')
  if (!existsSync(stamp)) return 'no dist/.sources (dist/ not built by scripts/build.js): run `npm run build` first'
  if (readFileSync(stamp, 'utf8').trim() !== sourcesHash(root)) return 'dist/ was built from other sources than those in src/, scripts/, schemas/ and the package files now: run `npm run build` first (`npm test` does)'
  return null
}
