import {availableParallelism} from 'node:os'

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
    // one worker more than the cores (vitest's default is one fewer): a test file spends a good part
    // of its time waiting (for a child process to start, a server to stop, a program's timeout,
    // the demo database another worker builds), and the extra worker fills those gaps. On the
    // 2-core machines we test on, 2 workers left ~18% of the CPU idle over a run.
    maxWorkers: availableParallelism() + 1,
    // test files share a worker's loaded modules (DuckDB, oclif, the compiled sources) instead of
    // loading them again per file: ~1 s of CPU per file. Tests restore what they change (env, spies).
    isolate: false,
    sequence: {sequencer: LongestFirst},
    globalSetup: ['./test/global-setup.ts'],
    reporters: ['default', new SummaryReporter()],
  },
})
