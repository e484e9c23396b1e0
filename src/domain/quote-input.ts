import { z } from 'zod'
import type { QuoteTable } from '../db/schema.ts'
import { CLOCK_SKEW_MS, instantBoundsReason, parseTimestamp, utcText } from './calendar.ts'
import { Rfc3339 } from './contracts.ts'
import type { FieldError } from './errors.ts'

// The shape of one quote as clients send it (DESIGN §2), and its check in JS: everything that needs
// no database. Rules that need the catalog or FX rates are checked in SQL by quotes.ts.

export const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/
export const PRODUCT_CODE = /^[a-z0-9][a-z0-9._-]{0,62}(\/[a-z0-9][a-z0-9._:-]{0,126})?$/
export const GPU_SEGMENTS = ['on_demand', 'spot', 'reserved'] as const
export const MODEL_SEGMENTS = ['input', 'output', 'cached_input'] as const
export const GPU_UNITS = ['gpu_hour', 'instance_hour', 'gpu_month'] as const
export const MODEL_UNITS = ['token', '1k_tokens', '1m_tokens'] as const
export const SERVICE_TIERS = ['standard', 'batch', 'flex', 'priority'] as const
export const REGIONS = ['us', 'eu', 'apac', 'cn', 'other'] as const

/** A client clock may run a little ahead of ours: observed_at up to this far in the future is accepted. */
export { CLOCK_SKEW_MS }
/** Prices with more digits than this are typing errors, not quotes. */
const MAX_INT_DIGITS = 12
const MAX_FRAC_DIGITS = 20

const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'))

/**
 * Why a provider name is not a slug, and the slug it most likely means: `my_cloud` → "underscore is
 * not allowed; a slug is lower-case letters, digits and hyphens: try my-cloud".
 */
export function slugProblem (value: string): string {
  const rule = 'a slug is lower-case letters, digits and hyphens, such as lambda or aws-bedrock'
  const bad = /[^a-z0-9-]/.exec(value)?.[0]
  let what = 'must be a provider slug'
  if (value === '') what = 'must not be empty'
  else if (bad === '_') what = 'underscore is not allowed'
  else if (bad && /[A-Z]/.test(bad)) what = 'capital letters are not allowed'
  else if (bad && /\s/.test(bad)) what = 'spaces are not allowed'
  else if (bad) what = `${JSON.stringify(bad)} is not allowed`
  else if (value.startsWith('-')) what = 'must not start with a hyphen'
  else if (value.length > 63) what = 'must be at most 63 characters'
  const guess = value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '').slice(0, 63)
  return `${what}; ${rule}` + (guess && guess !== value && SLUG.test(guess) ? `: try ${guess}` : '')
}

const need = (what: string) => ({ error: (iss: { input?: unknown }) => iss.input === undefined ? 'is required' : `must be ${what}` })
const list = (xs: readonly string[]) => xs.join(', ')

/**
 * A price as quoted, to the exact decimal string stored: a decimal string is kept as written; a JSON
 * number (already a double once JSON.parse has read it) becomes its shortest round-trip form, which is
 * the literal the client wrote for any price of up to 15 significant digits. Never parseFloat.
 */
export function canonicalPrice (v: unknown): { price: string } | { reason: string } {
  if (typeof v === 'number' && !Number.isFinite(v)) return { reason: 'must be a finite number' }
  if (typeof v !== 'number' && typeof v !== 'string') return { reason: 'must be a decimal number or a decimal string, for example "2.99"' }
  const s = typeof v === 'number' ? String(v) : v
  if (/^[+-]?(nan|inf(inity)?)$/i.test(s.trim())) return { reason: 'must be a finite number' }
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(s)
  if (!m) return { reason: 'must be a decimal number, for example "2.99"' }
  const [, sign, int = '', frac = '', exp = '0'] = m
  const e = Number(exp)
  if (Math.abs(e) > 30) return { reason: `exponent ${e} is outside the accepted range (-30 to 30)` }
  if (/^0*$/.test(int + frac)) return { reason: 'must be greater than 0 (0 is not a price)' }
  if (sign) return { reason: 'must be greater than 0 (negative prices and sentinels such as -1 are not prices)' }
  // Move the decimal point by the exponent, on the digits as text.
  const digits = int + frac
  const point = int.length + e
  const whole = point <= 0 ? '0' : digits.slice(0, point).padEnd(point, '0')
  const fraction = point >= digits.length ? '' : (point < 0 ? '0'.repeat(-point) + digits : digits.slice(point))
  const w = whole.replace(/^0+(?=\d)/, '')
  if (w.length > MAX_INT_DIGITS || fraction.length > MAX_FRAC_DIGITS) {
    return { reason: `must have at most ${MAX_INT_DIGITS} digits before and ${MAX_FRAC_DIGITS} after the decimal point` }
  }
  return { price: fraction ? `${w}.${fraction}` : w }
}

// A refinement, not a transform: a schema with an id must read the same as input and output for
// OpenAPI. checkQuoteShapes takes the canonical string from canonicalPrice().
export const Price = z.union([z.number(), z.string()], need('a decimal number or a decimal string')).superRefine((v, ctx) => {
  const r = canonicalPrice(v)
  if ('reason' in r) ctx.addIssue({ code: 'custom', message: r.reason })
}).meta({ description: 'decimal > 0 as quoted; send a string to keep more than 15 significant digits', example: '2.99' })

/** The canonical decimal string of a value Price accepted. */
export const priceText = (v: number | string): string => (canonicalPrice(v) as { price: string }).price

const Currency = z.string(need('an ISO 4217 code such as USD')).regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code in capitals, for example USD')
  .refine((c) => ISO_CURRENCIES.has(c), 'is not an ISO 4217 currency code').meta({ example: 'USD' })

export const QuoteInput = z.strictObject({
  provider: z.string(need('a provider slug')).regex(SLUG, { error: (iss) => slugProblem(String(iss.input)) }).meta({ example: 'lambda' }),
  product: z.string(need('a product code')).regex(PRODUCT_CODE, 'must be a product code such as h100-sxm or openai/gpt-5.5').meta({ example: 'h100-sxm' }),
  segment: z.enum([...GPU_SEGMENTS, ...MODEL_SEGMENTS], need(`one of ${list([...GPU_SEGMENTS, ...MODEL_SEGMENTS])}`)),
  term_months: z.int(need('an integer number of months')).min(1, 'must be at least 1').max(120, 'must be at most 120').nullish()
    .meta({ description: 'required iff segment is reserved' }),
  service_tier: z.enum(SERVICE_TIERS, need(`one of ${list(SERVICE_TIERS)}`)).nullish()
    .meta({ description: 'model quotes only; standard when absent' }),
  price: Price,
  currency: Currency,
  unit: z.enum([...GPU_UNITS, ...MODEL_UNITS], need(`one of ${list([...GPU_UNITS, ...MODEL_UNITS])}`)),
  gpus_per_instance: z.int(need('an integer number of GPUs')).min(1, 'must be at least 1').max(1024, 'must be at most 1024').nullish()
    .meta({ description: 'required iff unit is instance_hour' }),
  region: z.enum(REGIONS, need(`one of ${list(REGIONS)}`)).nullish(),
  observed_at: Rfc3339,
  source: z.string(need('a string')).min(1, 'must not be empty').max(500, 'must be at most 500 characters').nullish()
    .meta({ description: 'URL or importer name' }),
}).meta({ id: 'NewQuote', description: 'one observed price, as sent to POST /v1/quotes' })

export type QuoteFields = z.input<typeof QuoteInput>
/** A row that passed the JS checks: canonical price, UTC-independent timestamp text, nulls for absences. */
export type QuoteRow = { index: number } & Pick<QuoteTable, 'provider' | 'product' | 'segment' | 'term_months' | 'service_tier' | 'region'
  | 'price' | 'currency' | 'unit' | 'gpus_per_instance' | 'observed_at' | 'source'>

function crossFieldErrors (q: Pick<z.output<typeof QuoteInput>, 'segment' | 'unit' | 'term_months' | 'gpus_per_instance' | 'service_tier' | 'observed_at'>, now: number): Array<[string, string]> {
  const out: Array<[string, string]> = []
  if (q.segment === 'reserved' && q.term_months == null) out.push(['term_months', 'is required when segment is reserved'])
  if (q.segment !== 'reserved' && q.term_months != null) out.push(['term_months', 'is only allowed when segment is reserved'])
  if (q.unit === 'instance_hour' && q.gpus_per_instance == null) out.push(['gpus_per_instance', 'is required when unit is instance_hour'])
  if (q.unit !== 'instance_hour' && q.gpus_per_instance != null) out.push(['gpus_per_instance', 'is only allowed when unit is instance_hour'])
  const gpuSeg = (GPU_SEGMENTS as readonly string[]).includes(q.segment)
  const gpuUnit = (GPU_UNITS as readonly string[]).includes(q.unit)
  if (gpuSeg !== gpuUnit) out.push(['unit', `${q.unit} does not fit segment ${q.segment} (${gpuSeg ? 'GPU' : 'model'} quotes use ${list(gpuSeg ? GPU_UNITS : MODEL_UNITS)})`])
  if (gpuSeg && q.service_tier != null) out.push(['service_tier', 'is only allowed on model quotes'])
  const at = parseTimestamp(q.observed_at)
  const outside = at.ok ? instantBoundsReason(at.ms, now) : undefined
  if (outside) out.push(['observed_at', outside])
  return out
}

// The fast path: a plain check of a well-formed row, about 10x quicker than zod on 10,000 rows. It
// accepts only rows the zod schema accepts (a property test holds it to that); any doubt falls
// back to zod, which also words the reasons.
const FIELDS = new Set(Object.keys(QuoteInput.shape))
const SEGMENT_SET = new Set<unknown>([...GPU_SEGMENTS, ...MODEL_SEGMENTS])
const UNIT_SET = new Set<unknown>([...GPU_UNITS, ...MODEL_UNITS])
const TIER_SET = new Set<unknown>(SERVICE_TIERS)
const REGION_SET = new Set<unknown>(REGIONS)
const intIn = (v: unknown, max: number) => v == null || (Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= max)
const optIn = (v: unknown, set: Set<unknown>) => v == null || set.has(v)

export function fastQuoteRow (raw: unknown, index: number, now: number): QuoteRow | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return
  const q = raw as Record<string, unknown>
  for (const k in q) if (!FIELDS.has(k)) return
  const { provider, product, segment, unit, currency, observed_at: at, source } = q
  if (typeof provider !== 'string' || !SLUG.test(provider) || typeof product !== 'string' || !PRODUCT_CODE.test(product)) return
  if (!SEGMENT_SET.has(segment) || !UNIT_SET.has(unit) || !optIn(q.service_tier, TIER_SET) || !optIn(q.region, REGION_SET)) return
  if (!intIn(q.term_months, 120) || !intIn(q.gpus_per_instance, 1024)) return
  if (source != null && (typeof source !== 'string' || source.length < 1 || source.length > 500)) return
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency) || !ISO_CURRENCIES.has(currency)) return
  if (typeof at !== 'string' || !Rfc3339.safeParse(at).success) return
  if (typeof q.price !== 'number' && typeof q.price !== 'string') return
  const price = canonicalPrice(q.price)
  if ('reason' in price) return
  const row = {
    index,
    provider,
    product,
    segment: segment as string,
    term_months: (q.term_months ?? null) as number | null,
    service_tier: (q.service_tier ?? null) as string | null,
    region: (q.region ?? null) as string | null,
    price: price.price,
    currency,
    unit: unit as string,
    gpus_per_instance: (q.gpus_per_instance ?? null) as number | null,
    observed_at: utcText(at),
    source: (source ?? null) as string | null,
  }
  return crossFieldErrors({ ...row, segment: row.segment as never, unit: row.unit as never, service_tier: row.service_tier as never, observed_at: at }, now).length ? undefined : row
}

/** Checks every row's shape; returns the rows that passed and an error for every field that did not. */
export function checkQuoteShapes (rows: unknown[], opts: { now?: number, prefix?: string } = {}): { rows: QuoteRow[], errors: FieldError[] } {
  const now = opts.now ?? Date.now()
  const prefix = opts.prefix ?? 'quotes'
  const ok: QuoteRow[] = []
  const errors: FieldError[] = []
  rows.forEach((raw, index) => {
    const fast = fastQuoteRow(raw, index, now)
    if (fast) { ok.push(fast); return }
    const r = QuoteInput.safeParse(raw)
    const seen = new Set<string>()
    // One reason per field: the first check a value fails says what is wrong with it.
    const at = (field: string, reason: string) => {
      const path = `${prefix}/${index}${field ? '/' + field : ''}`
      if (!seen.has(path)) errors.push({ index, path, reason })
      seen.add(path)
    }
    if (!r.success) {
      for (const iss of r.error.issues) {
        if (iss.code === 'unrecognized_keys') for (const k of iss.keys) at(k, 'is not a quote field')
        else at(iss.path.join('/'), iss.path.length ? iss.message : 'must be an object with the quote fields')
      }
      return
    }
    const bad = crossFieldErrors(r.data, now)
    if (bad.length) { for (const [f, reason] of bad) at(f, reason); return }
    const q = r.data
    ok.push({
      index,
      provider: q.provider,
      product: q.product,
      segment: q.segment,
      term_months: q.term_months ?? null,
      service_tier: q.service_tier ?? null,
      region: q.region ?? null,
      price: priceText(q.price),
      currency: q.currency,
      unit: q.unit,
      gpus_per_instance: q.gpus_per_instance ?? null,
      observed_at: utcText(q.observed_at),
      source: q.source ?? null,
    })
  })
  return { rows: ok, errors }
}
