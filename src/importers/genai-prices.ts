import { ImportBatch, decimalText, priceText, type QuoteRow } from './batch.ts'
import { CODE_MAPPINGS } from './mapping-set.ts'
import { mapModel } from './models.ts'
import type { ParseOptions } from './sources.ts'

interface PriceSet { constraint?: { start_date?: string, start_time?: string, end_time?: string }, prices?: Record<string, unknown> }
interface GenaiModel { id?: string, name?: string, prices?: Record<string, unknown> | PriceSet[] }
interface GenaiProvider { id?: string, name?: string, models?: GenaiModel[] }

const FIELDS: Array<[string, QuoteRow['segment']]> = [['input_mtok', 'input'], ['output_mtok', 'output'], ['cache_read_mtok', 'cached_input']]

/** A tiered price `{base, tiers}` counts at its base tier; a plain number as itself. */
function basePrice (value: unknown): unknown {
  if (value && typeof value === 'object' && 'base' in value) return (value as { base: unknown }).base
  return typeof value === 'number' ? decimalText(value) : value
}

/**
 * Which price sets of a model become quotes, and when they were observed. A plain object is the price
 * at the observation time. A list: a set with `start_date` ≤ the observation day is a quote observed on
 * its start date (00:00Z); a later start date is skipped (`future_price`); the undated set is the price
 * at the observation time only when no dated set has started yet, else `superseded`; a time-of-day
 * window (DeepSeek off-peak) is skipped (`time_of_day_price`): the undated set is the headline.
 */
function pricedSets (prices: GenaiModel['prices'], observedAt: string, batch: ImportBatch): Array<[Record<string, unknown>, string]> {
  if (!prices) return []
  if (!Array.isArray(prices)) return [[prices, observedAt]]
  const day = observedAt.slice(0, 10)
  const out: Array<[Record<string, unknown>, string]> = []
  let started = false
  for (const set of prices) {
    const c = set.constraint
    if (c?.start_time || c?.end_time) { batch.skip('time_of_day_price'); continue }
    if (!c?.start_date) continue
    if (c.start_date > day) { batch.skip('future_price'); continue }
    started = true
    out.push([set.prices ?? {}, `${c.start_date}T00:00:00Z`])
  }
  for (const set of prices) {
    if (set.constraint) continue
    if (started) batch.skip('superseded'); else out.push([set.prices ?? {}, observedAt])
  }
  return out
}

/** pydantic genai-prices data.json (v2) → quotes in USD per 1M tokens. */
export function parseGenaiPrices (text: string, opts: ParseOptions): ImportBatch {
  const batch = new ImportBatch('genai-prices')
  const m = opts.mappings ?? CODE_MAPPINGS
  const body = JSON.parse(text) as GenaiProvider[]
  if (!Array.isArray(body)) throw new Error('not a genai-prices data.json (v2): expected a list of providers')
  for (const source of body) {
    const slug = m.sourceProviders['genai-prices']?.[source.id ?? '']
    const provider = slug ? m.providers[slug] : undefined
    for (const model of source.models ?? []) {
      batch.rowsRead++
      if (!provider) { batch.unmappedName(`provider ${source.id}`); continue }
      // Bedrock lists a global and a regional (+10%) id per model: the global one is the headline
      if (/^(regional|us|eu|apac|au|jp|ca)\./.test(model.id ?? '')) { batch.skip('regional_variant'); continue }
      const mapping = mapModel(model.id ?? '', model.name, m)
      if ('excluded' in mapping) { batch.skip('excluded_by_mapping'); continue }
      if ('unmapped' in mapping) { batch.unmappedName(`${source.id}/${model.id}`); continue }
      for (const [prices, observedAt] of pricedSets(model.prices, opts.observedAt, batch)) {
        const input = priceText(basePrice(prices.input_mtok))
        if (!('price' in input)) { batch.skip(input.reason === 'free' ? 'free' : 'no_token_price'); continue }
        batch.addModelPrices({ provider, product: mapping.product, unit: '1m_tokens', observed_at: observedAt },
          FIELDS.map(([field, segment]) => [segment, basePrice(prices[field])]))
      }
    }
  }
  return batch
}
