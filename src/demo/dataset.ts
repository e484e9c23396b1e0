import type { QuoteRow } from '../importers/batch.ts'
import type { ProductSpec, ProviderSpec } from '../importers/mappings.ts'
import { DEMO_FX, DEMO_PRODUCTS, DEMO_PROVIDERS, DEMO_SERIES, type Series } from './series.ts'

// The demo dataset: SYNTHETIC quotes around real price levels, one observation a day per series for
// `days` days up to `end` (yesterday by default). Deterministic: every series has its own seeded
// PRNG (mulberry32 over a hash of the seed and the series), so the same seed and end day give the
// same quotes, byte for byte, and adding a series does not move the others. JS numbers are used only
// to MAKE these synthetic prices; they leave here as decimal strings and every figure CPX derives
// from them is computed in SQL like any other quote.

export const DEMO_SOURCE = 'demo'
export const DEMO_SEED = 20261102

export interface DemoDataset {
  providers: ProviderSpec[]
  products: ProductSpec[]
  fxRates: Array<{ date: string, currency: string, usd_per_unit: string, source: string }>
  quotes: QuoteRow[]
  from: string
  to: string
}

function mulberry32 (seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function hash (text: string): number {
  let h = 2166136261
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
  return h >>> 0
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)

/** A synthetic price as a decimal string: 4 decimals at most, trailing zeros dropped. */
const priceText = (x: number) => x.toFixed(4).replace(/\.?0+$/, '')

/**
 * The level of a series on each day. `list`: a published price that steps by a few percent now and
 * then, with a slow downward drift (GPU rental prices fell through 2025–26); `market`: a marketplace
 * median that wanders every day; `fixed`: a model list price, constant but for its events.
 */
function levels (s: Series, days: number, seed: number): number[] {
  const rand = mulberry32(hash(`${seed}|${s.provider}|${s.product}|${s.segment}|${s.region ?? ''}|${s.tier ?? ''}|${s.term ?? ''}`))
  const out: number[] = []
  let level = s.base
  for (let d = 0; d < days; d++) {
    if (s.style === 'list' && rand() < 0.04) level *= 0.975 + rand() * 0.04
    if (s.style === 'market') level *= 0.9985 + (rand() - 0.5) * 0.04
    if (s.style === 'market') level = Math.min(Math.max(level, s.base * 0.7), s.base * 1.2)
    let x = level
    for (const e of s.events ?? []) if (d >= e.day && (e.until === undefined || d < e.until)) x *= e.factor
    out.push(x)
  }
  return out
}

export function generateDemo (opts: { end: string, days?: number, seed?: number }): DemoDataset {
  const days = opts.days ?? 180
  const seed = opts.seed ?? DEMO_SEED
  const from = addDays(opts.end, -(days - 1))
  const quotes: QuoteRow[] = []
  DEMO_SERIES.forEach((s, i) => {
    const path = levels(s, days, seed)
    // each provider checks its prices at its own time of day; minutes keep series apart
    const hour = 1 + (hash(s.provider) % 20)
    const minute = i % 60
    path.forEach((x, d) => {
      quotes.push({
        provider: s.provider,
        product: s.product,
        segment: s.segment,
        term_months: s.term,
        service_tier: s.tier,
        price: priceText(x),
        currency: s.currency ?? 'USD',
        unit: s.unit,
        gpus_per_instance: s.gpus,
        region: s.region,
        observed_at: `${addDays(from, d)}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`,
        source: DEMO_SOURCE,
      })
    })
  })
  const fxRates = Object.entries(DEMO_FX).flatMap(([currency, base]) => {
    const rand = mulberry32(hash(`${seed}|fx|${currency}`))
    let level = base
    // from 7 days before the first quote: every quote day has a rate dated on or before it
    return Array.from({ length: days + 7 }, (_, d) => {
      level *= 1 + (rand() - 0.5) * 0.006
      return { date: addDays(from, d - 7), currency, usd_per_unit: level.toFixed(6), source: DEMO_SOURCE }
    })
  })
  return { providers: DEMO_PROVIDERS, products: DEMO_PRODUCTS, fxRates, quotes, from, to: opts.end }
}
