import { sql, type Kysely } from 'kysely'
import { z } from 'zod'
import type { Database } from '../db/connect.ts'
import type { Schema } from '../db/schema.ts'
import { DayText, IsoDate } from './contracts.ts'
import { BadRequest, IndexNotFound, withErrors } from './errors.ts'

// Computing and publishing fixings. Every figure comes from SQL (sql/functions/cpx_compute_fixings.sql,
// cpx_publish_fixings.sql); this module picks the indices and days, runs them in transactions and reports.

/** The channel cpx_publish_fixings NOTIFYs with each new revision, and the caches listen on. */
export const FIXINGS_CHANNEL = 'cpx_fixings'

export const MAX_RANGE_DAYS = 3 * 366
export const DEFAULT_CHUNK_DAYS = 31
export const REVISION_REASONS = ['late_quotes', 'definition_change', 'correction'] as const

export const ComputeBody = z.strictObject({
  from: IsoDate,
  to: IsoDate,
  indices: z.array(z.string().regex(/^[A-Z0-9][A-Z0-9-]{1,47}$/, 'must be an index code')).min(1).max(1000).optional()
    .meta({ description: 'index codes; all indices when absent' }),
  reason: z.enum(REVISION_REASONS).optional()
    .meta({ description: 'reason recorded on the revisions this run stores; by default late_quotes, definition_change or correction as found' }),
}).meta({ id: 'ComputeRequest' })

export const IndexComputeReport = z.object({
  code: z.string(),
  days: z.number().int().meta({ description: 'days computed' }),
  published: z.number().int().meta({ description: 'days published for the first time (revision 1)' }),
  revised: z.number().int().meta({ description: 'days that got a new revision: a figure or constituent changed' }),
  unchanged: z.number().int().meta({ description: 'days whose current revision still stands' }),
  insufficient: z.number().int().meta({ description: 'days whose fixing is insufficient_data' }),
}).meta({ id: 'IndexComputeReport' })

export const ComputeReport = z.object({
  from: DayText,
  to: DayText,
  indices: z.array(IndexComputeReport),
  ms: z.number().meta({ description: 'wall time of the computation' }),
}).meta({ id: 'ComputeReport' })

export type IndexReport = z.infer<typeof IndexComputeReport>
export type Report = z.infer<typeof ComputeReport>

export interface ComputeOptions {
  from: string
  to: string
  /** index codes; every defined index when absent */
  indices?: string[]
  /** reason for revisions 2+; by default found per day (late_quotes, definition_change, correction) */
  reason?: typeof REVISION_REASONS[number]
  /** days per statement and transaction (default 31: short transactions, progress per chunk; a year costs
   *  about the same in one statement or in chunks); a failure keeps the chunks already committed, each of
   *  complete days */
  chunkDays?: number
  /** called after each committed chunk with the days done so far */
  onProgress?: (doneDays: number, totalDays: number) => void
}

const DAY_MS = 86_400_000
export const addDays = (day: string, n: number) => new Date(Date.parse(day + 'T00:00:00Z') + n * DAY_MS).toISOString().slice(0, 10)
export const daysBetween = (from: string, to: string) => Math.round((Date.parse(to + 'T00:00:00Z') - Date.parse(from + 'T00:00:00Z')) / DAY_MS)

/** 400 problems for a range: the field is named. */
export function checkRange (from: string, to: string): void {
  if (from > to) throw withErrors(new BadRequest(`from (${from}) is after to (${to})`), [{ path: 'body/from', reason: 'must not be after to' }])
  if (daysBetween(from, to) + 1 > MAX_RANGE_DAYS) {
    throw withErrors(new BadRequest(`The range ${from}..${to} is longer than 3 years`), [{ path: 'body/to', reason: `must be at most ${MAX_RANGE_DAYS} days after from` }])
  }
}

/** The indices asked for (all when absent), sorted, with their kinds; an unknown code is a 404. */
async function resolveCodes (db: Kysely<Schema>, codes?: string[]): Promise<{ code: string, kind: string }[]> {
  const rows = await db.selectFrom('index_definitions').select(['code', 'kind']).orderBy('code').execute()
  if (!codes) return rows
  const known = new Set(rows.map((r) => r.code))
  const unknown = codes.filter((c) => !known.has(c))
  if (unknown.length) throw new IndexNotFound(unknown.join(', '))
  const wanted = new Set(codes)
  return rows.filter((r) => wanted.has(r.code))
}

/**
 * How many transactions a computation runs side by side on a server database. Indices of different kinds
 * (GPU, model) never read the same quotes, so they are computed in separate lanes, each a sequence of
 * chunk transactions on its own connection: a backfill uses two of the server's cores, as Postgres's own
 * parallel query would. Each lane locks only its own indices (cpx_publish_fixings), so lanes never wait for
 * each other. The embedded database has one connection: one lane.
 */
export const COMPUTE_LANES = 2

function lanesOf (indices: { code: string, kind: string }[], lanes: number): string[][] {
  const byKind = new Map<string, string[]>()
  for (const { code, kind } of indices) {
    const codes = byKind.get(kind)
    if (codes) codes.push(code)
    else byKind.set(kind, [code])
  }
  const out: string[][] = Array.from({ length: Math.max(1, Math.min(lanes, byKind.size)) }, () => [])
  ;[...byKind.keys()].sort().forEach((kind, i) => out[i % out.length]!.push(...byKind.get(kind)!))
  return out.map((codes) => codes.sort())
}

/**
 * Publishes [from, to] for the given indices inside one transaction of `db` (or of the transaction
 * passed in): cpx_publish_fixings locks the indices, computes, stores changed revisions and notifies.
 */
export async function publishRange (db: Kysely<Schema>, codes: string[], from: string, to: string, reason?: string): Promise<IndexReport[]> {
  const { rows } = await sql<{ index_code: string, days: number, published: number, revised: number, unchanged: number, insufficient: number }>`
    select * from cpx_publish_fixings(${codes}::text[], ${from}::date, ${to}::date, ${reason ?? null}::text)`.execute(db)
  return rows.map((r) => ({ code: r.index_code, days: r.days, published: r.published, revised: r.revised, unchanged: r.unchanged, insufficient: r.insufficient }))
}

/** The report of one index so far: what its committed chunks said, or nothing done. */
const reportOf = (byCode: Map<string, IndexReport>, code: string): IndexReport => byCode.get(code) ?? { code, days: 0, published: 0, revised: 0, unchanged: 0, insufficient: 0 }

function merge (into: Map<string, IndexReport>, part: IndexReport[]) {
  for (const r of part) {
    const t = into.get(r.code)
    if (!t) { into.set(r.code, { ...r }); continue }
    t.days += r.days; t.published += r.published; t.revised += r.revised; t.unchanged += r.unchanged; t.insufficient += r.insufficient
  }
}

/**
 * Computes or recomputes fixings for every day of [from, to] (set-based SQL, one statement per chunk of
 * days) and reports per index what was published, revised, unchanged or insufficient.
 */
export async function computeFixings (database: Pick<Database, 'db'> & Partial<Pick<Database, 'announce' | 'kind'>>, opts: ComputeOptions): Promise<Report> {
  checkRange(opts.from, opts.to)
  const t0 = performance.now()
  const indices = await resolveCodes(database.db, opts.indices)
  const total = daysBetween(opts.from, opts.to) + 1
  const chunk = Math.max(1, opts.chunkDays ?? DEFAULT_CHUNK_DAYS)
  const byCode = new Map<string, IndexReport>()
  const lanes = indices.length ? lanesOf(indices, database.kind === 'server' ? COMPUTE_LANES : 1) : []
  const done = lanes.map(() => 0)
  let failed = false
  const runLane = async (codes: string[], lane: number) => {
    try {
      for (let start = 0; start < total; start += chunk) {
        if (failed) return // another lane failed: stop at a chunk boundary
        const from = addDays(opts.from, start)
        const to = addDays(opts.from, Math.min(start + chunk, total) - 1)
        const part = await database.db.transaction().execute((trx) => publishRange(trx, codes, from, to, opts.reason))
        // Committed: this process's caches drop what changed now; others on NOTIFY cpx_fixings.
        for (const r of part) if (r.published || r.revised) database.announce?.(FIXINGS_CHANNEL, JSON.stringify({ code: r.code }))
        merge(byCode, part)
        done[lane] = Math.min(start + chunk, total)
        opts.onProgress?.(Math.min(...done), total)
      }
    } catch (err) {
      failed = true // the other lanes stop after their current chunk
      throw err
    }
  }
  // Every lane has finished (committed or rolled back its chunk) before the call answers or fails.
  const settled = await Promise.allSettled(lanes.map(runLane))
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failure) throw committedSoFar(failure.reason, opts.from, lanes, done, byCode)
  return { from: opts.from, to: opts.to, indices: indices.map(({ code }) => reportOf(byCode, code)), ms: Math.round(performance.now() - t0) }
}

/**
 * What a computation cut off part-way had already committed, per index: the days from `from` through
 * `through` (null: none) are published and stay, with the counts of those chunks. Attached to the
 * error as `committed`; the problem answer carries it (docs/api.md), so a retry is safe and visible.
 */
export interface CommittedDays { from: string, indices: Array<IndexReport & { through: string | null }> }

function committedSoFar (err: unknown, from: string, lanes: string[][], done: number[], byCode: Map<string, IndexReport>): unknown {
  const indices = lanes.flatMap((codes, lane) => codes.map((code) => ({
    ...reportOf(byCode, code),
    through: done[lane]! > 0 ? addDays(from, done[lane]! - 1) : null,
  }))).sort((a, b) => a.code < b.code ? -1 : 1)
  const committed: CommittedDays = { from, indices }
  return err && typeof err === 'object' ? Object.assign(err, { committed }) : Object.assign(new Error(String(err)), { committed })
}

export interface StoredConstituent {
  provider: string
  product: string
  value: string | null
  segments: Record<string, number>
  n_quotes: number
  quote_ids: number[]
  excluded: boolean
  reason: string | null
}

/**
 * The revision of (index, day) current at `asOf` (the newest when absent) with its constituents, as
 * stored: figures are numeric strings rounded to 6 dp. The read API serves fixings; this is the
 * engine's own view (tests, CLI, audits).
 */
export async function fixingAsOf (db: Kysely<Schema>, code: string, date: string, asOf?: string) {
  const fixing = await db.selectFrom(sql<Schema['fixings']>`cpx_fixing_as_of(${code}, ${date}::date, ${asOf ?? 'infinity'}::timestamptz)`.as('f'))
    .selectAll().executeTakeFirst()
  if (!fixing) return undefined
  const constituents = await db.selectFrom('fixing_constituents').selectAll()
    .where('fixing_id', '=', fixing.id).orderBy('provider').orderBy('product').execute()
  return { ...fixing, constituents: constituents as unknown as (StoredConstituent & { fixing_id: number })[] }
}

/** Every revision of (index, day), oldest first. */
export async function fixingRevisions (db: Kysely<Schema>, code: string, date: string) {
  return db.selectFrom('fixings').selectAll().where('index_code', '=', code).where('date', '=', date).orderBy('revision').execute()
}
