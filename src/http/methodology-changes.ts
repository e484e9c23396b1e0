import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { sql } from 'kysely'
import { z } from 'zod'
import type { Config } from '../config.ts'
import { DayText, problemResponses, TimestampText, UtcInstant } from '../domain/contracts.ts'
import { assertIndexExists } from '../domain/fixing-queries.ts'
import { cacheControl, conditionalGet } from './http-cache.ts'
import { IndexCodeParam } from './read-params.ts'

// The register of methodology changes (docs/methodology.md, "The token indices move to v2"): every
// definition version after an index's first, with the day it is in force from. The restatement register
// (/v1/revisions) lists revised fixings; a change that takes effect on days not yet published restates
// nothing, so it is announced here — before its first day, which is what a user settling on the index needs.

export const MethodologyChange = z.object({
  code: z.string(),
  methodology_version: z.number().int().meta({ description: 'the definition version this change made (fixings carry it)' }),
  previous_version: z.number().int().meta({ description: 'the definition version before it' }),
  methodology: z.number().int().meta({ description: 'the methodology (1 or 2) of the new version' }),
  previous_methodology: z.number().int(),
  effective_from: DayText.nullable().meta({ description: 'first day in force; null: in force on every day, as from its creation (recomputed days are restated with reason definition_change)' }),
  changed: z.array(z.string()).meta({ description: 'what differs from the previous version: filter, segments, term_months, and methodology.<key> per methodology key' }),
  created_at: TimestampText.meta({ description: 'when the version was stored (announced)' }),
}).meta({
  id: 'MethodologyChange',
  examples: [{
    code: 'TOK-FRONTIER-BLEND',
    methodology_version: 2,
    previous_version: 1,
    methodology: 2,
    previous_methodology: 1,
    effective_from: '2027-01-01',
    changed: ['methodology.aggregate', 'methodology.max_posted_age_days', 'methodology.min_models', 'methodology.statistic', 'methodology.version'],
    created_at: '2026-12-03T10:00:00Z',
  }],
})

export const MethodologyChangeList = z.object({
  data: z.array(MethodologyChange),
  next_cursor: z.string().nullable().meta({ description: 'always null: the register fits one page' }),
}).meta({ id: 'MethodologyChangeList' })

/** GET /v1/methodology-changes: definition changes across indices, oldest first. */
export default async function methodologyChangeRoutes (fastify: FastifyInstance, { config }: { config: Config }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const db = fastify.readDb
  app.addHook('onSend', conditionalGet(cacheControl(config.READ_API_KEY_REQUIRED)))

  app.get('/v1/methodology-changes', {
    schema: {
      operationId: 'listMethodologyChanges',
      summary: 'The register of methodology changes: every new definition version, with the day it is in force from',
      description: 'Oldest first. A change in force from a future day (effective_from) is listed as soon as it is stored, so the move of an index to a new methodology is announced before its first fixing under it.',
      tags: ['indices'],
      querystring: z.object({
        code: IndexCodeParam.optional(),
        since: UtcInstant.optional().meta({ description: 'only versions stored at or after this time', example: '2026-11-01T00:00:00Z' }),
      }),
      response: { 200: MethodologyChangeList, ...problemResponses(400, 401, 404) },
    },
  }, async (req) => {
    const { code, since } = req.query
    if (code) await assertIndexExists(db, code)
    const { rows } = await sql<z.output<typeof MethodologyChange>>`
      select v.code, v.methodology_version, p.methodology_version as previous_version,
        coalesce((v.methodology->>'version')::int, 1) as methodology, coalesce((p.methodology->>'version')::int, 1) as previous_methodology,
        v.effective_from::text as effective_from,
        array(
          select k from (values ('filter', v.filter is distinct from p.filter), ('segments', v.segments is distinct from p.segments),
            ('term_months', v.term_months is distinct from p.term_months)) c (k, differs) where differs
          union all
          select 'methodology.' || k from (select jsonb_object_keys(v.methodology) union select jsonb_object_keys(p.methodology)) m (k)
            where v.methodology->k is distinct from p.methodology->k
          order by 1) as changed,
        v.created_at
      from index_definition_versions v
      join lateral (select * from index_definition_versions p where p.code = v.code and p.methodology_version < v.methodology_version
        order by p.methodology_version desc limit 1) p on true
      where (${code ?? null}::text is null or v.code = ${code ?? null})
        and (${since ?? null}::timestamptz is null or v.created_at >= ${since ?? null}::timestamptz)
      order by v.created_at, v.code, v.methodology_version`.execute(db)
    return { data: rows, next_cursor: null }
  })
}
