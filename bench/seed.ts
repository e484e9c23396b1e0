// Seeds a synthetic year of quotes in SQL (generate_series, no rows cross the wire), so a million
// quotes take seconds, not minutes. usd_price is computed by the schema's own cpx_normalize_price.
import { sql } from 'kysely'
import type { Database } from '../src/db/connect.ts'
import { FX_BASE, offers, products, providers, type Offer } from './catalog.ts'

const DAY_MS = 86_400_000

export interface Year { from: string, to: string }

/** The 365 UTC days ending yesterday: the history the service would hold today. */
export function benchYear (now = new Date()): Year {
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - DAY_MS
  return { from: isoDay(end - 364 * DAY_MS), to: isoDay(end) }
}

export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)
export const addDays = (day: string, n: number) => isoDay(Date.parse(day) + n * DAY_MS)

/** Decimal places a quoted price keeps in each unit (as providers publish them). */
const SCALE: Record<string, number> = { gpu_hour: 4, instance_hour: 4, gpu_month: 2, '1m_tokens': 4, '1k_tokens': 8, token: 12 }
/** How many quoted units make one index unit's price (the inverse of cpx_unit_factor). */
export function unitsPerIndexUnit (o: Pick<Offer, 'unit' | 'gpus_per_instance'>): number {
  switch (o.unit) {
    case 'instance_hour': return o.gpus_per_instance ?? 1
    case 'gpu_month': return 730
    case '1k_tokens': return 1 / 1000
    case 'token': return 1 / 1_000_000
    default: return 1
  }
}

const offerRows = () => offers.map((o, i) => ({ ...o, o: i, scale: SCALE[o.unit] ?? 4, kind: products.find((p) => p.code === o.product)!.kind }))

/** Providers, products, daily FX rates from 60 days before the year to its end, and the offers table. */
export async function seedCatalog (database: Database, year: Year): Promise<void> {
  await database.script(async (run) => {
    await run(`insert into providers (slug, name, kind, website)
      select slug, initcap(replace(slug, '-', ' ')), kind, 'https://' || slug || '.example'
      from jsonb_to_recordset($1::jsonb) as p(slug text, kind text)`, [JSON.stringify(providers)])
    await run(`insert into products (code, kind, name, family, variant, tier, open_weights)
      select code, kind, upper(code), family, variant, tier, open_weights
      from jsonb_to_recordset($1::jsonb) as p(code text, kind text, family text, variant text, tier text, open_weights boolean)`,
    [JSON.stringify(products)])
    await run(`insert into fx_rates (currency, date, usd_per_unit, source)
      select c.key, d::date, round((c.value::float8 * (1 + 0.02 * sin(extract(doy from d) / 9.0)))::numeric, 6), 'bench'
      from generate_series($1::date, $2::date, interval '1 day') d cross join jsonb_each_text($3::jsonb) c`,
    [addDays(year.from, -60), year.to, JSON.stringify(FX_BASE)])
    await run(`create table bench_offers as
      select * from jsonb_to_recordset($1::jsonb) as o(o int, provider text, product text, kind text, segment text,
        term_months int, service_tier text, region text, currency text, unit text, gpus_per_instance int, usd float8, scale int)`,
    [JSON.stringify(offerRows())])
    await run('create unique index on bench_offers (o)')
  })
}

/**
 * Inserts quotes [lo, hi) of a year holding `total` quotes. Quote i belongs to offer i mod n and is
 * observed at from + (i + 0.5) × (365 days / total): every offer quotes all year round, every
 * timestamp is distinct (so no identity clashes). Prices drift down over the year (GPU −20%, tokens
 * −30%) with ±4% noise and one outlier (×2.5) in 997.
 */
export async function seedQuotes (database: Database, year: Year, total: number, lo: number, hi: number): Promise<void> {
  const step = (365 * 86400) / total
  await database.script(async (run) => {
    if (database.kind === 'server') await run('set local statement_timeout = 0')
    await run(`insert into quotes (provider, product, segment, term_months, service_tier, region, price, currency, unit,
        gpus_per_instance, fx_usd_per_unit, usd_price, observed_at, observed_day, source)
      select o.provider, o.product, o.segment, o.term_months, o.service_tier, o.region, p.price, o.currency, o.unit,
        o.gpus_per_instance, x.fx, cpx_normalize_price(p.price, x.fx, o.unit, o.gpus_per_instance), t.ts, t.day, 'bench'
      from generate_series($1::bigint, $2::bigint - 1) i
      join bench_offers o on o.o = i % $3
      cross join lateral (select to_timestamp($4::float8 + (i + 0.5) * $5::float8) as ts) t0
      cross join lateral (select t0.ts, (t0.ts at time zone 'UTC')::date as day, (i + 0.5) * $5::float8 / 31536000 as frac) t
      cross join lateral (select case when o.currency = 'USD' then 1::numeric else
        (select f.usd_per_unit from fx_rates f where f.currency = o.currency and f.date = t.day) end as fx) x
      cross join lateral (select round((
          o.usd * (1 - (case when o.kind = 'gpu' then 0.2 else 0.3 end) * t.frac)
          * (1 + ((i * 2654435761) % 2001 - 1000) / 25000.0)
          * (case when (i * 40503) % 997 = 0 then 2.5 else 1 end))::numeric
        / x.fx / cpx_unit_factor(o.unit, o.gpus_per_instance), o.scale) as price) p`,
    [lo, hi, offers.length, Date.parse(year.from) / 1000, step])
  })
}

/** Seeds `total` quotes in chunks, reporting progress; then refreshes planner statistics. */
export async function seedYear (database: Database, year: Year, total: number, progress: (done: number) => void): Promise<void> {
  await seedCatalog(database, year)
  // Loading first and indexing after is several times faster than maintaining the indexes row by
  // row; whatever indexes the migrations define are rebuilt exactly as defined.
  const indexes = await database.script((run) => run(`select indexname, indexdef from pg_indexes
    where schemaname = current_schema() and tablename = 'quotes' and indexname <> 'quotes_pkey'`))
  await database.script(async (run) => { for (const i of indexes) await run(`drop index "${String(i.indexname)}"`) })
  const chunk = 200_000
  for (let lo = 0; lo < total; lo += chunk) {
    await seedQuotes(database, year, total, lo, Math.min(total, lo + chunk))
    progress(Math.min(total, lo + chunk))
  }
  await database.script(async (run) => {
    if (database.kind === 'server') await run('set local statement_timeout = 0')
    for (const i of indexes) await run(String(i.indexdef))
  })
  await sql`vacuum analyze`.execute(database.db)
}

export interface QuoteRow {
  provider: string
  product: string
  segment: string
  term_months?: number
  service_tier?: string
  region?: string
  price: string
  currency: string
  unit: string
  gpus_per_instance?: number
  observed_at: string
  source: string
}

/**
 * `count` new quotes for the ingest benchmark, observed every 10 s from 60 days before the year (so
 * they never clash with seeded ones). `shiftSeconds` (0..9) gives each method its own identical rows.
 */
export function ingestRows (year: Year, count: number, shiftSeconds: number): QuoteRow[] {
  const start = Date.parse(addDays(year.from, -60))
  const rows: QuoteRow[] = []
  for (let k = 0; k < count; k++) {
    const o = offers[k % offers.length]!
    const noise = 1 + ((k * 7919) % 201 - 100) / 2500
    const price = (o.usd * noise / (FX_BASE[o.currency] ?? 1)) * unitsPerIndexUnit(o)
    const row: QuoteRow = {
      provider: o.provider,
      product: o.product,
      segment: o.segment,
      price: price.toFixed(SCALE[o.unit] ?? 4),
      currency: o.currency,
      unit: o.unit,
      observed_at: new Date(start + k * 10_000 + shiftSeconds * 1000).toISOString(),
      source: 'bench',
    }
    if (o.term_months !== null) row.term_months = o.term_months
    if (o.service_tier !== null) row.service_tier = o.service_tier
    if (o.region !== null) row.region = o.region
    if (o.gpus_per_instance !== null) row.gpus_per_instance = o.gpus_per_instance
    rows.push(row)
  }
  return rows
}
