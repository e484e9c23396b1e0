import { GPU_PRODUCTS, PROVIDERS, type ProductSpec, type ProviderSpec } from '../importers/mappings.ts'
import type { QuoteRow } from '../importers/batch.ts'

// The demo market: who quotes what, at which price level. SYNTHETIC, set around public list prices of
// late 2026 (H100 SXM about $2–4 per GPU-hour at neoclouds and marketplaces, about $10–12 at
// hyperscalers; GPT-5.5 $5 input / $30 output per 1M). Prices are in the series' own unit and currency.

export interface Series {
  provider: string
  product: string
  segment: QuoteRow['segment']
  /** price level on the first day, in `unit` and `currency` */
  base: number
  unit: QuoteRow['unit']
  currency?: string
  gpus?: number
  term?: number
  region?: QuoteRow['region']
  tier?: QuoteRow['service_tier']
  /** how prices move: list prices step now and then, marketplaces drift daily, model list prices stay put */
  style: 'list' | 'market' | 'fixed'
  /** price events: from day index `day` on, the level is multiplied by `factor` */
  events?: Array<{ day: number, factor: number, until?: number }>
}

const extra = (slug: string, name: string, kind: ProviderSpec['kind'], website: string): ProviderSpec => ({ slug, name, kind, website })
export const DEMO_PROVIDERS: ProviderSpec[] = [
  ...['aws', 'azure', 'gcp', 'oci', 'lambda', 'coreweave', 'nebius', 'fluidstack', 'vast', 'runpod'].map((s) => PROVIDERS[s]!),
  extra('crusoe', 'Crusoe Cloud', 'neocloud', 'https://crusoe.ai'),
  extra('voltage-park', 'Voltage Park', 'neocloud', 'https://www.voltagepark.com'),
  extra('tensordock', 'TensorDock', 'marketplace', 'https://tensordock.com'),
  ...['openai', 'anthropic', 'google', 'xai', 'deepseek', 'mistral', 'together', 'fireworks', 'deepinfra', 'groq',
    'aws-bedrock', 'azure-ai', 'google-vertex', 'openrouter'].map((s) => PROVIDERS[s]!),
]

const model = (code: string, name: string, family: string, tier: 'frontier' | 'mid' | 'small', open: boolean): ProductSpec =>
  ({ code, kind: 'model', name, family, tier, open_weights: open })
export const DEMO_PRODUCTS: ProductSpec[] = [
  ...['h100-sxm', 'h100-pcie', 'h200-sxm', 'a100-80gb-sxm', 'b200-sxm'].map((c) => GPU_PRODUCTS[c]!),
  model('openai/gpt-5.5', 'GPT-5.5', 'gpt-5', 'frontier', false),
  model('anthropic/claude-opus-4.8', 'Claude Opus 4.8', 'claude-opus', 'frontier', false),
  model('google/gemini-3.1-pro', 'Gemini 3.1 Pro', 'gemini-pro', 'frontier', false),
  model('x-ai/grok-4.3', 'Grok 4.3', 'grok', 'frontier', false),
  model('meta-llama/llama-3.3-70b-instruct', 'Llama 3.3 70B Instruct', 'llama-3', 'mid', true),
  model('deepseek/deepseek-v3.2', 'DeepSeek V3.2', 'deepseek', 'mid', true),
  model('openai/gpt-oss-120b', 'gpt-oss-120b', 'gpt-oss', 'mid', true),
  model('openai/gpt-5-mini', 'GPT-5 mini', 'gpt-5', 'small', false),
  model('anthropic/claude-haiku-4.5', 'Claude Haiku 4.5', 'claude-haiku', 'small', false),
  model('google/gemini-3-flash', 'Gemini 3 Flash', 'gemini-flash', 'small', false),
  model('meta-llama/llama-3.1-8b-instruct', 'Llama 3.1 8B Instruct', 'llama-3', 'small', true),
  model('mistralai/mistral-small', 'Mistral Small', 'mistral-small', 'small', true),
]

// GPU series: [provider, product, segment, base, extra]. Hyperscalers quote 8-GPU instances per hour
// in two regions; Nebius quotes in EUR, Fluidstack in GBP; CoreWeave's reservations are per GPU-month.
type G = [string, string, QuoteRow['segment'], number, Partial<Series>?]
// Price of a term relative to the 12-month reservation, and who quotes the other terms at their 12-month level.
const TERM_FACTORS: Array<[number, number]> = [[1, 1.22], [3, 1.13], [6, 1.06], [24, 0.93], [36, 0.87]]
const TERM_QUOTERS: Array<[string, number, Partial<Series>]> = [['lambda', 2.39, {}], ['crusoe', 2.45, {}],
  ['voltage-park', 2.1, {}], ['nebius', 2.05, { currency: 'EUR' }], ['runpod', 2.19, { style: 'market' }],
  ['coreweave', 2.5, {}], ['fluidstack', 1.79, { currency: 'GBP' }]]
const TERM_CURVE: G[] = TERM_FACTORS.flatMap(([term, factor]) => TERM_QUOTERS.map(([provider, r12, more]): G =>
  [provider, 'h100-sxm', 'reserved', Math.round(r12 * factor * 100) / 100, { term, ...more }]))
const GPU: G[] = [
  ['aws', 'h100-sxm', 'on_demand', 88.49, { unit: 'instance_hour', gpus: 8, region: 'us', events: [{ day: 110, factor: 0.62 }] }],
  ['aws', 'h100-sxm', 'on_demand', 91.2, { unit: 'instance_hour', gpus: 8, region: 'eu', events: [{ day: 110, factor: 0.62 }] }],
  ['azure', 'h100-sxm', 'on_demand', 98.32, { unit: 'instance_hour', gpus: 8, region: 'us' }],
  ['azure', 'h100-sxm', 'on_demand', 101.5, { unit: 'instance_hour', gpus: 8, region: 'eu' }],
  ['gcp', 'h100-sxm', 'on_demand', 88.25, { unit: 'instance_hour', gpus: 8, region: 'us' }],
  ['gcp', 'h100-sxm', 'on_demand', 92.1, { unit: 'instance_hour', gpus: 8, region: 'eu' }],
  ['oci', 'h100-sxm', 'on_demand', 80, { unit: 'instance_hour', gpus: 8, region: 'us' }],
  ['lambda', 'h100-sxm', 'on_demand', 2.99], ['coreweave', 'h100-sxm', 'on_demand', 3.49],
  ['nebius', 'h100-sxm', 'on_demand', 2.75, { currency: 'EUR' }], ['crusoe', 'h100-sxm', 'on_demand', 3.25],
  ['voltage-park', 'h100-sxm', 'on_demand', 2.49], ['fluidstack', 'h100-sxm', 'on_demand', 1.95, { currency: 'GBP' }],
  ['vast', 'h100-sxm', 'on_demand', 2.05, { style: 'market' }], ['runpod', 'h100-sxm', 'on_demand', 2.69, { style: 'market' }],
  // a mispriced TensorDock listing for a week: the outlier rule excludes it
  ['tensordock', 'h100-sxm', 'on_demand', 2.25, { style: 'market', events: [{ day: 150, factor: 4.2, until: 157 }] }],
  ['vast', 'h100-sxm', 'spot', 1.35, { style: 'market' }], ['runpod', 'h100-sxm', 'spot', 1.69, { style: 'market' }],
  ['tensordock', 'h100-sxm', 'spot', 1.45, { style: 'market' }], ['nebius', 'h100-sxm', 'spot', 1.6, { currency: 'EUR' }],
  ['crusoe', 'h100-sxm', 'spot', 1.85], ['fluidstack', 'h100-sxm', 'spot', 1.25, { currency: 'GBP' }],
  ['lambda', 'h100-sxm', 'reserved', 2.39, { term: 12 }], ['coreweave', 'h100-sxm', 'reserved', 1825, { term: 12, unit: 'gpu_month' }],
  ['nebius', 'h100-sxm', 'reserved', 2.05, { term: 12, currency: 'EUR' }], ['crusoe', 'h100-sxm', 'reserved', 2.45, { term: 12 }],
  ['voltage-park', 'h100-sxm', 'reserved', 2.1, { term: 12 }], ['runpod', 'h100-sxm', 'reserved', 2.19, { term: 12, style: 'market' }],
  ['fluidstack', 'h100-sxm', 'reserved', 1.79, { term: 12, currency: 'GBP' }],
  // the rest of the H100 SXM term curve (docs/methodology.md, "Term curves"): seven providers quote every
  // standard term, shorter terms dearer than 12 months and longer ones cheaper
  ...TERM_CURVE,
  ['lambda', 'h100-pcie', 'on_demand', 2.49], ['vast', 'h100-pcie', 'on_demand', 1.75, { style: 'market' }],
  ['runpod', 'h100-pcie', 'on_demand', 2.39, { style: 'market' }], ['tensordock', 'h100-pcie', 'on_demand', 1.95, { style: 'market' }],
  ['fluidstack', 'h100-pcie', 'on_demand', 1.69, { currency: 'GBP' }],
  ['coreweave', 'h200-sxm', 'on_demand', 4.25], ['nebius', 'h200-sxm', 'on_demand', 3.3, { currency: 'EUR' }],
  ['lambda', 'h200-sxm', 'on_demand', 3.79], ['crusoe', 'h200-sxm', 'on_demand', 4.1],
  ['vast', 'h200-sxm', 'on_demand', 2.85, { style: 'market' }], ['runpod', 'h200-sxm', 'on_demand', 3.59, { style: 'market' }],
  ['lambda', 'a100-80gb-sxm', 'on_demand', 1.79], ['crusoe', 'a100-80gb-sxm', 'on_demand', 1.95],
  ['fluidstack', 'a100-80gb-sxm', 'on_demand', 1.15, { currency: 'GBP' }],
  ['vast', 'a100-80gb-sxm', 'on_demand', 1.05, { style: 'market' }], ['runpod', 'a100-80gb-sxm', 'on_demand', 1.49, { style: 'market' }],
  ['tensordock', 'a100-80gb-sxm', 'on_demand', 1.2, { style: 'market' }],
  ['coreweave', 'b200-sxm', 'on_demand', 6.25], ['lambda', 'b200-sxm', 'on_demand', 4.99], ['nebius', 'b200-sxm', 'on_demand', 4.6, { currency: 'EUR' }],
  ['crusoe', 'b200-sxm', 'on_demand', 5.5], ['runpod', 'b200-sxm', 'on_demand', 5.99, { style: 'market' }],
  ['vast', 'b200-sxm', 'on_demand', 4.49, { style: 'market' }], ['fluidstack', 'b200-sxm', 'on_demand', 3.75, { currency: 'GBP' }],
]

// Model series: [provider, product, input, output, cached input?]; USD per 1M tokens, list prices.
type M = [string, string, number, number, number?, Partial<Series>?]
// Claude Opus list price cut from $15/$75 to $5/$25 on day 60, at every host on the same day.
const OPUS_CUT = { events: [{ day: 60, factor: 1 / 3 }] }
const MODELS: M[] = [
  ['openai', 'openai/gpt-5.5', 5, 30, 0.5], ['azure-ai', 'openai/gpt-5.5', 5, 30, 0.5], ['openrouter', 'openai/gpt-5.5', 5, 30],
  ['anthropic', 'anthropic/claude-opus-4.8', 15, 75, 1.5, OPUS_CUT], ['aws-bedrock', 'anthropic/claude-opus-4.8', 15, 75, undefined, OPUS_CUT],
  ['google-vertex', 'anthropic/claude-opus-4.8', 15, 75, undefined, OPUS_CUT], ['openrouter', 'anthropic/claude-opus-4.8', 15, 75, undefined, OPUS_CUT],
  ['google', 'google/gemini-3.1-pro', 2, 12, 0.2], ['google-vertex', 'google/gemini-3.1-pro', 2, 12], ['openrouter', 'google/gemini-3.1-pro', 2, 12],
  ['xai', 'x-ai/grok-4.3', 3, 15, 0.75], ['openrouter', 'x-ai/grok-4.3', 3, 15],
  ['together', 'meta-llama/llama-3.3-70b-instruct', 0.88, 0.88], ['fireworks', 'meta-llama/llama-3.3-70b-instruct', 0.9, 0.9],
  ['deepinfra', 'meta-llama/llama-3.3-70b-instruct', 0.23, 0.4], ['groq', 'meta-llama/llama-3.3-70b-instruct', 0.59, 0.79],
  ['aws-bedrock', 'meta-llama/llama-3.3-70b-instruct', 0.72, 0.72],
  ['together', 'deepseek/deepseek-v3.2', 0.6, 1.7], ['fireworks', 'deepseek/deepseek-v3.2', 0.56, 1.68],
  ['deepinfra', 'deepseek/deepseek-v3.2', 0.27, 0.4], ['openrouter', 'deepseek/deepseek-v3.2', 0.28, 0.42],
  ['groq', 'openai/gpt-oss-120b', 0.15, 0.6], ['together', 'openai/gpt-oss-120b', 0.15, 0.6],
  ['fireworks', 'openai/gpt-oss-120b', 0.15, 0.6], ['deepinfra', 'openai/gpt-oss-120b', 0.09, 0.45],
  ['openai', 'openai/gpt-5-mini', 0.25, 2, 0.025], ['azure-ai', 'openai/gpt-5-mini', 0.25, 2],
  ['anthropic', 'anthropic/claude-haiku-4.5', 1, 5, 0.1], ['aws-bedrock', 'anthropic/claude-haiku-4.5', 1, 5],
  ['google', 'google/gemini-3-flash', 0.5, 3, 0.05], ['google-vertex', 'google/gemini-3-flash', 0.5, 3],
  ['groq', 'meta-llama/llama-3.1-8b-instruct', 0.05, 0.08], ['deepinfra', 'meta-llama/llama-3.1-8b-instruct', 0.03, 0.05],
  ['together', 'meta-llama/llama-3.1-8b-instruct', 0.18, 0.18], ['mistral', 'mistralai/mistral-small', 0.09, 0.28, undefined, { currency: 'EUR' }],
]

export const DEMO_SERIES: Series[] = [
  ...GPU.map(([provider, product, segment, base, more]): Series =>
    ({ provider, product, segment, base, unit: 'gpu_hour', style: 'list', ...more })),
  ...MODELS.flatMap(([provider, product, input, output, cached, more]): Series[] => {
    const s = { provider, product, unit: '1m_tokens' as const, style: 'fixed' as const, tier: 'standard' as const, ...more }
    return [
      { ...s, segment: 'input', base: input },
      { ...s, segment: 'output', base: output },
      ...(cached ? [{ ...s, segment: 'cached_input' as const, base: cached }] : []),
      // first-party labs also sell a batch tier at half price: stored, but not in the standard-tier indices
      ...(PROVIDERS[provider]?.kind === 'model_lab' ? [{ ...s, segment: 'input' as const, base: input / 2, tier: 'batch' as const }] : []),
    ]
  }),
]

/** Currencies other than USD used above, with their level (USD per unit) on the first day. */
export const DEMO_FX: Record<string, number> = { EUR: 1.085, GBP: 1.27 }
