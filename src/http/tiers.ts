import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { sql } from 'kysely'
import { z } from 'zod'
import type { Config } from '../config.ts'
import { ProductCode } from '../domain/catalog.ts'
import { DayText, problemResponses, TimestampText } from '../domain/contracts.ts'
import { BadRequest, Conflict } from '../domain/errors.ts'
import { cacheControl, conditionalGet } from './http-cache.ts'
import { DateParam } from './read-params.ts'

// The dated tier table (docs/methodology.md, "Dated tiers"): from which day a model is counted under
// another tier than its size class at release, and why. Methodology, so public like the definitions.

export const DatedTier = z.object({
  product: z.string(),
  effective_from: DayText.meta({ description: 'first day the tier applies (fixing dates on or after it)' }),
  tier: z.enum(['frontier', 'mid', 'small', 'retired']).meta({ description: 'retired: counted under no tier' }),
  engines: z.enum(['v2', 'v1 and v2']).meta({ description: 'v2: methodology v2 only, so every v1 fixing stays reproducible; v1 and v2: a correction for both' }),
  reason: z.string(),
  changed_by: z.string(),
  changed_at: TimestampText,
}).meta({
  id: 'DatedTier',
  examples: [{ product: 'openai/gpt-4o', effective_from: '2025-04-14', tier: 'mid', engines: 'v2', reason: 'second newer OpenAI flagship generation: GPT-4.1 (2025-04-14) after o1; stays on sale at $2.50/$10, the mid price band', changed_by: 'migration 0069', changed_at: '2026-12-07T10:00:00.000Z' }],
})

export const DatedTierList = z.object({
  data: z.array(DatedTier),
  next_cursor: z.string().nullable().meta({ description: 'always null: the table fits one page' }),
}).meta({ id: 'DatedTierList' })

export const DatedTierBody = z.object({
  tier: DatedTier.shape.tier,
  // optional, not a zod default: a default would make the request schema a second (*Input) schema
  engines: DatedTier.shape.engines.optional().meta({ description: 'v2 (when absent): methodology v2 only; v1 and v2: a correction that revises v1 fixings too' }),
  reason: z.string().trim().min(1).max(500).meta({ description: 'why: the rule applied and its evidence', example: 'second newer OpenAI flagship generation: GPT-5 after GPT-4.1' }),
  changed_by: z.string().trim().min(1).max(200).meta({ example: 'ops@example.com' }),
}).strict().meta({ id: 'DatedTierBody' })

const SELECT = sql`select t.product, t.effective_from::text as effective_from, t.tier, case when t.v2_only then 'v2' else 'v1 and v2' end as engines,
  t.reason, t.changed_by, t.changed_at from model_tiers t`

/** GET /v1/tiers: the dated tier table, by product then day; PUT /v1/tiers/{product}/{effective_from} adds a row. */
export default async function tierRoutes (fastify: FastifyInstance, { config }: { config: Config }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const db = fastify.readDb
  app.addHook('onSend', conditionalGet(cacheControl(config.READ_API_KEY_REQUIRED)))

  app.get('/v1/tiers', {
    schema: {
      operationId: 'listDatedTiers',
      summary: 'The dated tier table: from which day a model counts under another tier than its size class, and why',
      description: 'A product without a row has its catalog tier (GET /v1/products/{code}) on every day. With `on`, only the rows in force that day (the newest per product on or before it).',
      tags: ['catalog'],
      querystring: z.object({
        product: ProductCode.optional().meta({ description: 'one model product', example: 'openai/gpt-4o' }),
        on: DateParam.optional().meta({ description: 'only the row in force on this day, per product', example: '2025-06-01' }),
      }),
      response: { 200: DatedTierList, ...problemResponses(400, 401) },
    },
  }, async (req) => {
    const product = req.query.product ?? null
    const on = req.query.on ?? null
    const { rows } = await sql<z.output<typeof DatedTier>>`
      ${SELECT}
      where (${product}::text is null or t.product = ${product})
        and (${on}::date is null or t.effective_from = (select max(u.effective_from) from model_tiers u where u.product = t.product and u.effective_from <= ${on}::date))
      order by t.product, t.effective_from`.execute(db)
    return { data: rows, next_cursor: null }
  })

  // A dated decision is never edited: a later row supersedes it. Stored as is; fixings change only when the
  // days it covers are recomputed (then a revision in the restatement register, reason correction).
  app.put('/v1/tiers/:product/:effective_from', {
    config: { access: 'admin' as const },
    schema: {
      operationId: 'putDatedTier',
      summary: 'Add a row to the dated tier table: from a day on, a model counts under another tier (never edited; a later row supersedes it)',
      description: 'A row dated on or before a published day revises that day at its next recompute (the register lists it). URL-encode the product\'s slash as %2F.',
      tags: ['catalog'],
      params: z.object({ product: ProductCode.meta({ example: 'openai/gpt-4o' }), effective_from: DateParam }),
      body: DatedTierBody,
      response: { 201: DatedTier, ...problemResponses(400, 401, 403, 409, 415) },
    },
  }, (req, reply) => putTier(req.params.product, req.params.effective_from, req.body, reply))

  // The same with the product's slash unencoded (/v1/tiers/openai/gpt-4o/2026-01-01), as generators that
  // do not encode path parameters send it (docs/api.md); not in the document.
  app.put('/v1/tiers/:org/:model/:effective_from', {
    config: { access: 'admin' as const },
    schema: { hide: true, params: z.object({ org: z.string(), model: z.string(), effective_from: DateParam }), body: DatedTierBody },
  }, (req, reply) => {
    const code = ProductCode.safeParse(`${req.params.org}/${req.params.model}`)
    if (!code.success) throw new BadRequest(`params/product: ${code.error.issues[0]!.message}`)
    return putTier(code.data, req.params.effective_from, req.body, reply)
  })

  async function putTier (product: string, from: string, b: z.output<typeof DatedTierBody>, reply: FastifyReply) {
    const { rows } = await sql<{ product: string }>`
      insert into model_tiers (product, effective_from, tier, reason, changed_by, v2_only)
      values (${product}, ${from}::date, ${b.tier}, ${b.reason}, ${b.changed_by}, ${b.engines !== 'v1 and v2'})
      on conflict (product, effective_from) do nothing returning product`.execute(fastify.db)
    if (!rows.length) throw new Conflict(`${product} already has a tier row from ${from}: a dated decision is never edited; add a row from a later day`)
    const { rows: [row] } = await sql<z.output<typeof DatedTier>>`${SELECT} where t.product = ${product} and t.effective_from = ${from}::date`.execute(fastify.db)
    return reply.code(201).send(row!)
  }
}
