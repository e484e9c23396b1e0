import { sql, type Kysely } from 'kysely'
import type { Schema } from '../db/schema.ts'
import { PayloadTooLarge, Unprocessable, withErrors, type FieldError } from './errors.ts'
import { checkQuoteShapes, type QuoteRow } from './quote-input.ts'

export { QuoteInput, checkQuoteShapes, canonicalPrice, CLOCK_SKEW_MS, type QuoteRow } from './quote-input.ts'

/** The most quotes one POST /v1/quotes may carry; `cpx quotes load` sends bigger files in batches of this size. */
export const MAX_QUOTES_PER_REQUEST = 10_000

export interface IngestOptions {
  /** the server clock, for the observed_at-in-the-future rule (tests pin it) */
  now?: number
  /** first segment of error paths: quotes/3/price */
  prefix?: string
  /** refuse (413) a batch with more rows than this */
  maxRows?: number
  /** store the valid rows and report the bad ones instead of storing nothing (bulk loads) */
  partial?: boolean
  /** the source run storing these rows (collectors, cpx import): kept on each new quote as run_id */
  runId?: number
}

export interface IngestResult {
  /** rows stored by this call */
  accepted: number
  /** valid rows already stored (by an earlier call, a concurrent one, or earlier in this batch) */
  duplicates: number
  /** bad rows (only in partial mode; otherwise a bad row throws) */
  rejected: number
  errors: FieldError[]
}

export type Mode = 'atomic' | 'partial' | 'check'

const byIndex = (a: FieldError, b: FieldError) => (a.index ?? 0) - (b.index ?? 0)

/**
 * Checks the catalog and FX rules of every row and, unless mode is 'check', stores them, in ONE
 * statement: set-based over unnest(), normalized by cpx_normalize_price() with the FX rate of
 * cpx_fx_rate(), and ON CONFLICT DO NOTHING on quotes_identity so retries and concurrent copies
 * of a batch store each row once. In 'atomic' mode one bad row means nothing is inserted.
 */
export function batchStatement (rows: QuoteRow[], mode: Mode, runId: number | null = null) {
  const col = <K extends keyof QuoteRow>(k: K) => rows.map((r) => r[k])
  return sql<{ inserted: number, errors: Array<{ index: number, path: string, reason: string }> }>`
    with input as (
      select * from unnest(${col('index')}::int[], ${col('provider')}::text[], ${col('product')}::text[], ${col('segment')}::text[],
        ${col('term_months')}::int[], ${col('service_tier')}::text[], ${col('region')}::text[], ${col('price')}::numeric[],
        ${col('currency')}::text[], ${col('unit')}::text[], ${col('gpus_per_instance')}::int[], ${col('observed_at')}::timestamptz[],
        ${col('source')}::text[])
        as t(i, provider, product, segment, term_months, service_tier, region, price, currency, unit, gpus_per_instance, observed_at, source)
    ),
    rated as (
      select input.*, pv.slug is not null as provider_known, pr.kind, (input.observed_at at time zone 'UTC')::date as day
      from input
      left join providers pv on pv.slug = input.provider
      left join products pr on pr.code = input.product
    ),
    -- one FX lookup per currency and day, not per row
    rates as (select currency, day, cpx_fx_rate(currency, day) as fx from (select distinct currency, day from rated) cd),
    priced as (
      select rated.*, rates.fx, cpx_normalize_price(rated.price, rates.fx, rated.unit, rated.gpus_per_instance) as usd_price
      from rated join rates using (currency, day)
    ),
    suspect as (
      select * from priced
      where not provider_known or kind is null or fx is null or usd_price <= 0
        or (kind = 'gpu' and (segment not in ('on_demand', 'spot', 'reserved') or unit not in ('gpu_hour', 'instance_hour', 'gpu_month') or service_tier is not null))
        or (kind = 'model' and (segment not in ('input', 'output', 'cached_input') or unit not in ('token', '1k_tokens', '1m_tokens')))
    ),
    bad as (
      select i, e.path, e.reason from suspect cross join lateral (values
        (not provider_known, 'provider', 'unknown provider ' || provider || ': register it with PUT /v1/providers/{slug}'),
        (kind is null, 'product', 'unknown product ' || product || ': register it with PUT /v1/products/{code}'),
        (kind = 'gpu' and segment not in ('on_demand', 'spot', 'reserved'), 'segment', 'segment ' || segment || ' does not fit GPU product ' || product),
        (kind = 'model' and segment not in ('input', 'output', 'cached_input'), 'segment', 'segment ' || segment || ' does not fit model product ' || product),
        (kind = 'gpu' and unit not in ('gpu_hour', 'instance_hour', 'gpu_month'), 'unit', 'unit ' || unit || ' does not fit GPU product ' || product),
        (kind = 'model' and unit not in ('token', '1k_tokens', '1m_tokens'), 'unit', 'unit ' || unit || ' does not fit model product ' || product),
        (kind = 'gpu' and service_tier is not null, 'service_tier', 'is only allowed on model quotes'),
        (fx is null, 'currency', 'no FX rate for ' || currency || ' dated ' || day || ' or up to 7 days before: add one with PUT /v1/fx-rates'),
        (usd_price <= 0, 'price', 'normalizes to 0 USD at 10 decimal places')
      ) as e(failed, path, reason)
      where e.failed
    ),
    ins as (
      insert into quotes (provider, product, segment, term_months, service_tier, region, price, currency, unit,
        gpus_per_instance, fx_usd_per_unit, usd_price, observed_at, observed_day, source, run_id)
      select provider, product, segment, term_months, case when kind = 'model' then coalesce(service_tier, 'standard') end,
        region, price, currency, unit, gpus_per_instance, fx, usd_price, observed_at, day, source, ${runId}::bigint
      from priced
      where case ${mode}::text
        when 'atomic' then not exists (select 1 from bad)
        when 'partial' then not exists (select 1 from bad where bad.i = priced.i)
        else false end
      on conflict do nothing
      returning 1
    )
    select (select count(*) from ins)::int as inserted,
      coalesce((select json_agg(json_build_object('index', i, 'path', path, 'reason', reason) order by i) from bad), '[]'::json) as errors
  `
}

async function storeBatch (db: Kysely<Schema>, rows: QuoteRow[], mode: Mode, prefix: string, runId?: number): Promise<{ inserted: number, errors: FieldError[] }> {
  if (!rows.length) return { inserted: 0, errors: [] }
  const r = await batchStatement(rows, mode, runId ?? null).execute(db)
  const row = r.rows[0]!
  const errors = row.errors.map((e) => ({ index: e.index, path: `${prefix}/${e.index}/${e.path}`, reason: e.reason }))
  return { inserted: row.inserted, errors }
}

// Rows of two batches that overlap in a different order can deadlock on quotes_identity; Postgres
// aborts one of them, which is then safe to run again (ON CONFLICT skips what the other stored).
// Inside a caller's transaction the abort is the caller's to handle: no retry there.
async function withDeadlockRetry<T> (db: Kysely<Schema>, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (err) {
      const code = (err as { code?: string }).code
      if (db.isTransaction || attempt >= 3 || (code !== '40P01' && code !== '40001')) throw err
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt))
    }
  }
}

function tooMany (n: number, max: number) {
  return new PayloadTooLarge(`A request may carry at most ${max.toLocaleString('en-US')} quotes; this one has ${n.toLocaleString('en-US')}. Split it, or use cpx quotes load`)
}

/** Every row checked, none stored: the valid rows and an error for every bad field (bulk loaders). */
export async function checkQuotes (db: Kysely<Schema>, rows: unknown[], opts: IngestOptions = {}): Promise<{ valid: QuoteRow[], errors: FieldError[] }> {
  const prefix = opts.prefix ?? 'quotes'
  const shaped = checkQuoteShapes(rows, { now: opts.now, prefix })
  const { errors } = await storeBatch(db, shaped.rows, 'check', prefix)
  const badIndex = new Set(errors.map((e) => e.index))
  return { valid: shaped.rows.filter((r) => !badIndex.has(r.index)), errors: [...shaped.errors, ...errors].sort(byIndex) }
}

/**
 * Validates every row (shape, catalog, FX) and stores them all, or none: any bad row throws
 * Unprocessable listing every bad row. With `partial`, stores the valid rows and returns the errors.
 */
export async function ingestQuotes (db: Kysely<Schema>, rows: unknown[], opts: IngestOptions = {}): Promise<IngestResult> {
  if (opts.maxRows !== undefined && rows.length > opts.maxRows) throw tooMany(rows.length, opts.maxRows)
  const prefix = opts.prefix ?? 'quotes'
  const shaped = checkQuoteShapes(rows, { now: opts.now, prefix })
  const mode: Mode = opts.partial ? 'partial' : shaped.errors.length ? 'check' : 'atomic'
  const { inserted, errors: dbErrors } = await withDeadlockRetry(db, () => storeBatch(db, shaped.rows, mode, prefix, opts.runId))
  const errors = [...shaped.errors, ...dbErrors].sort(byIndex)
  const rejected = new Set(errors.map((e) => e.index)).size
  if (errors.length && !opts.partial) {
    const detail = `${rejected} of ${rows.length} quotes are invalid; nothing was stored. ` +
      errors.slice(0, 3).map((e) => `${e.path}: ${e.reason}`).join('; ') + (errors.length > 3 ? '; …' : '')
    throw withErrors(new Unprocessable(detail), errors)
  }
  return { accepted: inserted, duplicates: rows.length - rejected - inserted, rejected, errors }
}
