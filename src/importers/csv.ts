import { parseQuoteCsv } from '../domain/quote-files.ts'
import { ImportBatch } from './batch.ts'
import { CODE_MAPPINGS } from './mapping-set.ts'
import { mapModel } from './models.ts'
import type { ParseOptions } from './sources.ts'

/**
 * A CSV with the columns of POST /v1/quotes, read by the same parser as POST /v1/quotes and cpx
 * quotes load. A missing observed_at takes --observed-at; a missing source is `csv`. Providers and
 * products the mapping table knows (provider and gpu_product mappings, a model code the model rules map to itself)
 * are created when missing, as the feed importers create them; rows naming any other unknown one are
 * refused by the validation (counted as invalid, with the reason), never guessed.
 */
export function parseQuotesCsv (text: string, opts: ParseOptions): ImportBatch {
  const batch = new ImportBatch('csv')
  const m = opts.mappings ?? CODE_MAPPINGS
  for (const row of parseQuoteCsv(text)) {
    batch.rowsRead++
    row.observed_at ??= opts.observedAt
    row.source ??= 'csv'
    const { provider, product } = row as { provider?: unknown, product?: unknown }
    if (typeof provider === 'string' && Object.hasOwn(m.providers, provider)) batch.providers.set(provider, m.providers[provider]!)
    if (typeof product === 'string') {
      const known = Object.hasOwn(m.gpuProducts, product) ? m.gpuProducts[product] : undefined
      const model = known || !product.includes('/') ? undefined : mapModel(product, undefined, m)
      const spec = known ?? (model && 'product' in model && model.product.code === product ? model.product : undefined)
      if (spec) batch.products.set(product, spec)
    }
    batch.raw.push(row)
  }
  return batch
}
