import { parse } from 'csv-parse/sync'
import { ImportBatch } from './batch.ts'
import type { ParseOptions } from './sources.ts'

const INTEGER_COLUMNS = new Set(['term_months', 'gpus_per_instance'])
const COLUMNS = new Set(['provider', 'product', 'segment', 'term_months', 'service_tier', 'price', 'currency', 'unit',
  'gpus_per_instance', 'region', 'observed_at', 'source'])

/**
 * A CSV with the columns of POST /v1/quotes (header row required). Empty cells are absent fields;
 * prices stay text. Providers and products must already exist: a CSV carries no catalog, so rows
 * naming unknown ones are reported by the validation, not created.
 */
export function parseQuotesCsv (text: string, opts: ParseOptions): ImportBatch {
  const batch = new ImportBatch('csv')
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Array<Record<string, string>>
  const unknown = Object.keys(records[0] ?? {}).filter((c) => !COLUMNS.has(c))
  if (unknown.length) throw new Error(`not a quotes CSV: unknown column(s) ${unknown.join(', ')}; expected ${[...COLUMNS].join(', ')}`)
  for (const record of records) {
    batch.rowsRead++
    const row: Record<string, unknown> = {}
    for (const [column, value] of Object.entries(record)) {
      if (value === '') continue
      row[column] = INTEGER_COLUMNS.has(column) && /^\d+$/.test(value) ? Number(value) : value
    }
    row.observed_at ??= opts.observedAt
    row.source ??= 'csv'
    batch.raw.push(row)
  }
  return batch
}
