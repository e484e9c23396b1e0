import { parseQuoteCsv } from '../domain/quote-files.ts'
import { ImportBatch } from './batch.ts'
import type { ParseOptions } from './sources.ts'

/**
 * A CSV with the columns of POST /v1/quotes, read by the same parser as POST /v1/quotes and cpx
 * quotes load. A missing observed_at takes --observed-at; a missing source is `csv`. Providers and
 * products must already exist: a CSV carries no catalog, so rows naming unknown ones are refused by
 * the validation (counted as invalid, with the reason), never created.
 */
export function parseQuotesCsv (text: string, opts: ParseOptions): ImportBatch {
  const batch = new ImportBatch('csv')
  for (const row of parseQuoteCsv(text)) {
    batch.rowsRead++
    row.observed_at ??= opts.observedAt
    row.source ??= 'csv'
    batch.raw.push(row)
  }
  return batch
}
