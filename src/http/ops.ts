import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { sql } from 'kysely'
import { z } from 'zod'
import { listMigrations, listSqlFiles, pendingMigrations } from '../db/migrate.ts'

const Health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' })
const Ready = z.object({
  status: z.enum(['ready', 'not_ready']),
  database: z.enum(['up', 'down']),
  pending_migrations: z.array(z.string()),
}).meta({ id: 'Readiness' })

export default async function opsRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const migrations = listMigrations()
  const files = listSqlFiles()

  app.get('/healthz', {
    config: { access: 'public' },
    schema: { operationId: 'getHealth', summary: 'Liveness: the process is up', tags: ['operations'], response: { 200: Health } },
  }, async () => ({ status: 'ok' as const }))

  app.get('/readyz', {
    config: { access: 'public' },
    schema: {
      operationId: 'getReadiness',
      summary: 'Readiness: the database answers and its migrations are current',
      tags: ['operations'],
      response: { 200: Ready, 503: Ready },
    },
  }, async (_req, reply) => {
    try {
      // Bounded: a database that does not answer must not hang the probe.
      const pending = await withTimeout(async () => {
        await sql`select 1`.execute(app.db)
        return pendingMigrations(app.database, migrations, files)
      }, 2000)
      const ready = pending.length === 0
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', database: 'up', pending_migrations: pending })
    } catch {
      return reply.code(503).send({ status: 'not_ready', database: 'down', pending_migrations: [] })
    }
  })

  app.get('/openapi.json', {
    config: { access: 'public' },
    schema: { hide: true },
  }, async () => app.swagger())
}

async function withTimeout<T> (fn: () => Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      fn(),
      new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error('timeout')), ms) }),
    ])
  } finally {
    clearTimeout(timer)
  }
}
