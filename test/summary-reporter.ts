import type {Reporter, SerializedError, TestModule} from 'vitest/node'

/**
 * Ends a run with a plain `N passed, N failed` line that CI logs can be read by. A file that failed
 * outside its tests (a failing beforeAll, an import error: its tests are then reported skipped) and
 * an error outside any file count as failures too, and are named on that line.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError> = []): void {
    process.stdout.write(`\n${summaryLine(testModules, unhandledErrors.length)}\n`)
  }
}

/** The summary line of a run (exported for its test). */
export function summaryLine(testModules: ReadonlyArray<Pick<TestModule, 'children' | 'ok'>>, unhandled: number): string {
  let passed = 0
  let failed = 0
  let skipped = 0
  let filesFailed = 0
  for (const module of testModules) {
    let failedHere = 0
    for (const test of module.children.allTests()) {
      const state = test.result().state
      if (state === 'passed') passed++
      else if (state === 'failed') failedHere++
      else skipped++
    }
    failed += failedHere
    if (failedHere === 0 && !module.ok()) filesFailed++
  }
  const outside = [
    ...(filesFailed > 0 ? [`${filesFailed} file${filesFailed === 1 ? '' : 's'} failed outside its tests`] : []),
    ...(unhandled > 0 ? [`${unhandled} unhandled error${unhandled === 1 ? '' : 's'}`] : []),
  ]
  return `${passed} passed, ${failed + filesFailed + unhandled} failed${skipped > 0 ? `, ${skipped} skipped` : ''}${outside.length > 0 ? ` (${outside.join(', ')})` : ''}`
}
