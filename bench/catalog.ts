// The synthetic market the benchmark seeds: providers, products and "offers" (one provider quoting one
// product in one segment, unit and currency) chosen so every index of the default catalog
// (seeded by migrations/0000_baseline.sql) has at least three providers on every day of the year.
// Prices sit near real late-2026 levels; units and currencies are mixed so normalization does work.

export interface BenchProvider { slug: string, kind: string }
export interface BenchProduct { code: string, kind: 'gpu' | 'model', family: string, variant?: string, tier?: string, open_weights?: boolean }
export interface Offer {
  provider: string
  product: string
  segment: string
  term_months: number | null
  service_tier: string | null
  region: string | null
  currency: string
  unit: string
  gpus_per_instance: number | null
  /** USD per GPU-hour or per 1M tokens at the start of the year */
  usd: number
}

const kinds: Record<string, string[]> = {
  hyperscaler: ['aws', 'azure', 'gcp', 'oci'],
  neocloud: ['lambda', 'coreweave', 'nebius', 'crusoe', 'voltage-park', 'hyperstack', 'fluidstack', 'paperspace'],
  marketplace: ['vast-ai', 'runpod', 'tensordock', 'salad'],
  model_lab: ['openai', 'anthropic', 'google-ai', 'mistral', 'xai'],
  inference_host: ['together', 'fireworks', 'deepinfra', 'groq', 'novita', 'hyperbolic'],
}
export const providers: BenchProvider[] = Object.entries(kinds).flatMap(([kind, slugs]) => slugs.map((slug) => ({ slug, kind })))

const gpus: Array<[string, string, string, number]> = [
  ['h100-sxm', 'h100', 'sxm', 2.9], ['h100-pcie', 'h100', 'pcie', 2.4], ['h200-sxm', 'h200', 'sxm', 3.6],
  ['a100-sxm', 'a100', 'sxm', 1.4], ['b200-sxm', 'b200', 'sxm', 5.5],
]
// [code, family, tier, open weights, input $/1M, output $/1M, first-party lab or null]
const models: Array<[string, string, string, boolean, number, number, string | null]> = [
  ['openai/gpt-5.5', 'gpt-5', 'frontier', false, 5, 30, 'openai'],
  ['anthropic/claude-opus-4.5', 'claude-4', 'frontier', false, 5, 25, 'anthropic'],
  ['google/gemini-3-pro', 'gemini-3', 'frontier', false, 2, 12, 'google-ai'],
  ['xai/grok-4', 'grok-4', 'frontier', false, 3, 15, 'xai'],
  ['openai/gpt-5-mini', 'gpt-5', 'small', false, 0.25, 2, 'openai'],
  ['anthropic/claude-haiku-4.5', 'claude-4', 'small', false, 1, 5, 'anthropic'],
  ['google/gemini-3-flash', 'gemini-3', 'small', false, 0.3, 2.5, 'google-ai'],
  ['mistralai/mistral-small', 'mistral', 'small', false, 0.1, 0.3, 'mistral'],
  ['deepseek/deepseek-v3', 'deepseek-v3', 'frontier', true, 0.5, 1.5, null],
  ['meta-llama/llama-3.1-70b-instruct', 'llama-3.1', 'mid', true, 0.88, 0.88, null],
  ['meta-llama/llama-3.1-8b-instruct', 'llama-3.1', 'small', true, 0.18, 0.18, null],
  ['qwen/qwen3-235b', 'qwen3', 'mid', true, 0.6, 1.8, null],
]

export const products: BenchProduct[] = [
  ...gpus.map(([code, family, variant]) => ({ code, kind: 'gpu' as const, family, variant })),
  ...models.map(([code, family, tier, open]) => ({ code, kind: 'model' as const, family, tier, open_weights: open })),
]

const REGIONS = ['us', 'eu', 'us', 'apac', null] as const

function gpuOffers (): Offer[] {
  const out: Offer[] = []
  const base = { term_months: null, service_tier: null, gpus_per_instance: null, currency: 'USD', unit: 'gpu_hour' }
  let n = 0
  for (const slug of [...kinds.neocloud!, ...kinds.marketplace!]) {
    const market = kinds.marketplace!.includes(slug) ? 0.8 : 1
    // nebius quotes in EUR, hyperstack in GBP: normalization must convert them.
    const currency = slug === 'nebius' ? 'EUR' : slug === 'hyperstack' ? 'GBP' : 'USD'
    for (const [code, , , usd] of gpus) {
      const region = REGIONS[n++ % REGIONS.length] ?? null
      out.push({ ...base, provider: slug, product: code, segment: 'on_demand', region, currency, usd: usd * market * (0.92 + (n % 7) * 0.025) })
      if (code === 'h100-sxm') {
        out.push({ ...base, provider: slug, product: code, segment: 'spot', region, currency, usd: usd * market * 0.6 })
        out.push({ ...base, provider: slug, product: code, segment: 'reserved', term_months: 12, region, currency, unit: 'gpu_month', usd: usd * market * 0.75 })
        out.push({ ...base, provider: slug, product: code, segment: 'reserved', term_months: 36, region, currency, usd: usd * market * 0.6 })
      }
    }
  }
  for (const slug of kinds.hyperscaler!) {
    for (const [code, , , usd] of gpus) {
      // Hyperscalers sell 8-GPU instances at about 3x the neocloud hour.
      out.push({ ...base, provider: slug, product: code, segment: 'on_demand', region: 'us', unit: 'instance_hour', gpus_per_instance: 8, usd: usd * 3 })
    }
  }
  return out
}

function modelOffers (): Offer[] {
  const out: Offer[] = []
  const resellers: Record<string, string[]> = { openai: ['azure'], anthropic: ['aws', 'gcp'], 'google-ai': ['gcp'] }
  for (const [code, , , open, input, output, lab] of models) {
    const sellers = lab ? [lab, ...(resellers[lab] ?? [])] : kinds.inference_host!
    sellers.forEach((slug, i) => {
      // groq quotes per token, azure per 1k tokens, mistral in EUR: the rest per 1M tokens in USD.
      const unit = slug === 'groq' ? 'token' : slug === 'azure' ? '1k_tokens' : '1m_tokens'
      const currency = slug === 'mistral' ? 'EUR' : 'USD'
      const spread = open ? 0.85 + i * 0.06 : 1
      const common = { provider: slug, product: code, term_months: null, region: null, currency, unit, gpus_per_instance: null }
      out.push({ ...common, segment: 'input', service_tier: 'standard', usd: input * spread })
      out.push({ ...common, segment: 'output', service_tier: 'standard', usd: output * spread })
      if (lab) {
        out.push({ ...common, segment: 'input', service_tier: 'batch', usd: input * spread * 0.5 })
        out.push({ ...common, segment: 'cached_input', service_tier: 'standard', usd: input * spread * 0.1 })
      }
    })
  }
  return out
}

export const offers: Offer[] = [...gpuOffers(), ...modelOffers()]

/** USD for one unit of each non-USD currency the offers use, around its late-2026 level. */
export const FX_BASE: Record<string, number> = { EUR: 1.08, GBP: 1.27 }
