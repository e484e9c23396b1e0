import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { problemResponses } from '../domain/contracts.ts'
import { NotFound } from '../domain/errors.ts'
import { BasketMonth, BasketValue, findBasketMonths, findBasketValues, type BasketRange } from '../domain/basket-reads.ts'
import { Basket, BasketBody, BasketCode, findBasket, listBaskets, putBasket } from '../domain/baskets.ts'
import { csvDisposition, CSV_TYPE, toCsv } from './csv.ts'
import { renderChart } from '../web/chart-svg.ts'
import { addDays } from '../web/format.ts'
import { SVG_TYPE } from './chart.ts'
import { AsOf, CsvText, DateParam, rangeOrdered } from './read-params.ts'

// Baskets (issue #20): definitions (ingest or admin), daily values, monthly averages with the budget
// view, and CSV. Values are computed in SQL on every read from the stored fixings (docs/methodology.md "Baskets").
const tags = ['baskets']
const Params = z.object({ code: BasketCode })
/** The longest range of days one read computes. */
export const BASKET_MAX_DAYS = 731
const VALUE_COLUMNS = ['date', 'code', 'version', 'mode', 'status', 'value', 'unit', 'failed', 'inputs', 'hash'] as const

/** The default range: DEFAULT_DAYS days from the first version's effective_from (or ending on `to`). */
const DEFAULT_DAYS = 31
const RangeQuery = z.object({
  from: DateParam.optional().meta({ description: `first day (inclusive); default the first version's effective_from, or ${DEFAULT_DAYS - 1} days before to`, example: '2026-10-01' }),
  to: DateParam.optional().meta({ description: `last day (inclusive), at most ${BASKET_MAX_DAYS} days after from; default ${DEFAULT_DAYS - 1} days after from`, example: '2026-10-31' }),
  as_of: AsOf,
}).superRefine(rangeOrdered).superRefine((q, ctx) => {
  if (q.from && q.to && Date.parse(q.to) - Date.parse(q.from) >= BASKET_MAX_DAYS * 86_400_000) ctx.addIssue({ code: 'custom', path: ['to'], message: `the range is longer than ${BASKET_MAX_DAYS} days` })
})

// The answers' lists are named schemas (generators name their types after them: swagger-typescript-api
// otherwise gives an anonymous inline type nobody can import).
const BasketList = z.object({ data: z.array(Basket) }).meta({ id: 'BasketList' })
const BasketValueList = z.object({
  data: z.array(BasketValue),
  months: z.array(BasketMonth).optional().meta({ description: 'with compare: the budget view of the months in the range' }),
}).meta({ id: 'BasketValueList' })
const BasketMonthList = z.object({ data: z.array(BasketMonth) }).meta({ id: 'BasketMonthList' })

const Compare = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM').optional()
  .meta({ description: 'the base month of the budget view: each month\'s average beside its change against this month, and its min and max', example: '2026-10' })

const routes: FastifyPluginAsyncZod = async (app) => {
  const db = app.readDb
  const range = async (code: string, q: z.output<typeof RangeQuery>): Promise<BasketRange> => {
    const basket = await findBasket(db, code)
    if (!basket) throw new NotFound(`No basket ${code}`)
    const from = q.from ?? (q.to ? addDays(q.to, 1 - DEFAULT_DAYS) : basket.versions[0]!.effective_from)
    return { code, from, to: q.to ?? addDays(from, DEFAULT_DAYS - 1), asOf: q.as_of ?? null }
  }

  app.put('/v1/baskets/:code', {
    config: { access: 'ingest' },
    schema: {
      operationId: 'putBasket',
      summary: 'Create a basket or store a new version of it (weights or quantities, effective from a day); nothing changes in place',
      tags,
      params: Params,
      body: BasketBody,
      response: { 200: Basket, 201: Basket, ...problemResponses(400, 401, 403, 413, 415, 422) },
    },
  }, async (req, reply) => {
    const { created, basket } = await putBasket(app.db, req.params.code, req.body, req.scope ?? 'ingest')
    return reply.code(created ? 201 : 200).send(basket)
  })

  app.get('/v1/baskets', {
    schema: { operationId: 'listBaskets', summary: 'Every basket with its versions', tags, response: { 200: BasketList, ...problemResponses(400, 401) } },
  }, async () => ({ data: await listBaskets(db) }))

  app.get('/v1/baskets/:code', {
    schema: { operationId: 'getBasket', summary: 'One basket: every version, who changed it, when and why', tags, params: Params, response: { 200: Basket, ...problemResponses(400, 401, 403, 404) } },
  }, async (req) => {
    const basket = await findBasket(db, req.params.code)
    if (!basket) throw new NotFound(`No basket ${req.params.code}`)
    return basket
  })

  app.get('/v1/baskets/:code/values', {
    schema: {
      operationId: 'listBasketValues',
      summary: 'A basket\'s daily values, computed from the component fixings (as of a time), each with the fixings used and its hash',
      description: 'With compare=YYYY-MM, also `months`: the budget view (as GET …/averages?compare=).',
      tags,
      params: Params,
      querystring: RangeQuery.safeExtend({ compare: Compare }),
      response: {
        200: BasketValueList,
        ...problemResponses(400, 401, 403, 404),
      },
    },
  }, async (req) => {
    const q = await range(req.params.code, req.query)
    const data = await findBasketValues(db, q)
    return req.query.compare ? { data, months: await findBasketMonths(db, { ...q, compare: req.query.compare }) } : { data }
  })

  app.get('/v1/baskets/:code/values.csv', {
    schema: {
      operationId: 'listBasketValuesCsv',
      summary: 'A basket\'s daily values as CSV (inputs as code:date:revision, hash per day), for spreadsheets',
      tags,
      params: Params,
      querystring: RangeQuery,
      response: { 200: { description: 'one row per day', content: { 'text/csv': { schema: CsvText } } }, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (req, reply) => {
    const data = await findBasketValues(db, await range(req.params.code, req.query))
    const rows = data.map((v) => ({ ...v, failed: v.failed.join(' '), inputs: v.inputs.map((i) => `${i.code}:${i.date}:${i.revision ?? 'v' + String(i.version)}`).join(' ') }))
    return reply.type(CSV_TYPE).header('content-disposition', csvDisposition(`${req.params.code}-values`)).send(toCsv(VALUE_COLUMNS, rows) as never)
  })

  app.get('/v1/baskets/:code/chart.svg', {
    schema: {
      operationId: 'getBasketChartSvg',
      summary: 'A chart of a basket\'s daily values as a self-contained SVG image (gaps where a component failed), for dashboards and slides',
      tags,
      params: Params,
      querystring: RangeQuery.safeExtend({
        width: z.coerce.number().int().min(240).max(2400).default(800).meta({ description: 'width in pixels (240–2400)', example: 800 }),
        height: z.coerce.number().int().min(160).max(1600).default(360).meta({ description: 'height in pixels (160–1600)', example: 360 }),
      }),
      response: {
        200: { description: 'the chart', content: { 'image/svg+xml': { schema: z.string().meta({ example: '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" …>…</svg>' }) } } },
        ...problemResponses(400, 401, 403, 404),
      },
    },
  }, async (req, reply) => {
    const q = await range(req.params.code, req.query)
    const values = await findBasketValues(db, q)
    const basket = (await findBasket(db, q.code))!
    const svg = renderChart(values.map((v) => ({ date: v.date, value: v.value, revision: 1 })), { width: req.query.width, height: req.query.height, title: `${basket.code}: ${basket.name}`, unit: basket.unit, from: q.from, to: q.to })
    return reply.type(SVG_TYPE).send('<?xml version="1.0" encoding="UTF-8"?>\n' + svg as never)
  })

  app.get('/v1/baskets/:code/averages', {
    schema: {
      operationId: 'listBasketAverages',
      summary: 'Monthly averages of a basket (min, max); with compare=YYYY-MM the budget view: change vs that month, absolute and in percent',
      tags,
      params: Params,
      querystring: RangeQuery.safeExtend({ compare: Compare }),
      response: { 200: BasketMonthList, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (req) => ({ data: await findBasketMonths(db, { ...await range(req.params.code, req.query), compare: req.query.compare }) }))
}

export default routes
