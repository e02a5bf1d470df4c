// Per-file CPU, for finding where the suite's time goes (README, "Test time"): with
// METRICAT_TEST_CPU=<file> set, every test file appends one tab-separated line to <file>:
//
//   test file, worker CPU s (user+system, this worker process), children CPU s (its child processes
//   that ended during the file: `bin/run.js`, `serve`, connectors, Chromium), ClickHouse CPU s (the
//   run's clickhouse-server processes, all of them: exact only with --maxWorkers 1), wall s
//
// From the first line of the file's setup to its last afterAll. Without the variable it does nothing.
// Vitest's own start-up (~2.6 s of CPU per run) is no file's; the demo database's build (~10 s) is the
// first file's that needs it.
import {appendFileSync, readdirSync, readFileSync} from 'node:fs'
import {relative} from 'node:path'

import {afterAll, beforeAll} from 'vitest'

const out = process.env.METRICAT_TEST_CPU

if (out) {
  const start = sample()
  let file = ''
  beforeAll(({}, suite) => {
    file = relative(process.cwd(), suite.file.filepath)
  })
  afterAll(() => {
    const end = sample()
    const s = (n: number) => n.toFixed(2)
    appendFileSync(out, `${file}\t${s(end.self - start.self)}\t${s(end.children - start.children)}\t${s(end.clickhouse - start.clickhouse)}\t${s((end.wall - start.wall) / 1000)}\n`)
  })
}

function sample(): {self: number; children: number; clickhouse: number; wall: number} {
  const tick = 100 // USER_HZ on Linux
  const fields = (pid: number | string) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  }
  const me = fields('self')
  // fields after the command, from 0: state ppid ... utime(11) stime(12) cutime(13) cstime(14)
  const self = (Number(me[11]) + Number(me[12])) / tick
  const children = (Number(me[13]) + Number(me[14])) / tick
  // clickhouse-server processes below vitest's main process (this worker's parent)
  let clickhouse = 0
  const parent = new Map<number, number>()
  const servers: {pid: number; cpu: number}[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      parent.set(Number(name), Number(rest[1]))
      if (stat.includes('(clickhouse-serv')) servers.push({pid: Number(name), cpu: (Number(rest[11]) + Number(rest[12])) / tick})
    } catch {
      // gone
    }
  }
  for (const server of servers) {
    for (let p = parent.get(server.pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === process.ppid) {
        clickhouse += server.cpu
        break
      }
    }
  }
  return {self, children, clickhouse, wall: performance.now()}
}
