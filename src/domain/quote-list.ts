import { sql, type Kysely } from 'kysely'
import { z } from 'zod'
import type { Schema } from '../db/schema.ts'
import { IsoDate, Rfc3339, TimestampText, UtcInstant } from './contracts.ts'
import { GPU_SEGMENTS, MODEL_SEGMENTS, PRODUCT_CODE, SLUG } from './quote-input.ts'

// GET /v1/quotes: stored quotes newest first, raw beside normalized, keyset-paginated on (observed_at, id).
// The route turns positions into signed cursors (src/http/cursor.ts).

export const Quote = z.object({
  id: z.string().meta({ description: 'decimal string: ids are 64-bit' }),
  provider: z.string(),
  product: z.string(),
  segment: z.string(),
  term_months: z.number().int().nullable(),
  service_tier: z.string().nullable(),
  region: z.string().nullable(),
  price: z.string().meta({ description: 'exactly as quoted', example: '98.32' }),
  currency: z.string(),
  unit: z.string(),
  gpus_per_instance: z.number().int().nullable(),
  fx_usd_per_unit: z.string().meta({ description: 'the FX rate used (1 for USD)', example: '1' }),
  usd_price: z.string().meta({ description: 'USD per GPU-hour or per 1M tokens, exact to 10 decimal places', example: '12.29' }),
  observed_at: Rfc3339,
  observed_day: IsoDate,
  source: z.string().nullable(),
  ingested_at: TimestampText,
  run_id: z.string().nullable().meta({ description: 'the source run that stored it (GET /v1/runs/{id}); null for quotes posted to /v1/quotes' }),
}).meta({ id: 'Quote' })

const DateOrTime = z.union([IsoDate, UtcInstant]).meta({ description: 'a UTC date (whole day, inclusive) or an RFC 3339 time' })

export const QuoteQuery = z.object({
  provider: z.string().regex(SLUG, 'must be a provider slug').optional(),
  product: z.string().regex(PRODUCT_CODE, 'must be a product code').optional(),
  segment: z.enum([...GPU_SEGMENTS, ...MODEL_SEGMENTS]).optional(),
  from: DateOrTime.optional(),
  to: DateOrTime.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().optional(),
})

export type QuoteRecord = z.infer<typeof Quote>
export type QuoteFilters = z.output<typeof QuoteQuery>

const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s)

/** Where a page of quotes ends: the next page starts after it. */
export const QuotePosition = z.object({ at: Rfc3339, id: z.string().regex(/^\d{1,19}$/) })

export async function listQuotes (db: Kysely<Schema>, q: Partial<Omit<QuoteFilters, 'cursor'>> & { id?: string } = {}, after?: z.infer<typeof QuotePosition>): Promise<{ data: QuoteRecord[], next: z.infer<typeof QuotePosition> | null }> {
  const limit = q.limit ?? 100
  let query = db.selectFrom('quotes').select([
    sql<string>`id::text`.as('id'), 'provider', 'product', 'segment', 'term_months', 'service_tier', 'region', 'price', 'currency', 'unit',
    'gpus_per_instance', 'fx_usd_per_unit', sql<string>`trim_scale(usd_price)::text`.as('usd_price'), 'observed_at', 'observed_day', 'source', 'ingested_at',
    sql<string | null>`run_id::text`.as('run_id'),
  ]).orderBy('observed_at', 'desc').orderBy('id', 'desc').limit(limit + 1)
  if (q.id) query = query.where('id', '=', Number(q.id))
  if (q.provider) query = query.where('provider', '=', q.provider)
  if (q.product) query = query.where('product', '=', q.product)
  if (q.segment) query = query.where('segment', '=', q.segment)
  if (q.from) query = isDate(q.from) ? query.where('observed_day', '>=', q.from) : query.where('observed_at', '>=', q.from)
  if (q.to) query = isDate(q.to) ? query.where('observed_day', '<=', q.to) : query.where('observed_at', '<=', q.to)
  if (after) query = query.where(sql<boolean>`(observed_at, id) < (${after.at}::timestamptz, ${after.id}::bigint)`)
  const rows = await query.execute() as QuoteRecord[]
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return { data: page, next: rows.length > limit && last ? { at: last.observed_at, id: last.id } : null }
}
