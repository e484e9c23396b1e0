import { ImportBatch, priceText, type QuoteRow } from './batch.ts'
import { CODE_MAPPINGS } from './mapping-set.ts'
import { mapModel } from './models.ts'
import type { ParseOptions } from './sources.ts'

interface Period { input?: unknown, output?: unknown, input_cached?: unknown, from_date?: string | null, to_date?: string | null }
interface VendorFile { vendor?: string, models?: Array<{ id?: string, name?: string, price_history?: Period[] }> }

const FIELDS: Array<[keyof Period, QuoteRow['segment']]> = [['input', 'input'], ['output', 'output'], ['input_cached', 'cached_input']]

/**
 * When a price_history period was observed. [from, to): a period with from_date is a quote on that
 * day (00:00Z) unless it starts after the observation day (`future_price`); a period without from_date
 * that is still running at the observation time (no to_date, or a later one) is the current price,
 * observed at the observation time; one that had ended by then has no date at all (`undated_past_price`).
 */
function observedAtOf (period: Period, observedAt: string): string | { reason: string } {
  if (period.from_date) return period.from_date > observedAt.slice(0, 10) ? { reason: 'future_price' } : `${period.from_date}T00:00:00Z`
  if (period.to_date && period.to_date <= observedAt.slice(0, 10)) return { reason: 'undated_past_price' }
  return observedAt
}

/** llm-prices.com vendor files (one object, or a list of them when a folder is read) → USD per 1M quotes. */
export function parseLlmPrices (text: string, opts: ParseOptions): ImportBatch {
  const batch = new ImportBatch('llm-prices')
  const m = opts.mappings ?? CODE_MAPPINGS
  const body = JSON.parse(text) as VendorFile | VendorFile[]
  const vendors = Array.isArray(body) ? body : [body]
  if (vendors.some((v) => !Array.isArray(v.models))) throw new Error('not an llm-prices vendor file: expected {"vendor", "models"}')
  for (const vendor of vendors) {
    const slug = m.sourceProviders['llm-prices']?.[vendor.vendor ?? '']
    const provider = slug ? m.providers[slug] : undefined
    for (const model of vendor.models ?? []) {
      for (const period of model.price_history ?? []) {
        batch.rowsRead++
        if (!provider) { batch.unmappedName(`provider ${vendor.vendor}`); continue }
        const mapping = mapModel(model.id ?? '', model.name, m)
        if ('excluded' in mapping) { batch.skip('excluded_by_mapping'); continue }
        if ('unmapped' in mapping) { batch.unmappedName(`${vendor.vendor}/${model.id}`); continue }
        const observed = observedAtOf(period, opts.observedAt)
        if (typeof observed !== 'string') { batch.skip(observed.reason); continue }
        const input = priceText(period.input)
        if (!('price' in input)) { batch.skip(input.reason); continue }
        batch.addModelPrices({ provider, product: mapping.product, unit: '1m_tokens', observed_at: observed },
          FIELDS.map(([field, segment]) => [segment, period[field]]))
      }
    }
  }
  return batch
}
