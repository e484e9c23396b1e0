import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Config } from '../config.ts'
import { problemResponses } from '../domain/contracts.ts'
import { Curve, CurveList, listCurves, readCurve, STANDARD_TERMS } from '../domain/curves.ts'
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
