import { sql, type Kysely } from 'kysely'
import type { Database } from '../db/connect.ts'
import type { Schema } from '../db/schema.ts'
import { addDays, publishRange, type IndexReport } from '../domain/fixings.ts'
import { MAX_POSTED_AGE_DAYS } from '../domain/methodology-v2.ts'

// The daily fixing run (DESIGN §7). After FIXING_TIME (UTC) yesterday is due. A run, in ONE transaction
// holding a transaction-level advisory lock (exactly one instance runs; the others skip):
//  1. catches up every index from the day after its last fixing to the due day (at most MAX_CATCH_UP_DAYS;
//     an index never fixed starts at the due day: history is computed on request, POST /v1/indices/compute);
//  2. recomputes the days whose window holds quotes ingested after the day's current revision was
//     published (late quotes): a changed figure becomes a new revision, reason late_quotes.
// A run that fails stores nothing; the next tick tries again.

export const SCHEDULER_LOCK = 4_242_021
export const MAX_CATCH_UP_DAYS = 400

export interface RunResult {
  /** another instance holds the lock */
  skipped: boolean
  due: string
  catchUp: IndexReport[]
  late: IndexReport[]
}

/** The latest day whose fixing is due at `now`: yesterday once FIXING_TIME (HH:MM UTC) has passed, else the day before. */
export function dueDay (now: Date, fixingTime: string): string {
  const today = now.toISOString().slice(0, 10)
  const hhmm = now.toISOString().slice(11, 16)
  return addDays(today, hhmm >= fixingTime ? -1 : -2)
}

async function catchUpRanges (trx: Kysely<Schema>, due: string, oldest: string) {
  const { rows } = await sql<{ code: string, from: string }>`
    select d.code, greatest(coalesce(max(f.date) + 1, ${due}::date), ${oldest}::date)::text as from
    from index_definitions d left join fixings f on f.index_code = d.code
    group by d.code
    having coalesce(max(f.date) + 1, ${due}::date) <= ${due}::date
    order by d.code`.execute(trx)
  return rows
}

// Days (per index: first and last) whose window (v2: or posted age) holds a quote ingested after their current revision.
async function lateRanges (trx: Kysely<Schema>, due: string, oldest: string) {
  const { rows } = await sql<{ code: string, from: string, to: string }>`
    with current_revision as (
      select distinct on (f.index_code, f.date) f.index_code, f.date, f.published_at
      from fixings f where f.date between ${oldest}::date and ${due}::date
      order by f.index_code, f.date, f.revision desc
    ),
    late_days as (
      select q.observed_day, max(q.ingested_at) as ingested_at
      from quotes q
      where q.ingested_at > (select min(published_at) from current_revision)
        and q.observed_day between ${oldest}::date - ${MAX_POSTED_AGE_DAYS}::int and ${due}::date
      group by q.observed_day
    )
    select c.index_code as code, min(c.date)::text as from, max(c.date)::text as to
    from current_revision c
    join index_definitions d on d.code = c.index_code
    -- a v2 posted price counts for max_posted_age_days: a late one that old still changes the day
    cross join lateral (select greatest(max(w::int), case when d.methodology->>'version' = '2'
      then coalesce((d.methodology->>'max_posted_age_days')::int, 45) else 0 end) as widest
      from jsonb_array_elements_text(d.methodology->'windows') w) w
    join late_days l on l.observed_day between c.date - (w.widest - 1) and c.date and l.ingested_at > c.published_at
    group by c.index_code
    order by c.index_code`.execute(trx)
  return rows
}

/** One scheduler run at `now`; safe to call from several instances at once. */
export async function runScheduledFixings (database: Pick<Database, 'db'>, opts: { now: Date, fixingTime: string, maxCatchUpDays?: number }): Promise<RunResult> {
  const due = dueDay(opts.now, opts.fixingTime)
  const oldest = addDays(due, -((opts.maxCatchUpDays ?? MAX_CATCH_UP_DAYS) - 1))
  return database.db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${SCHEDULER_LOCK}) as locked`.execute(trx)
    if (!rows[0]?.locked) return { skipped: true, due, catchUp: [], late: [] }
    const catchUp: IndexReport[] = []
    const byFrom = new Map<string, string[]>()
    for (const r of await catchUpRanges(trx, due, oldest)) byFrom.set(r.from, [...(byFrom.get(r.from) ?? []), r.code])
    for (const [from, codes] of byFrom) catchUp.push(...await publishRange(trx, codes, from, due))
    const late: IndexReport[] = []
    for (const r of await lateRanges(trx, due, oldest)) late.push(...await publishRange(trx, [r.code], r.from, r.to))
    return { skipped: false, due, catchUp, late }
  })
}

export interface SchedulerLog { info: (obj: object, msg: string) => void, error: (obj: object, msg: string) => void }

export interface SchedulerOptions {
  database: Pick<Database, 'db'>
  fixingTime: string
  /** the clock (tests inject one) */
  now?: () => Date
  /** how often to look at the clock */
  tickMs?: number
  log?: SchedulerLog
}

/**
 * Runs the daily fixing once at start and then once per due day, checking the clock every tick.
 * stop() clears the timer and waits for a run in progress.
 */
export function startScheduler (opts: SchedulerOptions) {
  const now = opts.now ?? (() => new Date())
  const tickMs = opts.tickMs ?? 60_000
  let lastDone: string | undefined
  let running: Promise<unknown> | undefined
  let timer: NodeJS.Timeout | undefined
  let stopped = false

  async function tick () {
    const at = now()
    if (dueDay(at, opts.fixingTime) === lastDone) return
    try {
      const r = await runScheduledFixings(opts.database, { now: at, fixingTime: opts.fixingTime })
      if (!r.skipped) lastDone = r.due
      opts.log?.info({ due: r.due, skipped: r.skipped, catch_up: r.catchUp, late: r.late }, r.skipped ? 'fixing run skipped: another instance holds the lock' : 'fixing run done')
    } catch (err) {
      opts.log?.error({ err }, 'fixing run failed; retrying next tick')
    }
  }
  const loop = () => {
    if (stopped) return
    running = tick().finally(() => { if (!stopped) timer = setTimeout(loop, tickMs) })
  }
  loop()
  return {
    async stop () {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
