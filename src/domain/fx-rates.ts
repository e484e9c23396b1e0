import { sql, type Kysely } from 'kysely'
import { z } from 'zod'
import type { Schema } from '../db/schema.ts'
import { dayBoundsReason, parseDate } from './calendar.ts'
import { IsoDate, TimestampText } from './contracts.ts'
import { canonicalPrice, priceText } from './quote-input.ts'

// FX rates: USD for one unit of a currency on a day (CNY ~ 0.14). A quote uses the latest rate dated
// on its UTC day or up to 7 days before (sql/functions/cpx_fx_rate.sql). Replacing a rate changes
// only quotes ingested afterwards: every stored quote keeps the rate it was normalized with.

const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'))

const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code in capitals, for example CNY')
  .refine((c) => ISO_CURRENCIES.has(c), 'is not an ISO 4217 currency code').meta({ example: 'CNY' })

const Rate = z.union([z.number(), z.string()]).superRefine((v, ctx) => {
  const r = canonicalPrice(v)
  if ('reason' in r) ctx.addIssue({ code: 'custom', message: r.reason.replace('is not a price', 'is not a rate') })
}).meta({ description: 'USD for one unit of the currency, a decimal > 0 (string keeps it exact)', example: '0.1405' })

/** A rate's day: a real date (calendar.ts), from EARLIEST_DATE to today (UTC). */
const RateDate = IsoDate.superRefine((d, ctx) => {
  if (!parseDate(d).ok) return
  const bad = dayBoundsReason(d)
  if (bad) ctx.addIssue({ code: 'custom', message: bad })
})

export const FxRateBody = z.strictObject({
  date: RateDate,
  currency: Currency.refine((c) => c !== 'USD', 'USD is always 1 and takes no rate'),
  usd_per_unit: Rate,
  source: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').meta({ example: 'ECB' }),
}).meta({ id: 'FxRateBody' })

export const FxRatesBody = z.strictObject({
  rates: z.array(FxRateBody).min(1, 'must list at least one rate').max(10_000, 'must list at most 10,000 rates'),
}).superRefine((body, ctx) => {
  const seen = new Map<string, number>()
  body.rates.forEach((r, i) => {
    const key = `${r.currency} ${r.date}`
    const first = seen.get(key)
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['rates', i, 'date'], message: `repeats rates/${first} (${key}): one rate per currency and day` })
    else seen.set(key, i)
  })
}).meta({ id: 'FxRatesBody' })

export const FxRate = z.object({
  date: IsoDate,
  currency: z.string(),
  usd_per_unit: z.string().meta({ description: 'exact decimal', example: '0.1405' }),
  source: z.string(),
  created_at: TimestampText,
}).meta({ id: 'FxRate' })

export const FxRateQuery = z.object({
  currency: Currency.optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  cursor: z.string().optional(),
})

export type FxRateInput = z.output<typeof FxRateBody>
export type FxRateRecord = z.infer<typeof FxRate>

/** Creates or replaces rates (one statement); counts which were new. */
export async function upsertFxRates (db: Kysely<Schema>, rates: FxRateInput[]): Promise<{ created: number, updated: number }> {
  if (!rates.length) return { created: 0, updated: 0 }
  const r = await sql<{ created: number, updated: number }>`
    with up as (
      insert into fx_rates (currency, date, usd_per_unit, source)
      select * from unnest(${rates.map((x) => x.currency)}::text[], ${rates.map((x) => x.date)}::date[],
        ${rates.map((x) => priceText(x.usd_per_unit))}::numeric[], ${rates.map((x) => x.source)}::text[])
      on conflict (currency, date) do update set usd_per_unit = excluded.usd_per_unit, source = excluded.source
      returning xmax = 0 as created
    )
    select count(*) filter (where created)::int as created, count(*) filter (where not created)::int as updated from up`.execute(db)
  return r.rows[0]!
}

/** Where a page of FX rates ends: the next page starts after it. */
export const FxRatePosition = z.object({ date: IsoDate, currency: z.string().regex(/^[A-Z]{3}$/) })

/** Newest first, then by currency. */
export async function listFxRates (db: Kysely<Schema>, q: Partial<Omit<z.output<typeof FxRateQuery>, 'cursor'>> = {}, after?: z.infer<typeof FxRatePosition>): Promise<{ data: FxRateRecord[], next: z.infer<typeof FxRatePosition> | null }> {
  const limit = q.limit ?? 1000
  let query = db.selectFrom('fx_rates').select(['date', 'currency', 'usd_per_unit', 'source', 'created_at'])
    .orderBy('date', 'desc').orderBy('currency').limit(limit + 1)
  if (q.currency) query = query.where('currency', '=', q.currency)
  if (q.from) query = query.where('date', '>=', q.from)
  if (q.to) query = query.where('date', '<=', q.to)
  if (after) query = query.where((eb) => eb.or([eb('date', '<', after.date), eb.and([eb('date', '=', after.date), eb('currency', '>', after.currency)])]))
  const rows = await query.execute()
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return { data: page, next: rows.length > limit && last ? { date: last.date, currency: last.currency } : null }
}
