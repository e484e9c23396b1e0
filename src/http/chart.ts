import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Config } from '../config.ts'
import { problemResponses } from '../domain/contracts.ts'
import { BadRequest, withErrors } from '../domain/errors.ts'
import { findLatestFixing } from '../domain/fixing-queries.ts'
import { getIndexDefinition } from '../domain/indices.ts'
import { renderChart } from '../web/chart-svg.ts'
import { addDays, dayNumber } from '../web/format.ts'
import { historyPoints } from '../web/page-data.ts'
import { cacheControl, conditionalGet } from './http-cache.ts'
import { AsOf, DateParam, IndexCodeParam, rangeOrdered } from './read-params.ts'

export const SVG_TYPE = 'image/svg+xml; charset=utf-8'
/** The longest range one chart draws: ten years of days. */
export const CHART_MAX_DAYS = 3660
const DEFAULT_DAYS = 365

const ChartQuery = z.object({
  from: DateParam.optional().meta({ description: `first day (inclusive); default ${DEFAULT_DAYS - 1} days before \`to\``, example: '2026-05-06' }),
  to: DateParam.optional().meta({ description: 'last day (inclusive); default the latest fixed day (with as_of: at most the day of as_of)', example: '2026-11-01' }),
  as_of: AsOf,
  width: z.coerce.number().int().min(240).max(2400).default(800).meta({ description: 'width in pixels (240–2400)', example: 800 }),
  height: z.coerce.number().int().min(160).max(1600).default(360).meta({ description: 'height in pixels (160–1600)', example: 360 }),
}).superRefine(rangeOrdered)

const SvgText = z.string().meta({
  description: 'a self-contained SVG 1.1 document: title, unit, value and date axes, the daily values (gaps where a day has no value), revised days ringed',
  example: '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="800" height="360" …>…</svg>',
})

/** GET /v1/indices/{code}/chart.svg: the history as an image for dashboards and slides. */
export default async function chartRoutes (fastify: FastifyInstance, { config }: { config: Config }) {
  const db = fastify.readDb
  fastify.addHook('onSend', conditionalGet(cacheControl(config.READ_API_KEY_REQUIRED)))
  fastify.withTypeProvider<ZodTypeProvider>().get('/v1/indices/:code/chart.svg', {
    schema: {
      operationId: 'getChartSvg',
      summary: 'A chart of an index\'s daily values as a self-contained SVG image, for dashboards and slides',
      description: 'Each day\'s newest revision (or, with as_of, the revision current then), the same figures as /values. Cacheable: ETag and Cache-Control like every read.',
      tags: ['indices'],
      params: z.object({ code: IndexCodeParam }),
      querystring: ChartQuery,
      response: {
        200: { description: 'the chart', content: { 'image/svg+xml': { schema: SvgText } } },
        ...problemResponses(400, 401, 403, 404),
      },
    },
  }, async (req, reply) => {
    const { code } = req.params
    const definition = await getIndexDefinition(db, code) // IndexNotFound
    const { from, to } = chartRange(req.query, (await findLatestFixing(db, code))?.date)
    const points = await historyPoints(db, code, from, to, req.query.as_of ?? null, CHART_MAX_DAYS)
    // Without `from`, the x axis starts at the first fixing in the default range, not at an empty year.
    const svg = renderChart(points, { width: req.query.width, height: req.query.height, title: `${code}: ${definition.name}`, unit: definition.unit, from: req.query.from, to })
    return reply.type(SVG_TYPE).send('<?xml version="1.0" encoding="UTF-8"?>\n' + svg as never)
  })
}

const rangeError = (reason: string) => withErrors(new BadRequest(`querystring/from: ${reason}`), [{ path: 'querystring/from', reason }])

/** The days drawn: `to` defaults to the latest fixed day (no later than as_of's day), `from` to a year before. */
function chartRange (q: z.output<typeof ChartQuery>, latestDay: string | undefined): { from: string, to: string } {
  const asOfDay = q.as_of ? new Date(q.as_of.replace(' ', 'T')).toISOString().slice(0, 10) : undefined
  const to = q.to ?? [latestDay, asOfDay].filter((d): d is string => d !== undefined).sort()[0] ?? new Date().toISOString().slice(0, 10)
  const from = q.from ?? addDays(to, -(DEFAULT_DAYS - 1))
  if (from > to) throw rangeError('must be on or before to')
  if (dayNumber(to) - dayNumber(from) + 1 > CHART_MAX_DAYS) throw rangeError(`the chart spans at most ${CHART_MAX_DAYS} days`)
  return { from, to }
}
