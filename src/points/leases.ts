import type {Database} from '../db/connection.js'
import {timestampText} from './schedule.js'

const LEASES = 'mc.metricat.source_leases'
const SOURCES = 'mc.metricat.data_sources'

/**
 * Claims a due source for one scheduler (`holder`) in one transaction: only when it is still due
 * at `now` (another scheduler may have just run it and moved next_poll_at), not disabled, and no
 * unexpired lease of another holder exists. The lease expires at `expires` (the run's timeout plus
 * a margin), so a crashed scheduler's claim does not block the source for ever.
 */
export async function claimSource(db: Database, id: string, holder: string, now: Date, expires: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const at = timestampText(now)
    const [due] = await tx.all<{n: number}>(
      `SELECT count(*)::INTEGER AS n FROM ${SOURCES} WHERE id = $1 AND coalesce(status, 'active') <> 'disabled' AND command IS NOT NULL AND next_poll_at <= CAST($2 AS TIMESTAMP)`,
      [id, at],
    )
    if (due!.n === 0) return false
    await tx.run(`DELETE FROM ${LEASES} WHERE data_source_id = $1 AND expires_at <= CAST($2 AS TIMESTAMP)`, [id, at])
    const [held] = await tx.all<{n: number}>(`SELECT count(*)::INTEGER AS n FROM ${LEASES} WHERE data_source_id = $1`, [id])
    if (held!.n > 0) return false
    await tx.run(`INSERT INTO ${LEASES} (data_source_id, holder, acquired_at, expires_at) VALUES ($1, $2, CAST($3 AS TIMESTAMP), CAST($4 AS TIMESTAMP))`, [id, holder, at, timestampText(expires)])
    return true
  })
}

export async function releaseSource(db: Database, id: string, holder: string): Promise<void> {
  await db.run(`DELETE FROM ${LEASES} WHERE data_source_id = $1 AND holder = $2`, [id, holder])
}

/** Ids of the sources due at `now`, most overdue first. */
export async function dueSourceIds(db: Database, now: Date): Promise<string[]> {
  const rows = await db.all<{id: string}>(
    `SELECT id FROM ${SOURCES} WHERE coalesce(status, 'active') <> 'disabled' AND command IS NOT NULL AND next_poll_at <= CAST($1 AS TIMESTAMP) ORDER BY next_poll_at, id`,
    [timestampText(now)],
  )
  return rows.map((r) => r.id)
}
