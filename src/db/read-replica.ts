import { Kysely, PostgresDialect } from 'kysely'
import type pg from 'pg'
import { FIXINGS_CHANNEL } from '../domain/fixings.ts'
import { serverPool, type Database } from './connect.ts'
import type { Schema } from './schema.ts'

// DATABASE_READ_URL: the read routes' queries go to a replica when it is known to hold every publication
// this instance has heard of; else to the primary (docs/operations.md, "Read replicas"). NOTIFY is not
// replicated, so the rule is checked here: every CHECK_MS the primary's WAL position is read, then the
// replica's replay position; once the replica has replayed past it, it holds everything committed
// before that moment. A read uses the replica only if such a check started after the last
// announcement on cpx_fixings (a fixing, a revision, a definition) and ended less than FRESH_MS ago
// (a replica that stops answering is left within that time). Writes, key checks, the scheduler and
// every other route use the primary.

const CHECK_MS = 200
const FRESH_MS = 2000

export interface ReadRouting {
  /** the read routes' Kysely: each query takes a connection from the replica or the primary, by the rule above */
  db: Kysely<Schema>
  /** queries sent to each, for /metrics and tests */
  counts: { replica: number, primary: number }
  close: () => Promise<void>
}

export async function readRouting (primary: Database & { pool: pg.Pool }, replicaUrl: string): Promise<ReadRouting> {
  const replica = serverPool(replicaUrl, 'cpx-read')
  let announcedAt = 0 // local clock, when this instance last heard of a publication
  let coveredAt = 0 // the replica has replayed everything the primary had written at this time
  let checkedAt = 0
  const counts = { replica: 0, primary: 0 }
  const unlisten = await primary.listen(FIXINGS_CHANNEL, () => { announcedAt = Date.now() })

  async function check (): Promise<void> {
    const startedAt = Date.now()
    const { rows: [p] } = await primary.pool.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')
    // The test setup points DATABASE_READ_URL at the primary itself: not in recovery, it holds everything.
    const { rows: [r] } = await replica.query<{ ok: boolean }>(
      'select pg_wal_lsn_diff(case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_lsn() end, $1::pg_lsn) >= 0 as ok', [p!.lsn])
    if (r?.ok) coveredAt = startedAt
    checkedAt = Date.now()
  }
  let running: Promise<void> | undefined
  const timer = setInterval(() => { running ??= check().catch(() => {}).finally(() => { running = undefined }) }, CHECK_MS)
  timer.unref()

  const useReplica = () => coveredAt > announcedAt && Date.now() - checkedAt < FRESH_MS
  // Kysely's Postgres dialect only ever calls connect() and end() on its pool.
  const routing = {
    connect: () => {
      if (useReplica()) { counts.replica++; return replica.connect() }
      counts.primary++
      return primary.pool.connect()
    },
    end: async () => {},
  } as unknown as pg.Pool
  return {
    db: new Kysely<Schema>({ dialect: new PostgresDialect({ pool: routing }) }),
    counts,
    async close () {
      clearInterval(timer)
      await running
      await unlisten()
      await replica.end()
    },
  }
}
