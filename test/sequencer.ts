import {readFileSync, statSync} from 'node:fs'

import {BaseSequencer, type TestSpecification} from 'vitest/node'

/** About how long building the run's demo database takes (`sharedDemo` in test/helpers.ts), on one core. */
const DEMO_BUILD_SECONDS = 10

/** A file that uses the run's demo database: it waits for it until the first file that needs it has built it. */
const NEEDS_DEMO = /\b(demoDatabase|sharedDemo|setupDemo|buildMcpDemo|demoCluster)\(/

/**
 * One fixed order, the same on a fresh clone and on every later run: the `*.e2e.test.ts` files
 * (child processes, the slowest) first, then the others, each group larger files first.
 *
 * Not the durations of the previous run (vitest's default when node_modules/.vite has them):
 * longest-first puts the files that lean on the shared ClickHouse cluster (the differential suite,
 * points on ClickHouse) side by side at the start, where they slow each other and everything else
 * down. Measured on the 2-core machine, quiet, the same commit (2026-11-30 22:48-23:13 UTC):
 * 161, 174 and 178 s of vitest ordered by the previous run's durations, 140 and 141 s in this order.
 *
 * Then: the first file that needs the demo database builds it (~10 s, mostly on one core), and
 * every other file that needs it waits meanwhile. So the files right after that first one are
 * files that do not need it, enough of them to keep the other workers busy until it is built; the
 * files that need it follow.
 */
export default class FixedOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const size = new Map(files.map((f) => [f, fileSize(f.moduleId)]))
    const e2e = (f: TestSpecification) => f.moduleId.endsWith('.e2e.test.ts')
    const ordered = [...files].sort((a, b) => Number(e2e(b)) - Number(e2e(a)) || size.get(b)! - size.get(a)! || (a.moduleId < b.moduleId ? -1 : 1))
    const workers = Math.max(1, Number(this.ctx.config.maxWorkers) || 1)
    return overlapDemoBuild(ordered, needsDemo, () => ASSUMED_FILE_SECONDS, DEMO_BUILD_SECONDS * (workers - 1))
  }
}

/** What a file is taken to last when placing files around the demo build (no earlier run's timings). */
const ASSUMED_FILE_SECONDS = 2

function fileSize(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
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
