import type { Kysely } from 'kysely'
import type { Schema } from '../db/schema.ts'
import { findConstituents, findFixingHistory, findLatestFixing } from '../domain/fixing-queries.ts'
import type { FixingJson } from '../domain/fixing-reads.ts'
import { listIndices } from '../domain/index-reads.ts'
import { getIndexDefinition, type IndexDefinitionRecord } from '../domain/indices.ts'
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
}

/** Days up to `to` (inclusive) as chart points, oldest first. */
export async function historyPoints (db: Db, code: string, from: string | undefined, to: string | undefined, asOf: string | null, limit: number): Promise<ChartPoint[]> {
  const { rows } = await findFixingHistory(db, { code, from, to, asOf, limit })
  return rows.map((f) => ({ date: f.date, value: f.status === 'ok' ? f.value : null, revision: f.revision }))
}

/** `history`: days up to the latest fixing when the caller has read them already (at least the last 31). */
async function summary (db: Db, definition: IndexDefinitionRecord, latest: FixingJson | null, history?: ChartPoint[]): Promise<IndexSummary> {
  if (!latest) return { definition, latest, change1d: null, change30d: null, recent: [] }
  const since = addDays(latest.date, -SPARK_DAYS)
  const recent = history?.filter((p) => p.date >= since) ?? await historyPoints(db, definition.code, since, latest.date, null, SPARK_DAYS + 1)
  const valueOn = (date: string) => recent.find((p) => p.date === date)?.value
  return {
    definition,
    latest,
    change1d: change(latest.value, valueOn(addDays(latest.date, -1))),
    change30d: change(latest.value, valueOn(addDays(latest.date, -SPARK_DAYS))),
    recent,
  }
}

/** Every index with its latest fixing, its changes over 1 and 30 days and its last 31 days. */
export async function loadCatalog (db: Db): Promise<IndexSummary[]> {
  const { data } = await listIndices(db)
  const out: IndexSummary[] = []
  for (const { latest, ...definition } of data) out.push(await summary(db, definition as IndexDefinitionRecord, latest))
  return out
}

/** One index: its summary (for the embed widget). IndexNotFound when unknown. */
export async function loadSummary (db: Db, code: string): Promise<IndexSummary> {
  const definition = await getIndexDefinition(db, code)
  const latest = await findLatestFixing(db, code)
  return summary(db, definition, latest ?? null)
}

export type Constituents = Awaited<ReturnType<typeof findConstituents>>

/** The index page: definition, latest fixing with its constituents, and up to two years of history. */
export async function loadIndexPage (db: Db, code: string) {
  const definition = await getIndexDefinition(db, code)
  const latest = await findLatestFixing(db, code)
  if (!latest) return { definition, latest: null, constituents: [] as Constituents, history: [] as ChartPoint[], summary: await summary(db, definition, null) }
  const constituents = await findConstituents(db, latest.id)
  const history = await historyPoints(db, code, addDays(latest.date, -(PAGE_HISTORY_DAYS - 1)), latest.date, null, PAGE_HISTORY_DAYS)
  return { definition, latest, constituents, history, summary: await summary(db, definition, latest, history) }
}
