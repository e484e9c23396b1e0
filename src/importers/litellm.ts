import { ImportBatch, priceText, type QuoteRow } from './batch.ts'
import { CODE_MAPPINGS } from './mapping-set.ts'
import type { ProductSpec, ProviderSpec } from './mappings.ts'
import { aliasRank, mapModel, preferredAlias } from './models.ts'
import type { ParseOptions } from './sources.ts'

export const LITELLM_URL = 'https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json'

type Entry = Record<string, unknown>

// Field → (segment, service tier). Only these fields are quotes: `_above_*_tokens` (long context),
// per-second, per-character, per-image and per-query prices are other products, never headline prices.
const FIELDS: Array<[string, QuoteRow['segment'], NonNullable<QuoteRow['service_tier']>]> = [
  ['input_cost_per_token', 'input', 'standard'], ['output_cost_per_token', 'output', 'standard'],
  ['cache_read_input_token_cost', 'cached_input', 'standard'],
  ['input_cost_per_token_batches', 'input', 'batch'], ['output_cost_per_token_batches', 'output', 'batch'],
  ['input_cost_per_token_flex', 'input', 'flex'], ['output_cost_per_token_flex', 'output', 'flex'],
  ['cache_read_input_token_cost_flex', 'cached_input', 'flex'],
  ['input_cost_per_token_priority', 'input', 'priority'], ['output_cost_per_token_priority', 'output', 'priority'],
  ['cache_read_input_token_cost_priority', 'cached_input', 'priority'],
]

/** model_prices_and_context_window.json → quotes (USD per token, JSON floats kept as exact decimals). */
export function parseLiteLLM (text: string, opts: ParseOptions): ImportBatch {
  const batch = new ImportBatch('litellm')
  const m = opts.mappings ?? CODE_MAPPINGS
  const body = JSON.parse(text) as Record<string, Entry>
  if (typeof body !== 'object' || Array.isArray(body)) throw new Error('not a LiteLLM price file: expected an object of models')
  const chosen = new Map<string, { entry: Entry, rank: ReturnType<typeof aliasRank>, provider: ProviderSpec, product: ProductSpec }>()
  for (const [key, entry] of Object.entries(body)) {
    if (key === 'sample_spec') continue
    batch.rowsRead++
    if (entry.mode !== 'chat') { batch.skip('not_chat_model'); continue }
    const providerSlug = m.sourceProviders.litellm?.[String(entry.litellm_provider)]
    const provider = providerSlug ? m.providers[providerSlug] : undefined
    if (!provider) { batch.unmappedName(`provider ${String(entry.litellm_provider)}`); continue }
    const headline = priceText(entry.input_cost_per_token)
    if (!('price' in headline)) {
      const perUnit = Object.keys(entry).some((f) => /_per_(second|character)/.test(f))
      batch.skip(perUnit ? 'not_per_token' : headline.reason === 'free' ? 'zero_cost' : 'no_cost')
      continue
    }
    const mapping = mapModel(key, undefined, m)
    if ('excluded' in mapping) { batch.skip('excluded_by_mapping'); continue }
    if ('unmapped' in mapping) { batch.unmappedName(key); continue }
    const id = `${providerSlug}|${mapping.product.code}`
    const rank = aliasRank(key)
    const prior = chosen.get(id)
    if (prior && preferredAlias(prior.rank, rank) <= 0) { batch.skip('alias_key'); continue }
    if (prior) batch.skip('alias_key')
    chosen.set(id, { entry, rank, provider, product: mapping.product })
  }
  for (const { entry, provider, product } of chosen.values()) {
    for (const [field, segment, tier] of FIELDS) {
      const parsed = priceText(entry[field])
      if (!('price' in parsed)) continue
      batch.add({
        provider: provider.slug,
        product: product.code,
        segment,
        service_tier: tier,
        price: parsed.price,
        currency: 'USD',
        unit: 'token',
        observed_at: opts.observedAt,
      }, provider, product)
    }
  }
  return batch
}
