import { parse as parseCsv } from 'csv-parse/sync'
import { BadRequest } from './errors.ts'
import { QuoteInput } from './quote-input.ts'

// The three ways to send a batch of quotes (POST /v1/quotes and cpx quotes load): a JSON document
// {"quotes": [...]} (or a bare array, in files), NDJSON (one quote object a line) and CSV whose
// header row uses the quote field names. Each parser gives plain rows; quote-input.ts checks them.

export type QuoteFormat = 'json' | 'ndjson' | 'csv'

const FIELDS = new Set(Object.keys(QuoteInput.shape))
const INTEGER_FIELDS = new Set(['term_months', 'gpus_per_instance'])

export function parseNdjson (text: string): unknown[] {
  const rows: unknown[] = []
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return
    try {
      rows.push(JSON.parse(line))
    } catch (err) {
      throw new BadRequest(`NDJSON line ${i + 1} is not JSON: ${(err as Error).message}`)
    }
  })
  return rows
}

/**
 * CSV: the header names the columns (any order; unknown names are refused so a typo cannot drop a
 * field). Empty cells are absent fields; the integer columns become numbers when they are digits.
 * Prices stay strings, exactly as written. `extra` names further columns to keep (cpx's `_error`).
 */
export function parseQuoteCsv (text: string, extra: string[] = []): Array<Record<string, unknown>> {
  let records: Array<Record<string, string>>
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, bom: true })
  } catch (err) {
    throw new BadRequest(`The CSV cannot be read: ${(err as Error).message}`)
  }
  const header = records[0] ? Object.keys(records[0]) : []
  const unknown = header.filter((h) => !FIELDS.has(h) && !extra.includes(h))
  if (unknown.length) throw new BadRequest(`Unknown CSV column ${unknown.join(', ')}; the columns are the quote fields: ${[...FIELDS].join(', ')}`)
  return records.map((rec) => {
    const row: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(rec)) {
      if (v === '') continue
      row[k] = INTEGER_FIELDS.has(k) && /^\d{1,6}$/.test(v) ? Number(v) : v
    }
    return row
  })
}

export function parseQuoteJson (text: string): unknown[] {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new BadRequest(`The JSON cannot be read: ${(err as Error).message}`)
  }
  if (Array.isArray(doc)) return doc
  const quotes = (doc as { quotes?: unknown } | null)?.quotes
  if (!Array.isArray(quotes)) throw new BadRequest('The JSON must be {"quotes": [...]} or an array of quotes')
  return quotes
}

/** By the file name's extension, else by the first character. */
export function detectFormat (name: string, text: string): QuoteFormat {
  if (/\.csv$/i.test(name)) return 'csv'
  if (/\.(ndjson|jsonl)$/i.test(name)) return 'ndjson'
  if (/\.json$/i.test(name)) return 'json'
  const start = text.trimStart()
  if (start.startsWith('[')) return 'json'
  if (start.startsWith('{')) return /^\s*\{"quotes"\s*:/.test(start) || !start.includes('\n') ? 'json' : 'ndjson'
  return 'csv'
}

export function parseQuoteFile (format: QuoteFormat, text: string, extra: string[] = []): unknown[] {
  return format === 'csv' ? parseQuoteCsv(text, extra) : format === 'ndjson' ? parseNdjson(text) : parseQuoteJson(text)
}
