import { sql, type Kysely, type Selectable } from 'kysely'
import type { Database } from '../db/connect.ts'
import type { Schema, SourceTable } from '../db/schema.ts'
import { fetchPayload, RunFailure } from '../importers/fetch-payload.ts'
import { failRun, startRun, storePayload } from '../importers/provenance.ts'

// The collector (docs/importers.md): every tick, each enabled source whose next_run_at has come is
// CLAIMED by moving next_run_at one interval on, in one UPDATE; only the instance whose UPDATE moved
// it runs it (a concurrent UPDATE re-reads the row and finds it no longer due). A failed run is tried
// again after FAILED_RETRY_SECONDS (or its interval, if shorter).

export type SourceRow = Selectable<SourceTable>
export const FAILED_RETRY_SECONDS = 900

export interface CollectOptions {
  /** header values by environment variable name (config.ts envReference) */
  env?: (name: string) => string | undefined
  retryBaseMs?: number
  /** the observation time of the quotes (tests pin it); default: when the payload arrived */
  now?: () => Date
  trigger?: 'schedule' | 'manual'
  signal?: AbortSignal
}

export interface CollectResult { source: string, run_id: number, status: 'ok' | 'failed', error?: string, accepted?: number }

/** Claims the most overdue enabled source, or none. `at`: the claim time (the clock, or a test's). */
export async function claimDueSource (db: Kysely<Schema>, at: Date): Promise<SourceRow | undefined> {
  const { rows } = await sql<SourceRow>`
    update sources s set next_run_at = ${at.toISOString()}::timestamptz + make_interval(secs => s.interval_seconds)
    where s.name = (select name from sources where enabled and next_run_at <= ${at.toISOString()}::timestamptz
                    order by next_run_at, name limit 1 for update skip locked)
      and s.enabled and s.next_run_at <= ${at.toISOString()}::timestamptz
    returning s.*`.execute(db)
  return rows[0]
}

function headersOf (source: SourceRow, env: CollectOptions['env']): Record<string, string> {
  const refs = (source.header_env ?? {}) as Record<string, string>
  const headers: Record<string, string> = {}
  for (const [header, variable] of Object.entries(refs)) {
    const value = env?.(variable)
    if (value === undefined) throw new RunFailure('config', `header ${header} needs the environment variable ${variable}, which is not set`)
    headers[header] = value
  }
  return headers
}

/** One run of one source: fetch, then parse and store (provenance.ts). Never throws for a source fault. */
export async function collectSource (database: Pick<Database, 'db'>, source: SourceRow, opts: CollectOptions = {}): Promise<CollectResult> {
  const { db } = database
  const start = { source: source.name, importer: source.importer, trigger: opts.trigger ?? 'schedule', url: source.url, provider: source.provider }
  const id = await startRun(db, start)
  try {
    const fetched = await fetchPayload({ url: source.url, headers: headersOf(source, opts.env), timeoutMs: source.timeout_ms, maxBytes: source.max_bytes, retries: source.retries, retryBaseMs: opts.retryBaseMs, signal: opts.signal })
    const observedAt = (opts.now?.() ?? new Date()).toISOString()
    const summary = await storePayload(db, id, start, { bytes: fetched.bytes, observedAt, httpStatus: fetched.httpStatus, attempts: fetched.attempts, strict: true })
    return { source: source.name, run_id: id, status: 'ok', accepted: summary?.accepted ?? 0 }
  } catch (err) {
    const f = err instanceof RunFailure ? err : new RunFailure('database', (err as Error).message)
    const recorded = await db.selectFrom('source_runs').select('status').where('id', '=', id).executeTakeFirst()
    if (recorded?.status === 'running') await failRun(db, id, f)
    // retry sooner than a whole interval
    await sql`update sources set next_run_at = least(next_run_at, clock_timestamp() + make_interval(secs => least(interval_seconds, ${FAILED_RETRY_SECONDS})))
      where name = ${source.name}`.execute(db)
    return { source: source.name, run_id: id, status: 'failed', error: `${f.kind}: ${f.message}` }
  }
}

/** Runs every due source once (claimed one at a time, so several instances share the work). */
export async function runDueSources (database: Pick<Database, 'db'>, opts: CollectOptions & { at?: Date } = {}): Promise<CollectResult[]> {
  const results: CollectResult[] = []
  for (;;) {
    if (opts.signal?.aborted) return results
    const source = await claimDueSource(database.db, opts.at ?? new Date())
    if (!source) return results
    results.push(await collectSource(database, source, opts))
  }
}

/** `cpx collect [name]` and POST /v1/sources/{name}/collect: now, enabled or not; the schedule moves on. */
export async function collectNow (database: Pick<Database, 'db'>, names: string[], opts: CollectOptions = {}): Promise<CollectResult[]> {
  const results: CollectResult[] = []
  for (const name of names) {
    const { rows } = await sql<SourceRow>`update sources set next_run_at = clock_timestamp() + make_interval(secs => interval_seconds)
      where name = ${name} returning *`.execute(database.db)
    if (rows[0]) results.push(await collectSource(database, rows[0], { ...opts, trigger: 'manual' }))
  }
  return results
}

export interface CollectorLog { info: (obj: object, msg: string) => void, warn: (obj: object, msg: string) => void, error: (obj: object, msg: string) => void }

/** Looks for due sources every tick; stop() clears the timer and waits for a run in progress. */
export function startCollector (opts: CollectOptions & { database: Pick<Database, 'db'>, tickMs?: number, log?: CollectorLog }) {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> | undefined
  let stopped = false
  const abort = new AbortController()
  async function tick () {
    try {
      // a run an instance left behind when it died (no run takes an hour: timeouts and caps see to it)
      await sql`update source_runs set status = 'failed', finished_at = clock_timestamp(), error_kind = 'interrupted',
        error = 'the instance running it stopped' where status = 'running' and started_at < clock_timestamp() - interval '1 hour'`.execute(opts.database.db)
      for (const r of await runDueSources(opts.database, { ...opts, signal: abort.signal })) {
        if (r.status === 'ok') opts.log?.info(r, 'source run done')
        else opts.log?.warn(r, 'source run failed; retried later')
      }
    } catch (err) {
      opts.log?.error({ err }, 'collector tick failed; retrying next tick')
    }
  }
  const loop = () => {
    if (stopped) return
    running = tick().finally(() => { if (!stopped) timer = setTimeout(loop, opts.tickMs ?? 30_000) })
  }
  loop()
  return {
    async stop () {
      stopped = true
      abort.abort() // a fetch in progress ends now, as a failed run (interrupted)
      clearTimeout(timer)
      await running
    },
  }
}
