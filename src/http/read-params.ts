import { z } from 'zod'
import { IsoDate, PlausibleInstant } from '../domain/contracts.ts'

// Parameters shared by the read routes, with examples for the OpenAPI document.

export const IndexCodeParam = z.string().min(1).max(64).meta({ description: 'index code', example: 'H100-SXM-OD' })
export const DateParam = IsoDate.meta({ description: 'the UTC day, YYYY-MM-DD', example: '2026-11-02' })
export const AsOf = PlausibleInstant.optional().meta({
  description: 'answer as the API would have at this time: each day\'s highest revision published at or before it. Default: now. From EARLIEST_DATE (2015-01-01) to 5 minutes ahead of the server clock.',
  example: '2026-11-05T00:00:00Z',
})
export const Cursor = z.string().max(2000).optional().meta({ description: 'next_cursor from the previous page; other parameters may be omitted with it' })

/** from <= to, or a 400 naming `to`. */
export function rangeOrdered (q: { from?: string, to?: string }, ctx: z.RefinementCtx): void {
  if (q.from && q.to && q.from > q.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be on or after from' })
}

/** Days in a page of history: JSON's default, and the most one page (and so one CSV file) holds. */
export const DEFAULT_HISTORY_PAGE = 1000
export const MAX_HISTORY_PAGE = 5000

export const HistoryQuery = z.object({
  from: DateParam.optional().meta({ description: 'first day (inclusive)', example: '2026-10-01' }),
  to: DateParam.optional().meta({ description: 'last day (inclusive)', example: '2026-10-31' }),
  as_of: AsOf,
  limit: z.coerce.number().int().min(1).max(MAX_HISTORY_PAGE).optional().meta({ description: `rows per page (1–${MAX_HISTORY_PAGE}); default ${DEFAULT_HISTORY_PAGE} for JSON, ${MAX_HISTORY_PAGE} (the whole range) for CSV`, example: 100 }),
  cursor: Cursor,
}).superRefine(rangeOrdered)

export const CsvText = z.string().meta({
  description: 'RFC 4180 CSV with a header row and CRLF line ends; empty cells are nulls',
  example: 'date,code,status,value,unit\r\n2026-11-02,H100-SXM-OD,ok,2.945,USD/GPU-hour\r\n',
})
