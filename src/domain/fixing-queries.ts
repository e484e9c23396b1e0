import { sql, type Kysely, type SelectQueryBuilder } from 'kysely'
import type { Schema } from '../db/schema.ts'
import { IndexNotFound } from './errors.ts'
import type { AverageJson as Average, FixingJson as Fixing } from './fixing-reads.ts'

// Reads of published fixings. A read "as of T" sees the revision current at T: the highest revision of
// (index, date) with published_at <= T (DESIGN §4). Figures are stored rounded; ::float8 makes them JSON numbers.

type Db = Kysely<Schema>

const UNIT = sql<'USD/GPU-hour' | 'USD/1M tokens'>`case when d.kind = 'gpu' then 'USD/GPU-hour' else 'USD/1M tokens' end`
const fig = <C extends string>(col: C) => sql<number | null>`round(${sql.ref(`f.${col}`)}, 6)::float8`.as(col)
const STATUS = sql<Fixing['status']>`f.status`.as('status')

/**
 * The fixings of one index visible at `asOf` (the newest when null) over [from, to]: one row per day.
 * Point in time is the engine's SQL (sql/functions/cpx_fixings_as_of.sql): one definition of "as of".
 */
function currentFixings (db: Db, code: string, asOf: string | null, from?: string, to?: string) {
  return db.selectFrom(sql<Schema['fixings']>`cpx_fixings_as_of(${code}, ${from ?? '-infinity'}::date, ${to ?? 'infinity'}::date, ${asOf ?? 'infinity'}::timestamptz)`.as('f'))
    .innerJoin('index_definitions as d', 'd.code', 'f.index_code')
    .orderBy('f.date')
}

// A `select` list shared by every fixing-shaped answer.
function selectFixing<O> (q: SelectQueryBuilder<Schema & { f: Schema['fixings'], d: Schema['index_definitions'] }, 'f' | 'd', O>) {
  return q.select([
    // In the order of the Fixing schema (the JSON is sent as selected); id last, for constituents.
    'f.index_code as code', 'f.date', STATUS, fig('value'), fig('level'), UNIT.as('unit'), 'f.window_days', 'f.n_providers',
    'f.n_contributors', 'f.n_quotes', 'f.n_excluded', fig('min'), fig('p25'), fig('p75'), fig('max'), fig('hhi'),
    fig('max_provider_impact'), 'f.revision', 'f.published_at', 'f.methodology_version', 'f.hash', 'f.id',
  ])
}

export async function assertIndexExists (db: Db, code: string): Promise<void> {
  const row = await db.selectFrom('index_definitions').select('code').where('code', '=', code).executeTakeFirst()
  if (!row) throw new IndexNotFound(code)
}

export interface HistoryQuery { code: string, from?: string, to?: string, asOf: string | null, after?: string, limit: number }

/** A fixing row as served: without the internal id. */
export function withoutId<T extends { id: number }> (row: T): Omit<T, 'id'> {
  const { id, ...rest } = row
  return rest
}

/**
 * One page of history, oldest first; `more` when rows follow the last one. `now` pins the snapshot of
 * later pages: the index's newest publication time, which gives the same rows as the database clock
 * would, and the same cursor (so the same bytes and ETag) from every instance until the next publication.
 */
export async function findFixingHistory (db: Db, q: HistoryQuery): Promise<{ rows: Fixing[], more: boolean, now: string }> {
  const rows = await selectFixing(currentFixings(db, q.code, q.asOf, q.from, q.to))
    .select(sql<string>`(select max(published_at) from fixings where index_code = ${q.code})`.as('now'))
    .$if(q.after !== undefined, (b) => b.where('f.date', '>', q.after!))
    .limit(q.limit + 1)
    .execute()
  const more = rows.length > q.limit
  const now = rows[0]?.now ?? ''
  return { rows: rows.slice(0, q.limit).map(({ id, now, ...f }) => f as Fixing), more, now }
}

export async function findFixing (db: Db, code: string, date: string, asOf: string | null): Promise<(Fixing & { id: number }) | undefined> {
  const row = await selectFixing(currentFixings(db, code, asOf, date, date)).executeTakeFirst()
  return row as (Fixing & { id: number }) | undefined
}

/** The newest fixing of an index (by date, then revision). */
export async function findLatestFixing (db: Db, code: string): Promise<(Fixing & { id: number }) | undefined> {
  const row = await selectFixing(db.selectFrom('fixings as f').innerJoin('index_definitions as d', 'd.code', 'f.index_code'))
    .where('f.index_code', '=', code)
    .orderBy('f.date', 'desc').orderBy('f.revision', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row as (Fixing & { id: number }) | undefined
}

/** The newest fixing of every index, keyed by code. */
export async function findLatestFixings (db: Db): Promise<Map<string, Fixing & { id: number }>> {
  // One backward probe of the unique (index_code, date, revision) index per definition, not a sort of all history.
  const rows = await selectFixing(db.selectFrom('index_definitions as d')
    .innerJoinLateral((eb) => eb.selectFrom('fixings').selectAll().whereRef('fixings.index_code', '=', 'd.code')
      .orderBy('date', 'desc').orderBy('revision', 'desc').limit(1).as('f'), (join) => join.onTrue()))
    .execute()
  return new Map(rows.map((r) => [r.code, r as Fixing & { id: number }]))
}

/**
 * The constituents of a fixing revision. A v2 fixing's (methodology v2, sql/functions/cpx_compute_fixings_v2.sql) also carry, per
 * segment, the rule that kept the price and its age (`rules`), and the first-stage value of their model
 * (`model`: the median over its hosts that entered the index); v1 constituents have neither key.
 */
export async function findConstituents (db: Db, fixingId: number) {
  const rows = await db.selectFrom('fixing_constituents as c')
    .select([
      'c.provider', 'c.product', sql<number | null>`round(c.value, 6)::float8`.as('value'),
      sql<Record<string, number>>`(select coalesce(jsonb_object_agg(k, round(v::numeric, 6)::float8), '{}'::jsonb) from jsonb_each_text(c.segments) as e(k, v))`.as('segments'),
      'c.n_quotes', sql<string[]>`c.quote_ids::text[]`.as('quote_ids'), 'c.excluded', sql<'outlier' | 'incomplete_blend' | null>`c.reason`.as('reason'),
      sql<Record<string, { kept_by: 'window' | 'posted', age_days: number, observed_on: string }> | null>`(select jsonb_object_agg(r.segment,
        jsonb_build_object('kept_by', r.kept_by, 'age_days', r.age_days, 'observed_on', r.observed_on) order by r.segment)
        from fixing_constituent_rules r where r.fixing_id = c.fixing_id and r.provider = c.provider and r.product = c.product)`.as('rules'),
      sql<{ value: number, weight: number, n_contributors: number, n_providers: number } | null>`(select jsonb_build_object(
        'value', round(m.value, 6)::float8, 'weight', m.weight::float8, 'n_contributors', m.n_contributors, 'n_providers', m.n_providers)
        from fixing_models m where m.fixing_id = c.fixing_id and m.product = c.product)`.as('model'),
    ])
    .where('c.fixing_id', '=', fixingId)
    .orderBy('c.excluded').orderBy('c.provider').orderBy('c.product')
    .execute()
  return rows.map(({ rules, model, ...c }) => ({ ...c, ...(rules ? { rules } : {}), ...(model ? { model } : {}) }))
}

/** Every revision of one day, oldest first, with the time the next one replaced it. */
export async function findRevisions (db: Db, code: string, date: string) {
  return selectFixing(db.selectFrom('fixings as f').innerJoin('index_definitions as d', 'd.code', 'f.index_code'))
    .select(['f.reason', sql<string | null>`lead(f.published_at) over (order by f.revision)`.as('superseded_at')])
    .where('f.index_code', '=', code).where('f.date', '=', date)
    .orderBy('f.revision')
    .execute()
}

export interface RestatementQuery { since?: string, code?: string, after?: { published_at: string, id: number }, limit: number }

/** The restatement register: revisions 2+ in publication order, each beside the revision it replaced. */
export async function findRestatements (db: Db, q: RestatementQuery) {
  const rows = await db.selectFrom('fixings as f')
    .innerJoin('index_definitions as d', 'd.code', 'f.index_code')
    .innerJoin('fixings as p', (j) => j.onRef('p.index_code', '=', 'f.index_code').onRef('p.date', '=', 'f.date').on('p.revision', '=', sql<number>`f.revision - 1`))
    .select([
      'f.id', 'f.index_code as code', 'f.date', 'f.revision', 'f.reason', 'f.published_at', UNIT.as('unit'), STATUS,
      sql<number | null>`round(f.value, 6)::float8`.as('value'), sql<Fixing['status']>`p.status`.as('previous_status'),
      sql<number | null>`round(p.value, 6)::float8`.as('previous_value'),
      sql<number | null>`round(f.value - p.value, 6)::float8`.as('change'), 'f.methodology_version', 'f.hash',
    ])
    .where('f.revision', '>', 1)
    .$if(q.since !== undefined, (b) => b.where('f.published_at', '>=', q.since!))
    .$if(q.code !== undefined, (b) => b.where('f.index_code', '=', q.code!))
    .$if(q.after !== undefined, (b) => b.where(sql<boolean>`(f.published_at, f.id) > (${q.after!.published_at}::timestamptz, ${q.after!.id})`))
    .orderBy('f.published_at').orderBy('f.id')
    .limit(q.limit + 1)
    .execute()
  return { rows: rows.slice(0, q.limit), more: rows.length > q.limit }
}

const PERIOD_LENGTH = { week: '1 week', month: '1 month', quarter: '3 months', year: '1 year' } as const

export interface AverageQuery { code: string, period: Average['period'], from?: string, to?: string, asOf: string | null }

/** Settlement averages: per calendar period, the exact mean of the ok days' published values. */
export async function findAverages (db: Db, q: AverageQuery): Promise<Average[]> {
  const days = currentFixings(db, q.code, q.asOf, q.from, q.to)
    .select(['f.date', 'f.revision', 'f.status', 'f.value', UNIT.as('unit')])
  // The period is one of four literals (validated); as a literal, the grouped expression matches the selected one.
  const period = sql.lit(q.period)
  const start = sql<string>`date_trunc(${period}, x.date::timestamp)::date`
  const ok = sql`x.status = 'ok'`
  const rows = await db.selectFrom(days.as('x'))
    .select([
      start.as('period_start'),
      sql<string>`(${start} + ${sql.lit(PERIOD_LENGTH[q.period])}::interval - interval '1 day')::date`.as('period_end'),
      sql<number>`count(*) filter (where ${ok})::int`.as('n_days'),
      sql<number | null>`round(avg(x.value) filter (where ${ok}), 6)::float8`.as('value'),
      sql<string | null>`min(x.date) filter (where ${ok})`.as('first_day'),
      sql<string | null>`max(x.date) filter (where ${ok})`.as('last_day'),
      sql<{ date: string, revision: number }[]>`coalesce(jsonb_agg(jsonb_build_object('date', x.date, 'revision', x.revision) order by x.date) filter (where ${ok}), '[]'::jsonb)`.as('revisions'),
      sql<Average['unit']>`min(x.unit)`.as('unit'),
    ])
    .groupBy(start).orderBy(start)
    .execute()
  return rows.map((r) => ({ code: q.code, period: q.period, ...r, status: r.n_days > 0 ? 'ok' : 'insufficient_data' }))
}
