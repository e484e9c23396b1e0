import { ImportBatch, priceText, type QuoteRow } from './batch.ts'
import { CODE_MAPPINGS } from './mapping-set.ts'
import type { ProductSpec } from './mappings.ts'
import { aliasRank, mapModel, preferredAlias } from './models.ts'
import type { ParseOptions } from './sources.ts'

export const OPENROUTER_URL = 'https://openrouter.ai/api/v1/models'

interface OpenRouterModel {
  id?: string
  name?: string
  architecture?: { modality?: string, output_modalities?: string[] }
  pricing?: Record<string, unknown>
}

// OpenRouter's own resale price, per token, as a decimal string. The quoting provider is OpenRouter.
const SEGMENTS: Array<[string, QuoteRow['segment']]> = [['prompt', 'input'], ['completion', 'output'], ['input_cache_read', 'cached_input']]

/**
 * GET /api/v1/models → quotes. "-1" (dynamic price: router pseudo-models) and "0" (free) are not
 * prices: skipped and counted. Models whose output is not text alone are skipped; `:batch` ids are
 * the batch service tier; `:free` and `~alias` ids are skipped.
 */
export function parseOpenRouter (text: string, opts: ParseOptions): ImportBatch {
  const batch = new ImportBatch('openrouter')
  const body = JSON.parse(text) as { data?: OpenRouterModel[] }
  if (!Array.isArray(body.data)) throw new Error('not an OpenRouter models response: no "data" list')
  const m = opts.mappings ?? CODE_MAPPINGS
  const provider = m.providers.openrouter
  if (!provider) throw new Error('no provider mapping openrouter')
  const chosen = new Map<string, { id: string, rank: ReturnType<typeof aliasRank>, product: ProductSpec, prices: Array<[QuoteRow['segment'], string]> }>()
  for (const model of body.data) {
    batch.rowsRead++
    const id = model.id ?? ''
    const prices = SEGMENTS.map(([field, segment]) => [segment, priceText(model.pricing?.[field])] as const)
    const headline = [prices[0]![1], prices[1]![1]]
    // "-1" first: a dynamic-priced router pseudo-model is counted as such whatever its modality
    if (headline.some((p) => 'reason' in p && p.reason === 'dynamic_price')) { batch.skip('dynamic_price'); continue }
    const output = model.architecture?.modality?.split('->')[1] ?? model.architecture?.output_modalities?.join('+')
    if (output !== 'text') { batch.skip('not_text_model'); continue }
    if (id.startsWith('~')) { batch.skip('alias'); continue }
    const bad = headline.find((p) => 'reason' in p) as { reason: string } | undefined
    if (bad || id.endsWith(':free')) { batch.skip(bad?.reason ?? 'free'); continue } // whole model: its headline price is no price
    const mapping = mapModel(id, model.name?.replace(/^[^:]+:\s*/, ''), m)
    if ('excluded' in mapping) { batch.skip('excluded_by_mapping'); continue }
    if ('unmapped' in mapping) { batch.unmappedName(id); continue }
    const tier = id.endsWith(':batch') ? 'batch' : 'standard'
    const key = `${mapping.product.code}|${tier}`
    const rank = aliasRank(id.replace(/:batch$/, ''))
    const prior = chosen.get(key)
    if (prior) batch.skip('alias_key')
    if (prior && preferredAlias(prior.rank, rank) <= 0) continue
    chosen.set(key, {
      id,
      rank,
      product: mapping.product,
      prices: prices.flatMap(([segment, p]) => ('price' in p ? [[segment, p.price] as [QuoteRow['segment'], string]] : [])),
    })
  }
  for (const [key, { product, prices }] of chosen) {
    const tier = key.endsWith('|batch') ? 'batch' : 'standard'
    for (const [segment, price] of prices) {
      batch.add({
        provider: provider.slug,
        product: product.code,
        segment,
        service_tier: tier,
        price,
        currency: 'USD',
        unit: 'token',
        observed_at: opts.observedAt,
      }, provider, product)
    }
  }
  return batch
}
