import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.ts'
import type { Database } from '../db/connect.ts'
import { upsertFxRates } from '../domain/catalog.ts'
import { computeFixings, type Report } from '../domain/fixings.ts'
import { ingestQuotes } from '../domain/quotes.ts'
import { createMissing } from '../importers/run.ts'
import { generateDemo } from './dataset.ts'

export interface DemoLoadResult {
  from: string
  to: string
  quotes: number
  accepted: number
  duplicates: number
  fx_rates: number
  fixings: Report
  ms: number
}

const yesterday = (now = Date.now()) => new Date(now - 86_400_000).toISOString().slice(0, 10)

/**
 * Loads the synthetic demo dataset (providers, products, FX rates, ~180 days of quotes up to
 * yesterday, all with source 'demo') and computes its fixings. Safe on any database: existing
 * providers, products and FX rates are kept, and a second load stores nothing new (every quote is a
 * duplicate), so its fixings come out with the same hashes.
 */
export async function loadDemo (database: Database, opts: { end?: string, days?: number, onProgress?: (done: number, total: number) => void } = {}): Promise<DemoLoadResult> {
  const started = performance.now()
  const data = generateDemo({ end: opts.end ?? yesterday(), days: opts.days })
  const { db } = database
  await createMissing(db, data.providers, data.products)
  const have = new Set((await db.selectFrom('fx_rates').select(['currency', 'date'])
    .where('date', '>=', data.fxRates[0]!.date).where('date', '<=', data.to).execute()).map((r) => `${r.currency} ${r.date}`))
  const rates = data.fxRates.filter((r) => !have.has(`${r.currency} ${r.date}`)) // never overwrite real rates
  await upsertFxRates(db, rates)
  let accepted = 0
  let duplicates = 0
  const size = 5000
  for (let i = 0; i < data.quotes.length; i += size) {
    const r = await ingestQuotes(db, data.quotes.slice(i, i + size))
    accepted += r.accepted
    duplicates += r.duplicates
    opts.onProgress?.(Math.min(i + size, data.quotes.length), data.quotes.length)
  }
  // one long range is slower than several short ones on the engine's set-based SQL: 30 days a transaction
  const fixings = await computeFixings(database, { from: data.from, to: data.to, chunkDays: 30 })
  return {
    from: data.from,
    to: data.to,
    quotes: data.quotes.length,
    accepted,
    duplicates,
    fx_rates: rates.length,
    fixings,
    ms: Math.round(performance.now() - started),
  }
}

/** The server's first start on an empty embedded database loads the demo (DEMO_DATA=false turns it off). */
export async function shouldLoadDemo (database: Database, demoData: boolean): Promise<boolean> {
  if (!demoData || database.kind !== 'embedded') return false
  const any = await database.db.selectFrom('quotes').select('id').limit(1).executeTakeFirst()
  return !any
}

/**
 * serve(): on the first start on an empty embedded database, load the demo and its fixings before
 * listening, so the first page shows live-looking indices. Logged, never silent.
 */
export async function loadDemoOnFirstStart (app: { database: Database, log: Pick<FastifyBaseLogger, 'info'> }, config: Pick<Config, 'DEMO_DATA'>) {
  if (!await shouldLoadDemo(app.database, config.DEMO_DATA)) return undefined
  app.log.info('empty embedded database: loading the synthetic demo dataset (DEMO_DATA=false turns this off)')
  const r = await loadDemo(app.database)
  // Real feeds would mix with the synthetic data: the seeded sources start disabled on the demo
  // (cpx sources enable NAME, or PUT /v1/sources/{name}, turns one on).
  await app.database.db.updateTable('sources').set({ enabled: false }).execute()
  app.log.info({ from: r.from, to: r.to, quotes: r.accepted, ms: r.ms }, 'demo dataset loaded and its fixings computed')
  return r
}
