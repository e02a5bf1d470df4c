// Several metricat processes on one database file, as agents run them: the real binary, spawned,
// beside processes that hold the file. What needs no second process of metricat's own (a command
// meeting a lock another process holds, a missing file) runs the command in-process.
import {spawn} from 'node:child_process'
import {chmodSync, existsSync, readdirSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {BIN, FIXTURES, ROOT, holdLock, newCatalog, runCli, runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = path.join(dir, 'shared.duckdb')
  const catalog = await newCatalog(dir, 'shared.duckdb')
  try {
    await catalog.db.run(`CREATE TABLE main.orders AS
      SELECT i AS order_id, TIMESTAMP '2026-01-01' + INTERVAL (i % 90) DAY AS ordered_at,
        ['EU', 'NA'][1 + i % 2] AS region, ['web', 'partner'][1 + i % 2] AS channel,
        CAST(i % 7 AS DOUBLE) AS amount, 'completed' AS status
      FROM range(1000) AS t(i)`)
    await catalog.importPath(path.join(FIXTURES, 'metrics'))
  } finally {
    catalog.close()
  }
})
afterAll(() => cleanup())

describe('parallel use of one database file', () => {
  it('two `query --json` processes at once both succeed with the same rows', async () => {
    // two are enough to show read-only opens do not exclude each other; each one more costs a node start
    const args = ['query', 'revenue/total_revenue', '--by', 'region', '--db', db, '--json']
    const results = await Promise.all(Array.from({length: 2}, () => runCli(args)))
    for (const r of results) {
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
    }
    const rows = results.map((r) => JSON.stringify(JSON.parse(r.stdout).rows))
    expect(JSON.parse(rows[0]!)).toHaveLength(6)
    expect(new Set(rows).size).toBe(1)
  })

  it('a writer waits for the lock (saying so on stderr) and succeeds once the holder lets go', async () => {
    const holder = await holdLock(db)
    try {
      // release only once the writer has met the lock, so this exercises the wait
      let said = ''
      const writer = runCommand(['delete', 'revenue/arr', '--db', db, '--wait', '120', '--json'], {
        onStderr: (text) => {
          said += text
          if (said.includes('Waiting up to 120 s')) holder.stdin!.end()
        },
      })
      const r = await writer
      expect(r.stderr).toContain('Waiting up to 120 s')
      expect(r.stderr).toContain(`locked by process ${holder.pid} (`)
      expect(r.code).toBe(0)
      expect(JSON.parse(r.stdout)).toEqual({id: 'revenue/arr', deleted: true})
    } finally {
      holder.kill('SIGKILL')
    }
  })

  it('a reader that cannot get the file says which process holds it, and no --server advice without a server', async () => {
    const holder = await holdLock(db)
    try {
      const r = await runCommand(['list', '--db', db, '--wait', '0'])
      expect(r.code).toBe(1)
      const [message, hint] = r.stderr.trim().split('\n')
      expect(message).toMatch(new RegExp(`^Error: ${db.replaceAll('.', '\\.')} is locked by process ${holder.pid} \\(\\S*node .*DuckDBInstance`))
      expect(hint).toMatch(/^Hint: waited 0 s; wait for that process to finish/)
      expect(r.stderr).not.toMatch(/--server/)
    } finally {
      holder.kill('SIGKILL')
    }
  })

  it('load, ingest and import on a missing file fail with "no database" and create nothing', async () => {
    const {dir: empty, cleanup: done} = tempDir()
    try {
      writeCsv(path.join(empty, 'x.csv'))
      for (const args of [['load', 'orders', 'x.csv'], ['ingest', 'x.csv'], ['import', path.join(FIXTURES, 'metrics')]]) {
        const r = await runCommand(args, {cwd: empty})
        expect(r.code).toBe(1)
        expect(r.stderr.split('\n')[0]).toBe(`Error: no metricat database at ${path.join(empty, 'metricat.duckdb')}; run \`metricat init\` first, or pass --db PATH`)
      }
      expect(readdirSync(empty)).toEqual(['x.csv'])
    } finally {
      done()
    }
  })

  it('read-only commands read a database file without write permission', async () => {
    const {dir: ro, cleanup: done} = tempDir()
    try {
      const file = path.join(ro, 'ro.duckdb')
      const catalog = await newCatalog(ro, 'ro.duckdb')
      await catalog.importPath(path.join(FIXTURES, 'metrics'))
      catalog.close()
      chmodSync(file, 0o444)
      chmodSync(ro, 0o555)
      // root ignores file modes: run the command as an unprivileged user then
      const asUser = process.getuid?.() === 0 ? {uid: 65_534, gid: 65_534} : {}
      // one process of that user runs both commands (a node start each would cost ~1 s)
      const [r, w] = await runInOneProcess([['list', '--db', file, '--json'], ['delete', 'revenue/mrr', '--db', file, '--wait', '0']], {HOME: '/tmp'}, {...asUser, cwd: '/'})
      expect(r!.stderr).toBe('')
      expect(r!.code).toBe(0)
      expect(JSON.parse(r!.stdout).metrics.map((m: {id: string}) => m.id)).toContain('revenue/mrr')
      expect(w!.code).toBe(1)
      expect(w!.stderr).toMatch(/^Error: cannot open .*ro\.duckdb: permission denied/)
      expect(existsSync(`${file}.wal`)).toBe(false)
    } finally {
      chmodSync(ro, 0o755)
      done()
    }
  })
})

describe('UTC whatever TZ is', () => {
  // DuckDB takes the time zone from TZ when it is first loaded in a process, so this needs a fresh
  // process started under TZ: one node process running the five commands one after another.
  it('stores and prints definition, version and token timestamps in UTC under TZ=America/New_York', async () => {
    const {dir: tz, cleanup: done} = tempDir()
    try {
      const file = path.join(tz, 'tz.duckdb')
      const before = Date.now() - 1000
      const [init, imported, tokenOut, showOut, historyOut] = await runInOneProcess(
        [
          ['init', '--db', file],
          ['import', path.join(FIXTURES, 'metrics'), '--db', file],
          ['token', 'create', 'tz', '--role', 'analyst', '--db', file, '--json'],
          ['show', 'revenue/mrr', '--db', file, '--json'],
          ['history', 'revenue/mrr', '--db', file, '--json'],
        ],
        {TZ: 'America/New_York'},
      )
      for (const r of [init, imported, tokenOut, showOut, historyOut]) expect(r).toMatchObject({code: 0})
      expect(init!.stdout).toMatch(/^Database ready/)
      expect(imported!.stdout).toContain('revenue/mrr')
      const after = Date.now() + 1000
      const [token, show, history] = [tokenOut, showOut, historyOut].map((out) => JSON.parse(out!.stdout))
      const stamps = {token: token.created_at, created: show.created_at, updated: show.updated_at, changed: history.versions[0].changed_at}
      for (const [what, stamp] of Object.entries(stamps)) {
        // a local time labelled as UTC would be 5 hours off
        const t = Date.parse(/Z$|[+-]\d\d:\d\d$/.test(stamp) ? stamp : `${stamp}Z`)
        expect({what, stamp, ok: t >= before && t <= after}).toEqual({what, stamp, ok: true})
      }
    } finally {
      done()
    }
  })
})

// absolute, so the script finds oclif whatever its working directory
const OCLIF_RUN = pathToFileURL(createRequire(BIN).resolve('@oclif/core/run')).href

/**
 * Runs metricat commands one after another in one new node process (oclif's `run`, as bin/run.js
 * does), optionally as another user, and returns each command's exit code, stdout and stderr.
 */
function runInOneProcess(commands: string[][], env: Record<string, string>, options: {uid?: number; gid?: number; cwd?: string} = {}): Promise<{code: number; stdout: string; stderr: string}[]> {
  const script = `
    import {run} from ${JSON.stringify(OCLIF_RUN)}
    const SEP = '\\n\\u0000\\n'
    for (const args of ${JSON.stringify(commands)}) {
      process.exitCode = undefined
      try {
        await run(args, ${JSON.stringify(BIN)})
      } catch (error) {
        process.stderr.write(String(error?.message ?? error) + '\\n')
        process.exitCode = error?.oclif?.exit ?? 1
      }
      const code = Number(process.exitCode ?? 0)
      process.stdout.write(SEP + code + SEP)
      process.stderr.write(SEP)
    }
    process.exitCode = 0`
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: options.cwd ?? ROOT,
      env: {...process.env, NO_COLOR: '1', METRICAT_DB: '', NODE_ENV: '', ...env},
      ...(options.uid === undefined ? {} : {uid: options.uid, gid: options.gid}),
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.on('close', (code) => {
      const outs = stdout.split('\n\u0000\n')
      const errs = stderr.split('\n\u0000\n')
      if (code !== 0 || outs.length !== 2 * commands.length + 1) return reject(new Error(`exit ${code}; stderr: ${stderr}`))
      resolve(commands.map((_, i) => ({stdout: outs[2 * i]!, code: Number(outs[2 * i + 1]), stderr: errs[i]!})))
    })
  })
}

function writeCsv(file: string): void {
  // a real file, so the commands get as far as opening the database
  writeFileSync(file, 'a,b\n1,2\n')
}
