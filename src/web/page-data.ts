import { type Kysely, sql } from 'kysely'
import type { Schema } from '../db/schema.ts'
import { findConstituents, findFixingHistory, findLatestFixing, findLatestFixings } from '../domain/fixing-queries.ts'
import type { FixingJson } from '../domain/fixing-reads.ts'
import { getIndexDefinition, type IndexDefinitionRecord, listIndexDefinitions } from '../domain/indices.ts'
import { sourceHealthOfFixing } from '../domain/sources.ts'
import type { ChartPoint } from './chart-svg.ts'
import { addDays, change, type Change } from './format.ts'

// What the pages show, read through the API's own domain reads: the newest revision of each day, the
// same figures (and the same rounding) as GET /v1/indices/{code}/values.

type Db = Kysely<Schema>

/** The index page's chart covers at most this many days up to the latest fixing. */
export const PAGE_HISTORY_DAYS = 730
const SPARK_DAYS = 30

export interface IndexSummary {
  definition: IndexDefinitionRecord
  latest: FixingJson | null
  change1d: Change | null
  change30d: Change | null
  /** the last 31 days up to the latest fixing, oldest first */
  recent: ChartPoint[]
  /** the latest fixing rests on the synthetic demo dataset (quotes with source 'demo') */
  demo: boolean
  /** every configured source behind the latest fixing is stale (its latest answer's source_health.all_stale) */
  stale: boolean
}

/** The fixings (of `ids`) with a contributor quote from the synthetic demo dataset (`cpx demo load`, source 'demo'). */
export async function demoFixings (db: Db, ids: number[]): Promise<Set<number>> {
  if (!ids.length) return new Set()
  const { rows } = await sql<{ fixing_id: number }>`select distinct c.fixing_id from fixing_constituents c
    cross join unnest(c.quote_ids) as qid(id) join quotes q on q.id = qid.id
    where c.fixing_id in (${sql.join(ids)}) and q.source = 'demo'`.execute(db)
  return new Set(rows.map((r) => Number(r.fixing_id)))
}

/** Days up to `to` (inclusive) as chart points, oldest first. */
export async function historyPoints (db: Db, code: string, from: string | undefined, to: string | undefined, asOf: string | null, limit: number): Promise<ChartPoint[]> {
  const { rows } = await findFixingHistory(db, { code, from, to, asOf, limit })
  return rows.map((f) => ({ date: f.date, value: f.status === 'ok' ? f.value : null, revision: f.revision }))
}

/** `history`: days up to the latest fixing when the caller has read them already (at least the last 31). */
async function summary (db: Db, definition: IndexDefinitionRecord, latest: FixingJson | null, flags: { demo: boolean, stale: boolean }, history?: ChartPoint[]): Promise<IndexSummary> {
  if (!latest) return { definition, latest, change1d: null, change30d: null, recent: [], demo: false, stale: false }
  const since = addDays(latest.date, -SPARK_DAYS)
  const recent = history?.filter((p) => p.date >= since) ?? await historyPoints(db, definition.code, since, latest.date, null, SPARK_DAYS + 1)
  const valueOn = (date: string) => recent.find((p) => p.date === date)?.value
  return {
    definition,
    latest,
    change1d: change(latest.value, valueOn(addDays(latest.date, -1))),
    change30d: change(latest.value, valueOn(addDays(latest.date, -SPARK_DAYS))),
    recent,
    ...flags,
  }
}

/** Whether the fixing rests on demo data, and whether all its sources are stale. */
async function flagsOf (db: Db, fixingId: number | undefined): Promise<{ demo: boolean, stale: boolean }> {
  if (fixingId === undefined) return { demo: false, stale: false }
  const [demo, health] = await Promise.all([demoFixings(db, [fixingId]), sourceHealthOfFixing(db, fixingId)])
  return { demo: demo.size > 0, stale: health?.all_stale ?? false }
}

/** Every index with its latest fixing, its changes over 1 and 30 days and its last 31 days. */
export async function loadCatalog (db: Db): Promise<IndexSummary[]> {
  const [definitions, latest] = await Promise.all([listIndexDefinitions(db), findLatestFixings(db)])
  const demo = await demoFixings(db, [...latest.values()].map((f) => f.id))
  const out: IndexSummary[] = []
  for (const definition of definitions) {
    const f = latest.get(definition.code)
    out.push(await summary(db, definition, f ?? null, { demo: f !== undefined && demo.has(f.id), stale: false }))
  }
  return out
}

/** One index: its summary (for the embed widget). IndexNotFound when unknown. */
export async function loadSummary (db: Db, code: string): Promise<IndexSummary> {
  const definition = await getIndexDefinition(db, code)
  const latest = await findLatestFixing(db, code)
  return summary(db, definition, latest ?? null, await flagsOf(db, latest?.id))
}

export type Constituents = Awaited<ReturnType<typeof findConstituents>>

/** The index page: definition, latest fixing with its constituents, and up to two years of history. */
export async function loadIndexPage (db: Db, code: string) {
  const definition = await getIndexDefinition(db, code)
  const latest = await findLatestFixing(db, code)
  if (!latest) return { definition, latest: null, constituents: [] as Constituents, history: [] as ChartPoint[], summary: await summary(db, definition, null, await flagsOf(db, undefined)) }
  const constituents = await findConstituents(db, latest.id)
  const history = await historyPoints(db, code, addDays(latest.date, -(PAGE_HISTORY_DAYS - 1)), latest.date, null, PAGE_HISTORY_DAYS)
  return { definition, latest, constituents, history, summary: await summary(db, definition, latest, await flagsOf(db, latest.id), history) }
}
