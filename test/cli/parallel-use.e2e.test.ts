// Several metricat processes on one database file, as agents run them: the real binary, spawned.
import {type ChildProcess, spawn} from 'node:child_process'
import {chmodSync, existsSync, readdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {openCatalog} from '../../src/core/catalog.js'
import {FIXTURES, ROOT, runCli, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = path.join(dir, 'shared.duckdb')
  const catalog = await openCatalog({db, create: true})
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

/** A process holding `file` read-write until its stdin closes; resolves once it holds the lock. */
async function holdLock(file: string): Promise<ChildProcess> {
  const holder = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import {DuckDBInstance} from '@duckdb/node-api'
       const i = await DuckDBInstance.create(${JSON.stringify(file)}); const c = await i.connect(); console.log('ready')
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

describe('parallel use of one database file', () => {
  it('four `query --json` processes at once all succeed with the same rows', async () => {
    const args = ['query', 'revenue/total_revenue', '--by', 'region', '--db', db, '--json']
    const results = await Promise.all(Array.from({length: 4}, () => runCli(args)))
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
    const writer = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'delete', 'revenue/arr', '--db', db, '--wait', '120', '--json'], {
      cwd: ROOT,
      env: {...process.env, NO_COLOR: '1'},
    })
    let stdout = ''
    writer.stdout.on('data', (d: Buffer) => (stdout += d))
    const exited = new Promise<number | null>((resolve) => writer.on('exit', resolve))
    try {
      // release only once the writer has met the lock, so this exercises the wait
      await new Promise<void>((resolve) => {
        let stderr = ''
        writer.stderr.on('data', (d: Buffer) => {
          stderr += d
          if (stderr.includes('Waiting up to 120 s')) {
            expect(stderr).toContain(`locked by process ${holder.pid} (`)
            resolve()
          }
        })
      })
      holder.stdin!.end()
      expect(await exited).toBe(0)
      expect(JSON.parse(stdout)).toEqual({id: 'revenue/arr', deleted: true})
    } finally {
      holder.kill('SIGKILL')
      writer.kill('SIGKILL')
    }
  })

  it('a reader that cannot get the file says which process holds it, and no --server advice without a server', async () => {
    const holder = await holdLock(db)
    try {
      const r = await runCli(['list', '--db', db, '--wait', '0'])
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
        const r = await runCli(args, {cwd: empty})
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
      const catalog = await openCatalog({db: file, create: true})
      await catalog.importPath(path.join(FIXTURES, 'metrics'))
      catalog.close()
      chmodSync(file, 0o444)
      chmodSync(ro, 0o555)
      // root ignores file modes: run the command as an unprivileged user then
      const asUser = process.getuid?.() === 0 ? {uid: 65_534, gid: 65_534} : {}
      const r = await spawnCli(['list', '--db', file, '--json'], asUser)
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(JSON.parse(r.stdout).metrics.map((m: {id: string}) => m.id)).toContain('revenue/mrr')
      const w = await spawnCli(['delete', 'revenue/mrr', '--db', file, '--wait', '0'], asUser)
      expect(w.code).toBe(1)
      expect(w.stderr).toMatch(/^Error: cannot open .*ro\.duckdb: permission denied/)
      expect(existsSync(`${file}.wal`)).toBe(false)
    } finally {
      chmodSync(ro, 0o755)
      done()
    }
  })
})

describe('UTC whatever TZ is', () => {
  it('stores and prints definition, version and token timestamps in UTC under TZ=America/New_York', async () => {
    const {dir: tz, cleanup: done} = tempDir()
    try {
      const file = path.join(tz, 'tz.duckdb')
      const env = {TZ: 'America/New_York'}
      const before = Date.now() - 1000
      expect((await runCli(['init', '--db', file], {env})).code).toBe(0)
      expect((await runCli(['import', path.join(FIXTURES, 'metrics'), '--db', file], {env})).code).toBe(0)
      const token = JSON.parse((await runCli(['token', 'create', 'tz', '--role', 'analyst', '--db', file, '--json'], {env})).stdout)
      const show = JSON.parse((await runCli(['show', 'revenue/mrr', '--db', file, '--json'], {env})).stdout)
      const history = JSON.parse((await runCli(['history', 'revenue/mrr', '--db', file, '--json'], {env})).stdout)
      const after = Date.now() + 1000
      const stamps = {token: token.created_at, created: show.created_at, updated: show.updated_at, changed: history.versions[0].changed_at}
      for (const [what, stamp] of Object.entries(stamps)) {
        // a local time labelled as UTC would be 5 hours off
        const t = Date.parse(/Z$|[+-]\d\d:\d\d$/.test(stamp) ? stamp : `${stamp}Z`)
        expect({what, ok: t >= before && t <= after}).toEqual({what, ok: true})
      }
    } finally {
      done()
    }
  })
})

function writeCsv(file: string): void {
  // a real file, so the commands get as far as opening the database
  writeFileSync(file, 'a,b\n1,2\n')
}

function spawnCli(args: string[], options: {uid?: number; gid?: number}): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), ...args], {
      cwd: '/',
      env: {...process.env, NO_COLOR: '1', METRICAT_DB: '', HOME: '/tmp'},
      ...options,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.on('close', (code) => resolve({code: code ?? 1, stdout, stderr}))
  })
}
