import { stringify } from 'csv-stringify/sync'
import type { FastifyRequest } from 'fastify'

// CSV for spreadsheets (Excel, Google Sheets, Power Query): RFC 4180 — a header row, CRLF line ends,
// quotes only where needed — ISO dates, plain decimals, empty cells for nulls.

export const CSV_TYPE = 'text/csv; charset=utf-8; header=present'

/** `format=csv` wins; otherwise an Accept header that names text/csv before (or without) JSON. */
export function wantsCsv (req: FastifyRequest, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv'
  const accept = req.headers.accept
  if (!accept || !accept.includes('text/csv')) return false
  const json = accept.indexOf('application/json')
  return json === -1 || accept.indexOf('text/csv') < json
}

/** A JSON number as a plain decimal: 1e-7 becomes 0.0000001 (figures have at most 6 decimals). */
export function plainDecimal (n: number): string {
  const s = String(n)
  if (!/e/i.test(s)) return s
  return n.toFixed(20).replace(/\.?0+$/, '')
}

export function toCsv<T extends Record<string, unknown>> (columns: readonly (keyof T & string)[], rows: readonly T[]): string {
  return stringify(rows as Record<string, unknown>[], {
    header: true,
    columns: columns as string[],
    record_delimiter: '\r\n',
    cast: { number: plainDecimal, boolean: (b) => (b ? 'true' : 'false') },
  })
}

/** inline keeps browsers showing the text; the filename names a saved download. */
export const csvDisposition = (name: string) => `inline; filename="${name.replace(/[^\w.-]/g, '_')}.csv"`
