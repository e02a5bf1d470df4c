// `metricat validate` opens the database file itself (no server route validates): while another
// process holds the file, its lock error says what to do, as every other command's does, and a
// running metricat server is not waited for. Spawns one node process: the lock must be another
// process's.
import type {ChildProcess} from 'node:child_process'
import {rmSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {announcementPath, writeAnnouncement} from '../../src/server/announcement.js'
import {demoDatabase, holdLock, runCommand, tempDir} from '../helpers.js'

let dir: string
let cleanup: () => void
let db: string
let holder: ChildProcess

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  db = await demoDatabase(dir)
  holder = await holdLock(db)
})
afterAll(() => {
  holder?.kill('SIGKILL')
  cleanup()
})

describe('validate on a file another process holds', () => {
  it('names the holder and says to wait for it or stop it', async () => {
    const r = await runCommand(['validate', '--db', db, '--wait', '0'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`Error: ${db} is locked by process ${holder.pid}`)
    expect(r.stderr).toContain('Hint: waited 0 s; wait for that process to finish and run this again (or raise --wait), or stop it')
  })

  it('held by a running metricat server: says to stop the server, without waiting for it', async () => {
    writeAnnouncement({url: 'http://127.0.0.1:9', pid: holder.pid!, token: 't', db, started_at: new Date().toISOString()})
    try {
      const r = await runCommand(['validate', 'metrics/', '--db', db, '--wait', '600'])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(`Hint: \`metricat validate\` needs the file itself: stop the metricat server at http://127.0.0.1:9 (PID ${holder.pid}), then run it again`)
    } finally {
      rmSync(announcementPath(db), {force: true})
    }
  })
})
