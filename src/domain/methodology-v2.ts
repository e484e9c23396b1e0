import { z } from 'zod'
import type { FieldError } from './errors.ts'

// Methodology v2 (docs/methodology.md, "Methodology v2"): the fields a definition opts into with
// methodology.version = 2. Their shape is loose here on purpose: an unknown aggregation or an absurd
// age is a rule of the methodology, answered 422 naming the field (checkMethodologyV2), not a 400.

export const AGGREGATES = ['model_then_market', 'contributor'] as const
export const MAX_POSTED_AGE_DAYS = 366
export const V2_DEFAULTS = { aggregate: 'model_then_market', max_posted_age_days: 45, min_models: 3 } as const

export const MethodologyV2Fields = {
  version: z.number().optional()
    .meta({ description: 'methodology edition: absent or 1 = v1 (DESIGN §3), 2 = v2 (docs/methodology.md)' }),
  aggregate: z.string().optional()
    .meta({ description: 'v2: model_then_market (one value per model, then the index over models; default) or contributor' }),
  max_posted_age_days: z.number().optional()
    .meta({ description: `v2: days a posted (list) price stays in force unless superseded; 1–${MAX_POSTED_AGE_DAYS}, default 45` }),
  min_models: z.number().optional().meta({ description: 'v2: models a window needs to yield a value; default 3' }),
  model_weights: z.record(z.string(), z.number()).optional()
    .meta({ description: 'v2, statistic weighted_mean: weight per model (product code); 1 when not stated' }),
}

type V2Input = { [K in keyof typeof MethodologyV2Fields]?: z.output<(typeof MethodologyV2Fields)[K]> } & { statistic: string }

const V2_ONLY = ['aggregate', 'max_posted_age_days', 'min_models', 'model_weights'] as const
const whole = (x: number, lo: number, hi: number) => Number.isInteger(x) && x >= lo && x <= hi

/** The 422 rules of the v2 fields; a v1 definition (no version, or 1) may not carry any of them. */
export function checkMethodologyV2 (m: V2Input): FieldError[] {
  const at = (f: string) => `body/methodology/${f}`
  if (m.version !== undefined && m.version !== 1 && m.version !== 2) return [{ path: at('version'), reason: 'must be 1 or 2 (the methodology editions there are)' }]
  if (m.version !== 2) {
    const errors: FieldError[] = V2_ONLY.filter((f) => m[f] !== undefined)
      .map((f) => ({ path: at(f), reason: 'is a methodology v2 field: set methodology.version to 2 to use it' }))
    if (m.statistic === 'weighted_mean') errors.push({ path: at('statistic'), reason: 'weighted_mean is methodology v2 only' })
    return errors
  }
  const errors: FieldError[] = []
  if (m.aggregate !== undefined && !(AGGREGATES as readonly string[]).includes(m.aggregate)) {
    errors.push({ path: at('aggregate'), reason: `unknown aggregation ${m.aggregate}: must be one of ${AGGREGATES.join(', ')}` })
  }
  if (m.max_posted_age_days !== undefined && !whole(m.max_posted_age_days, 1, MAX_POSTED_AGE_DAYS)) {
    errors.push({ path: at('max_posted_age_days'), reason: `must be a whole number of days from 1 to ${MAX_POSTED_AGE_DAYS}` })
  }
  if (m.min_models !== undefined && !whole(m.min_models, 1, 1000)) errors.push({ path: at('min_models'), reason: 'must be a whole number from 1 to 1000' })
  for (const [product, w] of Object.entries(m.model_weights ?? {})) {
    if (!(w > 0 && w <= 1e6)) errors.push({ path: at(`model_weights/${product}`), reason: 'a weight must be greater than 0 and at most 1000000' })
  }
  if (m.model_weights !== undefined && m.statistic !== 'weighted_mean') {
    errors.push({ path: at('model_weights'), reason: 'applies with statistic weighted_mean only' })
  }
  return errors
}

/** A v2 methodology as stored: its defaults written out, as v1's are. */
export function withV2Defaults<T extends V2Input> (m: T): T {
  return m.version === 2 ? { ...V2_DEFAULTS, ...m } : m
}
