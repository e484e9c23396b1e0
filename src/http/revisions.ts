import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Config } from '../config.ts'
import { problemResponses, UtcInstant } from '../domain/contracts.ts'
import { assertIndexExists, findRestatements } from '../domain/fixing-queries.ts'
import { RestatementPage } from '../domain/fixing-reads.ts'
import { cursorCodec } from './cursor.ts'
import { cacheControl, conditionalGet } from './http-cache.ts'
import { Cursor, IndexCodeParam } from './read-params.ts'

const RegisterCursor = z.object({ s: z.string().nullable(), c: z.string().nullable(), p: z.string(), i: z.number().int() })

/** GET /v1/revisions: the restatement register, every revision after the first, in publication order. */
export default async function revisionRoutes (fastify: FastifyInstance, { config }: { config: Config }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const db = fastify.readDb
  const cursors = cursorCodec(fastify.db, 'revisions')
  app.addHook('onSend', conditionalGet(cacheControl(config.READ_API_KEY_REQUIRED)))

  app.get('/v1/revisions', {
    schema: {
      operationId: 'listRestatements',
      summary: 'The restatement register: revised fixings across indices, oldest publication first',
      tags: ['indices'],
      querystring: z.object({
        since: UtcInstant.optional().meta({ description: 'only revisions published at or after this time', example: '2026-11-01T00:00:00Z' }),
        code: IndexCodeParam.optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100).meta({ description: 'rows per page (1–1000)', example: 100 }),
        cursor: Cursor,
      }),
      response: { 200: RestatementPage, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (req) => {
    const q = req.query
    let state = { s: q.since ?? null, c: q.code ?? null }
    let after: { published_at: string, id: number } | undefined
    if (q.cursor) {
      const c = await cursors.decode(q.cursor, RegisterCursor)
      state = { s: c.s, c: c.c }
      after = { published_at: c.p, id: c.i }
    }
    if (state.c) await assertIndexExists(db, state.c)
    const { rows, more } = await findRestatements(db, { since: state.s ?? undefined, code: state.c ?? undefined, after, limit: q.limit })
    const last = rows.at(-1)
    return { data: rows, next_cursor: more && last ? await cursors.encode({ ...state, p: last.published_at, i: last.id }) : null }
  })
}
