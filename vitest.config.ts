import {defineConfig} from 'vitest/config'

import LongestFirst from './test/sequencer.js'
import SummaryReporter from './test/summary-reporter.js'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // child processes, not threads: the in-process CLI runner changes the working directory
    pool: 'forks',
    // vitest's default is one worker fewer than the cores (1 on the 2-core machines we test on)
    maxWorkers: 2,
    // test files share a worker's loaded modules (DuckDB, oclif, the compiled sources) instead of
    // loading them again per file: ~1 s of CPU per file. Tests restore what they change (env, spies).
    isolate: false,
    sequence: {sequencer: LongestFirst},
    globalSetup: ['./test/global-setup.ts'],
    reporters: ['default', new SummaryReporter()],
  },
})
