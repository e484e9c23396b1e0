import type { ProviderSpec, ProductSpec } from './mappings.ts'

/** One quote as POST /v1/quotes takes it: prices stay decimal strings, exactly as the source wrote them. */
export interface QuoteRow {
  provider: string
  product: string
  segment: 'on_demand' | 'spot' | 'reserved' | 'input' | 'output' | 'cached_input'
  term_months?: number
  service_tier?: 'standard' | 'batch' | 'flex' | 'priority'
  price: string
  currency: string
  unit: 'gpu_hour' | 'instance_hour' | 'gpu_month' | 'token' | '1k_tokens' | '1m_tokens'
  gpus_per_instance?: number
  region?: 'us' | 'eu' | 'apac' | 'cn' | 'other'
  observed_at: string
  source: string
}

/** One GPU instance's USD price per hour, as the GPU importers (SkyPilot, Vast.ai, gpu-observations) read it. */
interface InstanceHour {
  provider: ProviderSpec
  product: ProductSpec
  segment: QuoteRow['segment']
  price: string
  gpus: number
  region: QuoteRow['region']
  observed_at: string
}

/**
 * What a parser makes of one source file: the quotes, the providers and products they need, and an
 * account of everything it did not turn into a quote (skipped by reason, unmapped by source name).
 * Parsers are pure: no database, no clock (the observation time comes in as an option).
 */
export class ImportBatch {
  rowsRead = 0
  readonly quotes: QuoteRow[] = []
  /** rows passed through as they are (the csv source): only the quote validation judges them */
  readonly raw: Array<Record<string, unknown>> = []
  readonly providers = new Map<string, ProviderSpec>()
  readonly products = new Map<string, ProductSpec>()
  readonly skipped: Record<string, number> = {}
  readonly unmapped: Record<string, number> = {}
  private readonly seen = new Set<string>()

  constructor (readonly source: string) {}

  skip (reason: string, n = 1) { this.skipped[reason] = (this.skipped[reason] ?? 0) + n }

  /** A source name (model, provider, instance type) the mapping table does not know: reported, never guessed. */
  unmappedName (what: string) { this.unmapped[what] = (this.unmapped[what] ?? 0) + 1 }

  /**
   * Adds a quote unless an identical one (same identity as the quotes_identity index) is already in
   * this batch: a file that repeats a price (regions, aliases) yields one quote, counted as skipped.
   */
  add (row: Omit<QuoteRow, 'source'>, provider: ProviderSpec, product: ProductSpec, duplicateReason = 'repeated_in_file') {
    const quote: QuoteRow = { ...row, source: this.source }
    const key = [quote.provider, quote.product, quote.segment, quote.term_months ?? '', quote.service_tier ?? '',
      quote.region ?? '', quote.unit, quote.currency, quote.price, quote.gpus_per_instance ?? '', quote.observed_at].join('|')
    if (this.seen.has(key)) { this.skip(duplicateReason); return }
    this.seen.add(key)
    this.providers.set(provider.slug, provider)
    this.products.set(product.code, product)
    this.quotes.push(quote)
  }

  /** USD model prices: one quote per segment whose value is a price; the others are left out (no cached price). */
  addModelPrices (at: { provider: ProviderSpec, product: ProductSpec, unit: QuoteRow['unit'], observed_at: string, service_tier?: QuoteRow['service_tier'] },
    values: Array<[QuoteRow['segment'], unknown]>) {
    for (const [segment, value] of values) {
      const parsed = priceText(value)
      if (!('price' in parsed)) continue
      this.add({
        provider: at.provider.slug,
        product: at.product.code,
        segment,
        service_tier: at.service_tier ?? 'standard',
        price: parsed.price,
        currency: 'USD',
        unit: at.unit,
        observed_at: at.observed_at,
      }, at.provider, at.product)
    }
  }

  /** A USD price of a GPU instance per hour with its GPU count: the database divides (price ÷ GPUs). */
  addInstanceHour (at: InstanceHour, duplicateReason: string) {
    this.add({
      provider: at.provider.slug,
      product: at.product.code,
      segment: at.segment,
      price: at.price,
      currency: 'USD',
      unit: 'instance_hour',
      gpus_per_instance: at.gpus,
      region: at.region,
      observed_at: at.observed_at,
    }, at.provider, at.product, duplicateReason)
  }
}

/**
 * A JSON number as a plain decimal string without float arithmetic: 5e-7 → "0.0000005".
 * String(n) is the shortest text that reads back as n, so 0.000005 stays "0.000005".
 */
export function decimalText (n: number): string {
  const text = String(n)
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text)
  if (!m) return text
  const [, sign, int, frac = '', expText] = m
  const exp = Number(expText)
  const digits = int! + frac
  const point = int!.length + exp
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`.replace(/\.?0+$/, '')
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length)
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`
}

/** A positive finite price as text, or the reason it is not one (sentinels are never prices). */
export function priceText (value: unknown): { price: string } | { reason: string } {
  if (value === null || value === undefined || value === '') return { reason: 'no_price' }
  const text = typeof value === 'number' ? decimalText(value) : String(value).trim()
  if (!/^-?\d+(\.\d+)?$/.test(text)) return { reason: 'not_a_number' }
  if (/^-1(\.0*)?$/.test(text)) return { reason: 'dynamic_price' }
  if (text.startsWith('-')) return { reason: 'negative_price' }
  if (/^0+(\.0+)?$/.test(text)) return { reason: 'free' }
  return { price: text }
}
