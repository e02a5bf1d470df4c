import {relative} from 'node:path'

import {BaseSequencer, type TestSpecification} from 'vitest/node'

/**
 * Longest files first, so both workers stay busy to the end. Vitest orders by the durations of
 * the previous run when it has them (node_modules/.vite); a fresh clone has none, and vitest's
 * fallback (larger files first) would leave the child-process files, the slowest, to the end:
 * without timings, `*.e2e.test.ts` go first.
 */
export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const timed = sorted.every((f) => this.ctx.cache.getFileTestResults(`${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`))
    if (timed) return sorted
    const e2e = (f: TestSpecification) => f.moduleId.endsWith('.e2e.test.ts')
    return [...sorted.filter(e2e), ...sorted.filter((f) => !e2e(f))]
  }
}
