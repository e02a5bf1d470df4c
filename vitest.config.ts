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
    // two workers (vitest's default is one fewer than the cores: 1 on the 2-core machines we test
    // on). Over a quiet run they leave ~18% of the CPU idle (a file waiting for a child process,
    // a timeout, the demo database); `--maxWorkers 3` may fill that, but was not measured on a quiet
    // machine, and under heavy load it stretched files past their timeouts.
    maxWorkers: 2,
    // test files share a worker's loaded modules (DuckDB, oclif, the compiled sources) instead of
    // loading them again per file: ~1 s of CPU per file. Tests restore what they change (env, spies).
    isolate: false,
    sequence: {sequencer: LongestFirst},
    globalSetup: ['./test/global-setup.ts'],
    // no NODE_ENV=test in the tests and the processes they start (see the file); and per-file CPU
    // into $METRICAT_TEST_CPU when that is set (see the file), nothing otherwise
    setupFiles: ['./test/setup-env.ts', './test/cpu-recorder.ts'],
    reporters: ['default', new SummaryReporter()],
  },
})
