import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {closeSync, copyFileSync, cpSync, existsSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {inject} from 'vitest'

import {type Catalog, openCatalog} from '../src/core/catalog.js'
import type {InitResult} from '../src/core/init.js'
import type {Role} from '../src/core/tokens.js'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const FIXTURES = path.join(ROOT, 'test', 'fixtures')
export const BIN = path.join(ROOT, 'bin', 'run.js')

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'metricat-test-'): {dir: string; cleanup: () => void} {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  return {dir, cleanup: () => rmSync(dir, {recursive: true, force: true})}
}

/**
 * Closes a catalog whose file is deleted right after (a test's cleanup), skipping DuckDB's
 * checkpoint on close: what was written stays in the WAL, deleted with the file. The checkpoint
 * costs ~40 ms of CPU after any write, for a file no one opens again. Never for a file that is
 * copied or opened afterwards (copy its .wal too, or use `catalog.close()`).
 */
export async function closeDiscarding(catalog: Catalog): Promise<void> {
  // refused only on a closed catalog, whose close() is then a no-op
  await catalog.db.run('PRAGMA disable_checkpoint_on_shutdown').catch(() => undefined)
  catalog.close()
}

/** Copies a fixture folder into `dir` and returns the copy's path. */
export function copyFixture(name: string, dir: string): string {
  const target = path.join(dir, name)
  cpSync(path.join(FIXTURES, name), target, {recursive: true})
  return target
}

/**
 * `openCatalog({db: dir/name, create: true})`: opens the file, or makes a new, empty catalog there as
 * a copy of one created (and migrated) once per test run, at half the cost of creating it.
 */
export async function newCatalog(dir: string, name = 'test.duckdb'): Promise<Catalog> {
  const target = path.join(dir, name)
  if (!existsSync(target)) copyFileSync(await sharedEmpty(), target)
  return openCatalog({db: target})
}

/**
 * `metricat init --db dir/name` without running it: a copy of the empty, migrated catalog built
 * once per run. Returns the file's path. For tests whose subject is not `init` itself.
 */
export async function emptyDatabase(dir: string, name = 'test.duckdb'): Promise<string> {
  const target = path.join(dir, name)
  copyFileSync(await sharedEmpty(), target)
  return target
}

let empty: Promise<string> | undefined

function sharedEmpty(): Promise<string> {
  empty ??= buildOnce('empty', async (file) => {
    ;(await openCatalog({db: file, create: true})).close()
    return {}
  }).then((r) => r.db)
  return empty
}

let demo: Promise<{db: string; init: InitResult}> | undefined

/**
 * The demo database (starter pack + demo warehouse, as `metricat init --demo` makes it), built once
 * per test run in the directory the global setup provides: the first worker to need it builds it
 * under a lock file, the others wait for it. Returns the built file (do not modify it: copy it
 * with `demoDatabase`) and what `initCatalog` reported.
 */
export function sharedDemo(): Promise<{db: string; init: InitResult}> {
  demo ??= buildOnce('demo', async (file) => {
    const {initCatalog} = await import('../src/core/init.js')
    const catalog = await openCatalog({db: file, create: true})
    try {
      return await initCatalog(catalog, {demo: true})
    } finally {
      catalog.close()
    }
  }).then(({db, meta}) => ({db, init: meta}))
  return demo
}

/** A private copy of the demo database at `dir/name`, for a test to read and write. */
export async function demoDatabase(dir: string, name = 'demo.duckdb'): Promise<string> {
  const target = path.join(dir, name)
  copyFileSync((await sharedDemo()).db, target)
  return target
}

let demoTokens: Promise<{db: string; token: Record<Role, string>}> | undefined

/**
 * A private copy of the demo database with one API token per role (`admin-1`, `analyst-1`,
 * `service-1`) at `dir/name`, and those tokens. The tokens are made once per run, in a copy of the
 * demo built beside it (creating them and the checkpoint on close cost ~90 ms of CPU per database).
 */
export async function demoWithTokens(dir: string, name = 'server.duckdb'): Promise<{db: string; token: Record<Role, string>}> {
  demoTokens ??= buildOnce('demo-tokens', async (file) => {
    copyFileSync((await sharedDemo()).db, file)
    const {TokenStore} = await import('../src/core/tokens.js')
    const catalog = await openCatalog({db: file})
    try {
      const tokens = new TokenStore(catalog.db)
      return {
        admin: (await tokens.createToken('admin-1', 'admin')).token,
        analyst: (await tokens.createToken('analyst-1', 'analyst')).token,
        service: (await tokens.createToken('service-1', 'service')).token,
      }
    } finally {
      catalog.close()
    }
  }).then(({db, meta}) => ({db, token: meta}))
  const built = await demoTokens
  const target = path.join(dir, name)
  copyFileSync(built.db, target)
  return {db: target, token: built.token}
}

/**
 * A database file built once per test run by `build` in the directory the global setup provides:
 * the first worker to need it builds it under a lock file, the others wait for it. Returns the file
 * (do not modify it: copy it) and what `build` returned.
 */
async function buildOnce<T>(name: string, build: (file: string) => Promise<T>): Promise<{db: string; meta: T}> {
  const base = inject('demoDir') ?? mkdtempSync(path.join(tmpdir(), 'metricat-demo-'))
  const db = path.join(base, `${name}.duckdb`)
  const meta = path.join(base, `${name}.json`)
  const failed = path.join(base, `${name}.error`)
  const ready = () => ({db, meta: JSON.parse(readFileSync(meta, 'utf8')) as T})
  if (existsSync(db)) return ready()
  let builder = true
  try {
    closeSync(openSync(path.join(base, `${name}.lock`), 'wx'))
  } catch {
    builder = false
  }
  if (builder) {
    try {
      const building = path.join(base, `building-${name}-${process.pid}.duckdb`)
      const result = await build(building)
      if (existsSync(`${building}.wal`)) throw new Error(`the shared ${name} database was not checkpointed on close`)
      writeFileSync(meta, JSON.stringify(result))
      renameSync(building, db)
      return ready()
    } catch (error) {
      writeFileSync(failed, String((error as Error).stack ?? error))
      throw error
    }
  }
  // another worker is building it: wait for the file (or its failure)
  const {setTimeout: wait} = await import('node:timers/promises')
  for (;;) {
    if (existsSync(db)) return ready()
    if (existsSync(failed)) throw new Error(`building the shared ${name} database failed in another worker:\n${readFileSync(failed, 'utf8')}`)
    await wait(100)
  }
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built CLI (`bin/run.js`) as a child process. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const env: Record<string, string | undefined> = {...process.env, NO_COLOR: '1', METRICAT_DB: '', ...options.env}
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key]
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {cwd: options.cwd ?? ROOT, env, maxBuffer: 64 * 1024 * 1024},
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({code, stdout, stderr})
      },
    )
    if (options.input !== undefined) child.stdin!.end(options.input)
  })
}

export interface RunOptions {
  /** working directory for the command (default: the repository root) */
  cwd?: string
  /** environment overrides; `undefined` removes a variable. NO_COLOR=1, METRICAT_DB='' and no NODE_ENV by default. */
  env?: Record<string, string | undefined>
  /** text fed to the command's stdin */
  input?: string
  /** called with each piece of stderr as the command writes it (runCommand only), e.g. to act on a progress line */
  onStderr?: (text: string) => void
}

let queue: Promise<unknown> = Promise.resolve()

/**
 * Runs a `metricat` command in this process (oclif's `run` over the built commands in dist/, the
 * same code `bin/run.js` runs) and returns what it wrote and its exit code, like `runCli` but
 * without starting node (~1 s saved per call). Captures `process.stdout/stderr.write`, `console.*`
 * (oclif's `this.log`, `ux.stdout`, help) and `process.exitCode`; oclif's error handler runs with
 * its `process.exit` replaced by recording the code. Calls are serialised (they share the
 * process's streams, env and cwd). Use `runCli` (a real child process) only for what needs one:
 * exit codes of the real binary, stream separation, signals, servers.
 */
export function runCommand(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const next = queue.then(() => runInProcess(args, options))
  queue = next.catch(() => undefined)
  return next
}

async function runInProcess(args: string[], options: RunOptions): Promise<CliResult> {
  const [{run}, {Config}, {handle, Exit}] = await Promise.all([import('@oclif/core/run'), import('@oclif/core/config'), import('@oclif/core/handle')])
  // a fresh Config each time (~2 ms): oclif keeps state in it (help loads commands, which changes how
  // later command lines are split into ids), and a real run starts from a fresh one
  const loaded = await Config.load(ROOT)
  const {format} = await import('node:util')
  const {Readable} = await import('node:stream')

  let stdout = ''
  let stderr = ''
  const writer = (sink: (s: string) => void) =>
    function write(chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean {
      sink(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'))
      const cb = typeof encoding === 'function' ? encoding : callback
      if (typeof cb === 'function') queueMicrotask(() => (cb as () => void)())
      return true
    }
  const toOut = (s: string) => (stdout += s)
  const toErr = (s: string) => {
    stderr += s
    options.onStderr?.(s)
  }
  const line = (sink: (s: string) => void) => (...a: unknown[]) => sink(`${format(...a)}\n`)

  const saved = {
    stdoutWrite: process.stdout.write,
    stderrWrite: process.stderr.write,
    log: console.log,
    info: console.info,
    debug: console.debug,
    warn: console.warn,
    error: console.error,
    exit: Exit.exit,
    exitCode: process.exitCode,
    argv: process.argv,
    cwd: process.cwd(),
    env: {...process.env},
    stdin: Object.getOwnPropertyDescriptor(process, 'stdin'),
  }
  let exitCode: number | undefined
  try {
    // NODE_ENV: vitest sets `test`, which makes oclif print development warnings a user never sees
    const env: Record<string, string | undefined> = {NO_COLOR: '1', METRICAT_DB: '', NODE_ENV: undefined, ...options.env}
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
    process.chdir(options.cwd ?? ROOT)
    process.argv = [process.execPath, BIN, ...args]
    process.exitCode = undefined
    if (options.input !== undefined) {
      const stdin = Readable.from([Buffer.from(options.input)])
      Object.defineProperty(process, 'stdin', {value: stdin, configurable: true, enumerable: true})
    }
    process.stdout.write = writer(toOut) as typeof process.stdout.write
    process.stderr.write = writer(toErr) as typeof process.stderr.write
    console.log = line(toOut)
    console.info = line(toOut)
    console.debug = line(toOut)
    console.warn = line(toErr)
    console.error = line(toErr)
    Exit.exit = ((code = 0) => {
      exitCode = code
    }) as typeof Exit.exit
    try {
      await run(args, loaded)
    } catch (error) {
      await handle(error as Error)
    }
    const code = exitCode ?? process.exitCode ?? 0
    return {code: typeof code === 'number' ? code : Number(code), stdout, stderr}
  } finally {
    process.stdout.write = saved.stdoutWrite
    process.stderr.write = saved.stderrWrite
    console.log = saved.log
    console.info = saved.info
    console.debug = saved.debug
    console.warn = saved.warn
    console.error = saved.error
    Exit.exit = saved.exit
    process.exitCode = saved.exitCode
    process.argv = saved.argv
    process.chdir(saved.cwd)
    for (const key of Object.keys(process.env)) if (!(key in saved.env)) delete process.env[key]
    Object.assign(process.env, saved.env)
    if (saved.stdin) Object.defineProperty(process, 'stdin', saved.stdin)
  }
}

/**
 * Another process holding `file` (read-write, or read-only: then other readers still open it, no
 * writer does) until its stdin closes; resolves once it holds the lock. Kill it in the test's cleanup.
 */
export async function holdLock(file: string, options: {readOnly?: boolean} = {}): Promise<ChildProcess> {
  const config = options.readOnly ? ", {access_mode: 'READ_ONLY'}" : ''
  const holder = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import {DuckDBInstance} from '@duckdb/node-api'
       const i = await DuckDBInstance.create(${JSON.stringify(file)}${config}); const c = await i.connect(); console.log('ready')
       process.stdin.resume(); process.stdin.on('end', () => { c.closeSync(); i.closeSync(); process.exit(0) })`,
    ],
    {cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit']},
  )
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve())
    holder.on('exit', (code) => reject(new Error(`holder exited ${code}`)))
  })
  return holder
}
