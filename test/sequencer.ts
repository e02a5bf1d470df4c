import {readFileSync} from 'node:fs'
import {relative} from 'node:path'

import {BaseSequencer, type TestSpecification} from 'vitest/node'

/** About how long building the run's demo database takes (`sharedDemo` in test/helpers.ts), on one core. */
const DEMO_BUILD_SECONDS = 10

/** A file that uses the run's demo database: it waits for it until the first file that needs it has built it. */
const NEEDS_DEMO = /\b(demoDatabase|sharedDemo|setupDemo|buildMcpDemo|demoCluster)\(/

/**
 * Longest files first, so every worker stays busy to the end. Vitest orders by the durations of
 * the previous run when it has them (node_modules/.vite); a fresh clone has none, and vitest's
 * fallback (larger files first) would leave the child-process files, the slowest, to the end:
 * without timings, `*.e2e.test.ts` go first.
 *
 * Then: the first file that needs the demo database builds it (~10 s, mostly on one core), and
 * every other file that needs it waits meanwhile. So the files right after that first one are
 * files that do not need it, enough of them to keep the other workers busy until it is built; the
 * files that need it follow.
 */
export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const key = (f: TestSpecification) => `${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`
    const timed = sorted.every((f) => this.ctx.cache.getFileTestResults(key(f)))
    const e2e = (f: TestSpecification) => f.moduleId.endsWith('.e2e.test.ts')
    const ordered = timed ? sorted : [...sorted.filter(e2e), ...sorted.filter((f) => !e2e(f))]
    const seconds = (f: TestSpecification) => (this.ctx.cache.getFileTestResults(key(f))?.duration ?? 2000) / 1000
    const workers = Math.max(1, Number(this.ctx.config.maxWorkers) || 1)
    return overlapDemoBuild(ordered, needsDemo, seconds, DEMO_BUILD_SECONDS * (workers - 1))
  }
}

function needsDemo(f: TestSpecification): boolean {
  try {
    return NEEDS_DEMO.test(readFileSync(f.moduleId, 'utf8'))
  } catch {
    return false
  }
}

/**
 * `files` in the same order, except that after the first file that needs the demo, files that
 * need it are put off until files that do not, together `cover` seconds long, have been placed.
 */
export function overlapDemoBuild<T>(files: T[], needs: (f: T) => boolean, seconds: (f: T) => number, cover: number): T[] {
  const first = files.findIndex(needs)
  if (first < 0) return files
  const out = files.slice(0, first + 1)
  const deferred: T[] = []
  let covered = 0
  for (const f of files.slice(first + 1)) {
    if (covered >= cover) out.push(...deferred.splice(0), f)
    else if (needs(f)) deferred.push(f)
    else {
      out.push(f)
      covered += seconds(f)
    }
  }
  return [...out, ...deferred]
}
