// `metricat mcp` start-up: spawn to the answer of `initialize` (what an agent client waits for
// before it times out a server), against a bare node that answers the same line on stdin.
import {spawn} from 'node:child_process'
import path from 'node:path'

import {BIN, ROOT, cli, freshDir, median, report} from './lib.js'

const INITIALIZE = `${JSON.stringify({jsonrpc: '2.0', id: 1, method: 'initialize', params: {protocolVersion: '2025-06-18', capabilities: {}, clientInfo: {name: 'bench', version: '1'}}})}\n`
const BARE = `process.stdin.once('data', () => { process.stdout.write('{"jsonrpc":"2.0","id":1,"result":{}}\\n'); process.exit(0) })`

/** ms from spawn to the first line on stdout, after writing `initialize`; then closes stdin and waits for the exit. */
function timeToAnswer(args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, args, {cwd: ROOT, env: {...process.env, NO_COLOR: '1', METRICAT_DB: ''}, stdio: ['pipe', 'pipe', 'pipe']})
    let out = ''
    let err = ''
    let ms
    child.stdout.on('data', (d) => {
      out += d
      if (ms === undefined && out.includes('\n')) {
        ms = performance.now() - t0
        if (!out.includes('"id":1')) reject(new Error(`unexpected answer: ${out}`))
        child.stdin.end()
      }
    })
    child.stderr.on('data', (d) => (err += d))
    child.on('exit', (code) => (ms === undefined ? reject(new Error(`exited ${code} before answering: ${err}`)) : resolve(ms)))
    child.stdin.write(INITIALIZE)
  })
}

export async function run() {
  console.log('mcp')
  const dir = freshDir('mcp')
  const db = path.join(dir, 'mcp.duckdb')
  cli(['init', '--db', db])
  cli(['import', path.join(ROOT, 'metrics'), '--db', db])
  const mcp = []
  const bare = []
  await timeToAnswer([BIN, 'mcp', '--db', db])
  await timeToAnswer(['-e', BARE])
  for (let i = 0; i < 11; i++) {
    mcp.push(await timeToAnswer([BIN, 'mcp', '--db', db]))
    bare.push(await timeToAnswer(['-e', BARE]))
  }
  report('`metricat mcp` spawn to initialize answer (target <= 500 ms absolute) / bare node answering stdin', {value: median(mcp), baseline: median(bare), note: `absolute ${median(mcp) <= 500 ? 'ok' : 'MISSED'}`})
}
