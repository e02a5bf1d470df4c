import {closeSync, openSync, readFileSync, rmSync, writeSync} from 'node:fs'

/**
 * What a running `metricat serve` tells local CLI commands: where it listens and a per-run admin
 * token. Lives beside the database as `<db>.server.json`, mode 0600 (only the file's owner may read
 * the token), written once listening and removed on shutdown. A file whose PID is dead is stale.
 */
export interface Announcement {
  url: string
  pid: number
  token: string
  db: string
  started_at: string
}

export function announcementPath(db: string): string {
  return `${db}.server.json`
}

export function writeAnnouncement(announcement: Announcement): string {
  const file = announcementPath(announcement.db)
  // a stale file may belong to someone else or have wider permissions: replace it, never reuse it
  rmSync(file, {force: true})
  const fd = openSync(file, 'wx', 0o600)
  try {
    writeSync(fd, `${JSON.stringify(announcement, null, 2)}\n`)
  } finally {
    closeSync(fd)
  }
  return file
}

/** Removes the announcement if it is this process's (a newer server may have replaced it). */
export function removeAnnouncement(db: string, pid = process.pid): void {
  const current = readAnnouncement(db)
  if (current && current.pid !== pid) return
  rmSync(announcementPath(db), {force: true})
}

export function readAnnouncement(db: string): Announcement | undefined {
  let text: string
  try {
    text = readFileSync(announcementPath(db), 'utf8')
  } catch {
    return undefined
  }
  try {
    const a = JSON.parse(text) as Partial<Announcement>
    if (typeof a.url !== 'string' || typeof a.token !== 'string' || !Number.isInteger(a.pid)) return undefined
    return a as Announcement
  } catch {
    return undefined
  }
}

/** The announcement of a server that is still running, if any. */
export function readLiveAnnouncement(db: string): Announcement | undefined {
  const a = readAnnouncement(db)
  return a && isAlive(a.pid) ? a : undefined
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
