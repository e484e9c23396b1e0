import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Config } from '../config.ts'
import { problemResponses } from '../domain/contracts.ts'
import { FixingNotFound, InvalidCursor } from '../domain/errors.ts'
import { assertIndexExists, findAverages, findConstituents, findFixing, findFixingHistory, findLatestFixing, findRevisions, withoutId } from '../domain/fixing-queries.ts'
import { AverageList, Fixing, FixingPage, Period, RevisionList } from '../domain/fixing-reads.ts'
import { getIndexDetail, IndexDetail, IndexList, listIndices } from '../domain/index-reads.ts'
import { SourceHealth, sourceHealthOfFixing } from '../domain/sources.ts'
import { FixingsCache } from '../plugins/fixings-cache.ts'
import { csvDisposition, CSV_TYPE, toCsv, wantsCsv } from './csv.ts'
import { cursorCodec, type CursorCodec } from './cursor.ts'
import { cacheControl, conditionalGet, etagOfBody, etagOfHash } from './http-cache.ts'
import { AsOf, CsvText, DateParam, DEFAULT_HISTORY_PAGE, HistoryQuery, IndexCodeParam, MAX_HISTORY_PAGE, rangeOrdered } from './read-params.ts'

const tags = ['indices']
const JSON_TYPE = 'application/json; charset=utf-8'
const Params = z.object({ code: IndexCodeParam })
// The latest answer also says whether the feeds behind it have gone stale (docs/api.md).
const LatestFixing = Fixing.extend({ source_health: SourceHealth }).meta({ id: 'LatestFixing' })
/** A page of history as sent: its text, ETag and Link to the next page. */
interface HistoryAnswer { body: string, etag: string, link: string | undefined }

const HistoryCursor = z.object({ c: z.string(), f: z.string().nullable(), t: z.string().nullable(), a: z.string().nullable(), d: z.string() })

const FIXING_COLUMNS = ['date', 'code', 'status', 'value', 'level', 'unit', 'window_days', 'n_providers', 'n_contributors', 'n_quotes', 'n_excluded',
  'min', 'p25', 'p75', 'max', 'hhi', 'max_provider_impact', 'revision', 'published_at', 'methodology_version', 'hash'] as const
/** The catalog as CSV: one row per index, its latest fixing beside it (empty cells before the first). */
const CATALOG_COLUMNS = ['code', 'name', 'kind', 'unit', 'date', 'status', 'value', 'level', 'revision', 'published_at', 'methodology_version', 'hash'] as const
const AVERAGE_COLUMNS = ['period_start', 'period_end', 'code', 'period', 'status', 'value', 'unit', 'n_days', 'first_day', 'last_day', 'revisions'] as const

/** `format` on a JSON-only operation: json, or a 400 that names the CSV operation. */
const JsonOnly = (csvPath: string) => z.enum(['json'], `csv is a separate operation: GET ${csvPath}`).optional().meta({ description: `json only; the CSV is GET ${csvPath}` })

/** `format` on a JSON operation whose CSV moved to an operation of its own: csv answers 301 to it. */
const CsvMoved = (csvPath: string) => z.enum(['json', 'csv']).optional().meta({ description: `json; csv (kept for older links) answers 301 to GET ${csvPath} with the same query` })

/** 301 to the CSV operation: the same path with .csv, the same query without `format`. */
function toCsvOperation (req: FastifyRequest, reply: FastifyReply) {
  const [path, query = ''] = req.url.split('?', 2) as [string, string?]
  const rest = query.split('&').filter((p) => p && !/^format=/.test(p)).join('&')
  return reply.code(301).header('location', `${path}.csv${rest ? '?' + rest : ''}`).header('vary', 'accept').send()
}

/** GET /v1/indices…: catalog, latest (cached), history (+CSV), one day, its revisions, settlement averages. */
export default async function indicesReadRoutes (fastify: FastifyInstance, { config }: { config: Config }) {
  const cc = cacheControl(config.READ_API_KEY_REQUIRED)
  const db = fastify.readDb // a replica when DATABASE_READ_URL is set (src/db/read-replica.ts)
  const cursors = cursorCodec(fastify.db, 'history')
  // Pages of history as sent (JSON or CSV), dropped with the index's other entries when a fixing of it
  // is published: a year of history is one map lookup, not a query (docs/performance.md).
  const pages = new FixingsCache<HistoryAnswer>({ maxEntries: 1000, maxWeight: 64 * 1024 * 1024, weigh: (page) => page.body.length })
  await pages.listen(fastify.database)
  fastify.addHook('onClose', () => pages.close())

  await fastify.register(async (scope) => {
    scope.addHook('onSend', conditionalGet(cc))
    const app = scope.withTypeProvider<ZodTypeProvider>()

    // The current value: on the read cache's hit path (plugins/read-cache.ts) like the other small reads, so a hit is
    // one map lookup and one write. Its answer also says whether the feeds behind it have all gone stale, which
    // changes with time and not with a publication: the cache entry's 60 s lifetime bounds how late that shows.
    // Its CSV is an operation of its own (…/latest.csv), so that a generated client types /latest as a Fixing.
    const latestRoute = (csv: boolean) => async (req: FastifyRequest<{ Params: { code: string } }>, reply: FastifyReply) => {
      const { code } = req.params
      const f = await findLatestFixing(db, code)
      if (!f) {
        await assertIndexExists(db, code)
        throw new FixingNotFound(`No fixing has been published for ${code} yet`)
      }
      const health = await sourceHealthOfFixing(db, f.id)
      const fixing = { ...withoutId(f), source_health: health }
      // ETag = the fixing hash (with -stale once its feeds all are); the CSV is another representation of it: its own ETag.
      const tag = health?.all_stale ? `${f.hash}-stale` : f.hash
      if (!csv) return reply.header('etag', etagOfHash(tag)).type(JSON_TYPE).send(JSON.stringify(fixing) as never)
      return reply.header('etag', etagOfHash(`${tag}-csv`)).type(CSV_TYPE).header('content-disposition', csvDisposition(`${code}-latest`))
        .send(toCsv(FIXING_COLUMNS, [fixing]) as never)
    }
    app.get('/v1/indices/:code/latest', {
      schema: {
        operationId: 'getLatestFixing',
        summary: 'The current value of an index: its newest fixing',
        description: 'Served from an in-process cache that every published fixing invalidates (LISTEN/NOTIFY). ETag = the fixing hash. As CSV: GET /v1/indices/{code}/latest.csv.',
        tags,
        params: Params,
        querystring: z.object({ format: JsonOnly('/v1/indices/{code}/latest.csv') }),
        response: { 200: LatestFixing, ...problemResponses(400, 401, 404) },
      },
    }, latestRoute(false))
    app.get('/v1/indices/:code/latest.csv', {
      schema: {
        operationId: 'getLatestFixingCsv',
        summary: 'The current value of an index as a one-row CSV (the columns of /values)',
        tags,
        params: Params,
        response: { 200: { description: 'the newest fixing', content: { 'text/csv': { schema: CsvText } } }, ...problemResponses(400, 401, 404) },
      },
    }, latestRoute(true))

    app.get('/v1/indices', {
      schema: {
        operationId: 'listIndices',
        summary: 'The index catalog, each index with its latest fixing',
        description: 'As CSV, every current value in one request: GET /v1/indices.csv.',
        tags,
        querystring: z.object({ format: JsonOnly('/v1/indices.csv') }),
        response: { 200: IndexList, ...problemResponses(400, 401) },
      },
    }, () => listIndices(db))

    app.get('/v1/indices.csv', {
      schema: {
        operationId: 'listIndicesCsv',
        summary: 'The index catalog as CSV: one row per index with its latest fixing (empty cells before the first)',
        tags,
        response: { 200: { description: 'every index', content: { 'text/csv': { schema: CsvText } } }, ...problemResponses(400, 401) },
      },
    }, async (_req, reply) => {
      const rows = (await listIndices(db)).data.map(({ latest, ...d }) => ({ ...d, ...latest }))
      return reply.type(CSV_TYPE).header('content-disposition', csvDisposition('cpx-indices')).send(toCsv(CATALOG_COLUMNS, rows) as never)
    })

    app.get('/v1/indices/:code', {
      schema: {
        operationId: 'getIndex',
        summary: 'One index: definition, methodology and its version, latest fixing',
        tags,
        params: Params,
        response: { 200: IndexDetail, ...problemResponses(400, 401, 403, 404) },
      },
    }, (req) => getIndexDetail(db, req.params.code))

    // History as JSON, and as CSV in an operation of its own: one media type per operation, as generated
    // clients type them (docs/api.md, "CSV"). format=csv or Accept: text/csv on the JSON operation, from
    // links made before …/values.csv existed, is a 301 to it with the same query.
    const history = (csv: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
      const { code } = req.params as { code: string }
      const query = req.query as z.output<typeof HistoryQuery> & { format?: 'json' | 'csv' }
      if (!csv && wantsCsv(req, query.format)) return toCsvOperation(req, reply)
      // A CSV is one file for pandas and Excel, which never see a Link header: by default it holds the
      // whole range, up to the page maximum (5000 days: every day since 2015-01-01 until 2028).
      const q = { ...query, limit: query.limit ?? (csv ? MAX_HISTORY_PAGE : DEFAULT_HISTORY_PAGE) }
      const key = (csv ? 'csv\u0001' : 'json\u0001') + JSON.stringify([q.from, q.to, q.as_of, q.cursor, q.limit])
      const page = await pages.get(code, key, async () => {
        const { rows, next } = await historyPage(db, cursors, code, q)
        const link = next ? `<${req.url.split('?')[0]}?cursor=${next}&limit=${q.limit}>; rel="next"` : undefined
        // Rows leave SQL in the Fixing shape; sent as text, a year of history skips a second validation pass.
        const body = csv ? toCsv(FIXING_COLUMNS, rows) : JSON.stringify({ data: rows, next_cursor: next })
        return { body, etag: etagOfBody(body), link }
      })
      if (page!.link) reply.header('link', page!.link)
      reply.header('etag', page!.etag)
      if (!csv) return reply.type(JSON_TYPE).send(page!.body as never)
      return reply.type(CSV_TYPE).header('content-disposition', csvDisposition(`${code}-values`)).send(page!.body as never)
    }

    app.get('/v1/indices/:code/values', {
      schema: {
        operationId: 'listFixings',
        summary: 'History of an index, oldest day first, cursor-paginated',
        description: 'One row per day: the newest revision, or with as_of the revision current then. JSON pages hold 1000 days by default; the next page is in next_cursor and in a Link header. As CSV: GET /v1/indices/{code}/values.csv (format=csv or Accept: text/csv here answer 301 to it, with the same query).',
        tags,
        params: Params,
        querystring: HistoryQuery.safeExtend({ format: CsvMoved('/v1/indices/{code}/values.csv') }),
        response: { 200: FixingPage, ...problemResponses(400, 401, 403, 404) },
      },
    }, history(false))

    app.get('/v1/indices/:code/values.csv', {
      schema: {
        operationId: 'listFixingsCsv',
        summary: 'History of an index as CSV, oldest day first: by default one file of the whole range',
        description: 'The columns of /values, one row per day. Without `limit`, one file of the whole range (up to 5000 days, every day since 2015-01-01 until 2028); with it, pages, the next one in a Link header.',
        tags,
        params: Params,
        querystring: HistoryQuery,
        response: { 200: { description: 'one row per day', content: { 'text/csv': { schema: CsvText } } }, ...problemResponses(400, 401, 403, 404) },
      },
    }, history(true))

    app.get('/v1/indices/:code/values/:date', {
      schema: {
        operationId: 'getFixing',
        summary: 'The fixing of one day (as of a time), optionally with its constituents',
        tags,
        params: Params.extend({ date: DateParam }),
        querystring: z.object({ as_of: AsOf, include: z.enum(['constituents']).optional().meta({ description: 'constituents: add r(c) of every contributor, excluded or not' }) }),
        response: { 200: Fixing, ...problemResponses(400, 401, 403, 404) },
      },
    }, async (req) => {
      const { code, date } = req.params
      const f = await findFixing(db, code, date, req.query.as_of ?? null)
      if (!f) {
        await assertIndexExists(db, code)
        throw new FixingNotFound(`No fixing of ${code} for ${date}${req.query.as_of ? ` published by ${req.query.as_of}` : ''}`)
      }
      return req.query.include ? { ...f, constituents: await findConstituents(db, f.id) } : f
    })

    app.get('/v1/indices/:code/values/:date/revisions', {
      schema: {
        operationId: 'listFixingRevisions',
        summary: 'Every revision of one day\'s fixing, oldest first, with why it was made',
        tags,
        params: Params.extend({ date: DateParam }),
        response: { 200: RevisionList, ...problemResponses(400, 401, 403, 404) },
      },
    }, async (req) => {
      const { code, date } = req.params
      const data = await findRevisions(db, code, date)
      if (!data.length) {
        await assertIndexExists(db, code)
        throw new FixingNotFound(`No fixing of ${code} for ${date}`)
      }
      return { data }
    })

    const AveragesQuery = z.object({
      // Not the registered Period itself: an input and an output schema may not share a component id.
      period: z.enum(Period.options).default('month').meta({ description: Period.description ?? 'calendar period', example: 'month' }),
      from: DateParam.optional().meta({ description: 'first day (inclusive)', example: '2026-10-01' }),
      to: DateParam.optional().meta({ description: 'last day (inclusive)', example: '2026-12-31' }),
      as_of: AsOf,
    })
    const averages = (csv: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
      const { code } = req.params as { code: string }
      const q = req.query as z.output<typeof AveragesQuery> & { format?: 'json' | 'csv' }
      if (!csv && wantsCsv(req, q.format)) return toCsvOperation(req, reply)
      await assertIndexExists(db, code)
      const data = await findAverages(db, { code, period: q.period, from: q.from, to: q.to, asOf: q.as_of ?? null })
      if (!csv) return reply.send({ data })
      const rows = data.map((a) => ({ ...a, revisions: a.revisions.map((r) => `${r.date}:${r.revision}`).join(' ') }))
      return reply.type(CSV_TYPE).header('content-disposition', csvDisposition(`${code}-averages`)).send(toCsv(AVERAGE_COLUMNS, rows) as never)
    }

    app.get('/v1/indices/:code/averages', {
      schema: {
        operationId: 'listAverages',
        summary: 'Settlement averages: the mean of the ok daily values in each calendar period',
        description: 'As CSV: GET /v1/indices/{code}/averages.csv (format=csv or Accept: text/csv here answer 301 to it, with the same query).',
        tags,
        params: Params,
        querystring: AveragesQuery.safeExtend({ format: CsvMoved('/v1/indices/{code}/averages.csv') }).superRefine(rangeOrdered),
        response: { 200: AverageList, ...problemResponses(400, 401, 403, 404) },
      },
    }, averages(false))

    app.get('/v1/indices/:code/averages.csv', {
      schema: {
        operationId: 'listAveragesCsv',
        summary: 'Settlement averages as CSV: one row per calendar period (revisions as date:revision)',
        tags,
        params: Params,
        querystring: AveragesQuery.superRefine(rangeOrdered),
        response: { 200: { description: 'one row per period', content: { 'text/csv': { schema: CsvText } } }, ...problemResponses(400, 401, 403, 404) },
      },
    }, averages(true))
  })
}

/** One page of history: from the query, or resumed from a cursor this API signed for the same parameters. */
async function historyPage (db: FastifyInstance['db'], cursors: CursorCodec, code: string, q: z.output<typeof HistoryQuery> & { limit: number }) {
  let state = { c: code, f: q.from ?? null, t: q.to ?? null, a: q.as_of ?? null, d: '' }
  if (q.cursor) {
    const c = await cursors.decode(q.cursor, HistoryCursor)
    const clash = c.c !== code || (q.from && q.from !== c.f) || (q.to && q.to !== c.t) || (q.as_of && q.as_of !== c.a)
    if (clash) throw new InvalidCursor('it was issued for other parameters')
    state = c
  }
  await assertIndexExists(db, code)
  const page = await findFixingHistory(db, { code, from: state.f ?? undefined, to: state.t ?? undefined, asOf: state.a, after: state.d || undefined, limit: q.limit })
  const last = page.rows.at(-1)
  // Later pages read the snapshot of the first one: as_of pinned to the database clock then.
  const next = page.more && last ? await cursors.encode({ ...state, a: state.a ?? page.now, d: last.date }) : null
  return { rows: page.rows, next }
}
