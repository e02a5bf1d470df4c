import {spawn} from 'node:child_process'
import {PassThrough, type Readable} from 'node:stream'

import {CatalogError} from '../errors.js'

export interface ProgramSpec {
  /** the program and its arguments, or one shell command line when `shell` is set */
  argv: string[]
  shell?: boolean
  timeoutMs?: number
  env?: NodeJS.ProcessEnv
  /** stops the program (SIGTERM, then SIGKILL) when aborted */
  signal?: AbortSignal
}

export interface ProgramExit {
  code: number | null
  signal: NodeJS.Signals | null
  /** the program could not be started */
  error?: Error
  timedOut: boolean
}

export interface RunningProgram {
  /** what the program prints: the points */
  stdout: Readable
  exited: Promise<ProgramExit>
  kill(): void
  /** the last few KB of what the program wrote to stderr */
  stderrTail(): string
}

/** How much of a program's stderr the job log keeps. */
export const STDERR_TAIL_CHARS = 4000

/** Grace period between SIGTERM and SIGKILL when a program overruns its timeout. */
const KILL_GRACE_MS = 5000

/**
 * Starts a program with stdin inherited, stderr passed through to ours as it is written (and its
 * tail kept for the job log) and stdout piped (its points). The program runs without a shell
 * unless `shell` is set (a data source's stored command line).
 */
export function startProgram(spec: ProgramSpec): RunningProgram {
  const [command, ...args] = spec.argv
  const child = spawn(command!, args, {stdio: ['inherit', 'pipe', 'pipe'], shell: spec.shell ?? false, env: spec.env ?? process.env})
  let tail = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk)
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS)
  })
  // Read from the start: Node drops what a child wrote to an unread stdout once the child closes.
  // The pipe keeps backpressure, so a fast program still cannot outrun the ingest.
  const stdout = new PassThrough({highWaterMark: 1024 * 1024})
  child.stdout!.pipe(stdout)
  let timedOut = false
  let timer: NodeJS.Timeout | undefined
  let killer: NodeJS.Timeout | undefined
  if (spec.timeoutMs !== undefined) {
    timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGTERM')
      killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS)
      killer.unref()
    }, spec.timeoutMs)
    timer.unref()
  }
  const onAbort = () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS)
    killer.unref()
  }
  spec.signal?.addEventListener('abort', onAbort, {once: true})
  const exited = new Promise<ProgramExit>((resolve) => {
    let startError: Error | undefined
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      spec.signal?.removeEventListener('abort', onAbort)
      clearTimeout(timer)
      clearTimeout(killer)
      resolve({code: startError ? null : code, signal, error: startError, timedOut})
    }
    child.once('error', (error) => {
      startError = error
    })
    child.once('exit', (code, signal) => {
      // A stopped program's own children may still hold its stdout open; stop reading it.
      if (timedOut || spec.signal?.aborted) {
        child.stdout!.unpipe(stdout)
        child.stdout!.destroy()
        child.stderr!.destroy()
        stdout.end()
      } else {
        // a program's own background children may hold its stderr open; do not wait for them for ever
        setTimeout(() => child.stderr!.destroy(), 1000).unref()
      }
      finish(code, signal)
    })
    // A program that could not be started emits 'error' and 'close', never 'exit'.
    child.once('close', finish)
  })
  return {
    stdout,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    },
    stderrTail: () => tail,
  }
}

export function exitedCleanly(exit: ProgramExit): boolean {
  return exit.code === 0 && !exit.error && !exit.timedOut
}

/** Why a run failed, in words: `exited with code 2`, `was killed by SIGTERM`, ... */
export function describeExit(exit: ProgramExit, timeoutMs?: number): string {
  if (exit.error) {
    const code = (exit.error as NodeJS.ErrnoException).code
    return code === 'ENOENT' ? 'could not be started: command not found' : `could not be started: ${exit.error.message}`
  }
  if (exit.timedOut) return `timed out after ${Math.round((timeoutMs ?? 0) / 1000)} s and was stopped`
  if (exit.signal) return `was killed by ${exit.signal}`
  return `exited with code ${exit.code}`
}

export function runFailed(commandLine: string, exit: ProgramExit, timeoutMs?: number): CatalogError {
  return new CatalogError('RUN_FAILED', `${commandLine} ${describeExit(exit, timeoutMs)}; nothing was ingested`, {
    command: commandLine,
    reason: describeExit(exit, timeoutMs),
    exitCode: exit.code,
    signal: exit.signal,
    hint: 'the program must exit 0 and print points (NDJSON or {"points": [...]}) on stdout; its stderr is shown above',
  })
}

/** A command line for display and for a data source's stored command: POSIX shell quoting. */
export function commandLine(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ')
}
