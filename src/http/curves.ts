import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Config } from '../config.ts'
import { problemResponses } from '../domain/contracts.ts'
import { Curve, CurveList, listCurves, readCurve, STANDARD_TERMS } from '../domain/curves.ts'
import { renderCurveChart } from '../web/curve-chart-svg.ts'
import { SVG_TYPE } from './chart.ts'
import { cacheControl, conditionalGet } from './http-cache.ts'
import { AsOf, DateParam } from './read-params.ts'

const GpuParam = z.string().regex(/^[A-Z0-9][A-Z0-9-]{1,40}$/, 'a GPU code such as H100-SXM').meta({ description: 'the GPU: its indices\' code without -OD / -Rn', example: 'H100-SXM' })
const Terms = z.string().max(100).optional().superRefine((s, ctx) => {
  for (const t of s?.split(',') ?? []) {
    if (!STANDARD_TERMS.includes(Number(t) as never) || !/^\d+$/.test(t)) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(t)} is not a standard term (${STANDARD_TERMS.join(', ')} months)` })
      return
    }
  }
}).meta({ description: `only these terms, comma-separated, from ${STANDARD_TERMS.join(', ')} (months); spot is always included`, example: '1,12' })
const CurveQuery = z.object({ as_of: AsOf, terms: Terms })
const ChartQuery = CurveQuery.safeExtend({
  date: DateParam.optional().meta({ description: 'the curve day; default the spot index\'s latest fixed day (with as_of: as published then)', example: '2026-11-01' }),
  width: z.coerce.number().int().min(240).max(2400).default(800).meta({ description: 'width in pixels (240–2400)', example: 800 }),
  height: z.coerce.number().int().min(160).max(1600).default(360).meta({ description: 'height in pixels (160–1600)', example: 360 }),
})
const termsOf = (s: string | undefined) => s?.split(',').map(Number)

/** GET /v1/curves, /v1/curves/{gpu}, /v1/curves/{gpu}/{date}: term curves from stored fixings. */
export default async function curveRoutes (fastify: FastifyInstance, { config }: { config: Config }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const db = fastify.readDb
  app.addHook('onSend', conditionalGet(cacheControl(config.READ_API_KEY_REQUIRED)))

  app.get('/v1/curves', {
    schema: {
      operationId: 'listCurves',
      summary: 'The term curves: each GPU with a spot index and reserved indices at standard terms',
      tags: ['curves'],
      response: { 200: CurveList, ...problemResponses(401, 403) },
    },
  }, async () => listCurves(db))

  app.get('/v1/curves/:gpu', {
    schema: {
      operationId: 'getLatestCurve',
      summary: 'The latest term curve of a GPU: spot, then each term\'s value and premium to spot',
      description: 'The day is the spot index\'s latest fixed day (with as_of: as published then). A term\'s history is its index\'s history (`history`).',
      tags: ['curves'],
      params: z.object({ gpu: GpuParam }),
      querystring: CurveQuery,
      response: { 200: Curve, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (req) => readCurve(db, req.params.gpu, undefined, req.query.as_of, termsOf(req.query.terms)))

  // Registered before /:gpu/:date; find-my-way prefers the static segment anyway.
  app.get('/v1/curves/:gpu/chart.svg', {
    schema: {
      operationId: 'getCurveChartSvg',
      summary: 'A chart of a GPU\'s term curve as a self-contained SVG image: term in months against USD per GPU-hour, spot as a dashed line',
      description: 'The same points as GET /v1/curves/{gpu} (or /{date}, with as_of). A term without a value is a gap marked at its term, never a zero.',
      tags: ['curves'],
      params: z.object({ gpu: GpuParam }),
      querystring: ChartQuery,
      response: {
        200: { description: 'the chart', content: { 'image/svg+xml': { schema: z.string().meta({ example: '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="800" height="360" …>…</svg>' }) } } },
        ...problemResponses(400, 401, 403, 404),
      },
    },
  }, async (req, reply) => {
    const q = req.query
    const curve = await readCurve(db, req.params.gpu, q.date, q.as_of, termsOf(q.terms))
    const svg = renderCurveChart(curve.points, { width: q.width, height: q.height, title: `${curve.gpu} term curve`, unit: curve.unit, date: curve.date })
    return reply.type(SVG_TYPE).send('<?xml version="1.0" encoding="UTF-8"?>\n' + svg as never)
  })

  app.get('/v1/curves/:gpu/:date', {
    schema: {
      operationId: 'getCurve',
      summary: 'The term curve of a GPU on one day, optionally as published at a time',
      description: 'Each point is its index\'s revision current at as_of (default: the newest), so a past curve is exactly as published.',
      tags: ['curves'],
      params: z.object({ gpu: GpuParam, date: DateParam }),
      querystring: CurveQuery,
      response: { 200: Curve, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (req) => readCurve(db, req.params.gpu, req.params.date, req.query.as_of, termsOf(req.query.terms)))
}
