import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { validatorCompiler } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Config } from '../config.ts'
import { ListOf, problemResponses } from '../domain/contracts.ts'
import { parseNdjson, parseQuoteCsv } from '../domain/quote-files.ts'
import { listQuotes, Quote, QuotePosition, QuoteQuery } from '../domain/quote-list.ts'
import { ingestQuotes, MAX_QUOTES_PER_REQUEST, QuoteInput } from '../domain/quotes.ts'
import { findQuoteWithRun, QuoteWithRun } from '../domain/sources.ts'
import { cursorCodec } from './cursor.ts'
import { cacheControl, conditionalGet } from './http-cache.ts'

const tags = ['quotes']

const QuoteBatch = z.object({ quotes: z.array(QuoteInput) }).meta({
  id: 'QuoteBatch',
  description: `Up to ${MAX_QUOTES_PER_REQUEST} quotes. Also accepted: NDJSON (application/x-ndjson, one quote a line) and CSV (text/csv, header row of these field names).`,
})
// Only the envelope is checked by the route: rows are checked together by ingestQuotes, which
// lists every bad row (422) rather than stopping at the first.
const Envelope = z.strictObject({ quotes: z.array(z.unknown(), 'must be an array of quotes') })

const IngestAnswer = z.object({
  accepted: z.number().int().meta({ description: 'rows stored by this request' }),
  duplicates: z.number().int().meta({ description: 'rows identical to a stored quote (or to an earlier row of this batch), skipped' }),
}).meta({ id: 'IngestResult' })

const routes: FastifyPluginAsyncZod<{ config?: Pick<Config, 'READ_API_KEY_REQUIRED'> }> = async (app, { config }) => {
  // Reads: ETag from the bytes sent, Cache-Control, 304 on If-None-Match (DESIGN §5).
  const onSend = conditionalGet(cacheControl(config?.READ_API_KEY_REQUIRED ?? false))
  const cursors = cursorCodec(app.db, 'quotes') // signed page cursors, the codec of every list
  // JSON, NDJSON or CSV; anything else (text/plain included) is 415.
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string' }, (_req, body, done) => {
    try { done(null, { quotes: parseNdjson(body as string) }) } catch (err) { done(err as Error) }
  })
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => {
    try { done(null, { quotes: parseQuoteCsv(body as string) }) } catch (err) { done(err as Error) }
  })

  app.post('/v1/quotes', {
    config: { access: 'ingest' },
    // 10,000 quotes of ~300 bytes each, with room for long source URLs.
    bodyLimit: 8 * 1024 * 1024,
    schema: {
      operationId: 'postQuotes',
      summary: 'Ingest up to 10,000 quotes atomically (JSON, NDJSON or CSV); duplicates are skipped and counted',
      tags,
      consumes: ['application/json', 'application/x-ndjson', 'text/csv'],
      body: QuoteBatch,
      response: { 200: IngestAnswer, ...problemResponses(400, 401, 403, 413, 415, 422) },
    },
    validatorCompiler: (ctx) => validatorCompiler({ ...ctx, schema: ctx.httpPart === 'body' ? Envelope : ctx.schema as unknown as z.ZodType }),
  }, async (req) => {
    const r = await ingestQuotes(app.db, req.body.quotes, { maxRows: MAX_QUOTES_PER_REQUEST })
    return { accepted: r.accepted, duplicates: r.duplicates }
  })

  app.get('/v1/quotes', {
    onSend,
    schema: { operationId: 'listQuotes', summary: 'List stored quotes, newest first, with raw and normalized prices', tags, querystring: QuoteQuery, response: { 200: ListOf(Quote, 'QuoteList'), ...problemResponses(400, 401) } },
  }, async (req) => {
    const { cursor, ...filters } = req.query
    const page = await listQuotes(app.db, filters, cursor ? await cursors.decode(cursor, QuotePosition) : undefined)
    return { data: page.data, next_cursor: page.next && await cursors.encode(page.next) }
  })

  app.get('/v1/quotes/:id', {
    onSend,
    schema: {
      operationId: 'getQuote',
      summary: 'One stored quote with its provenance: the source run that stored it and the SHA-256 of the bytes',
      tags,
      params: z.object({ id: z.string().regex(/^\d{1,18}$/, 'must be a quote id') }),
      response: { 200: QuoteWithRun, ...problemResponses(400, 401, 404) },
    },
  }, (req) => findQuoteWithRun(app.db, req.params.id))
}

export default routes
