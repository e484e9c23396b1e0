import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { problemResponses } from '../domain/contracts.ts'
import { ComputeBody, ComputeReport, computeFixings, FIXINGS_CHANNEL } from '../domain/fixings.ts'
import { IndexCode, IndexDefinition, IndexDefinitionBody, upsertIndexDefinition } from '../domain/indices.ts'

// Admin writes on indices: definitions and fixing runs. Reads are the read API's (indices-read.ts).
const admin = { access: 'admin' as const }
const tags = ['indices']
const COMPUTE_SOCKET_TIMEOUT_MS = 30 * 60_000

const routes: FastifyPluginAsyncZod = async (app) => {
  app.put('/v1/indices/:code', {
    config: admin,
    schema: {
      operationId: 'putIndex',
      summary: 'Create or change an index definition; a methodology change makes a new methodology_version',
      tags,
      params: z.object({ code: IndexCode }),
      body: IndexDefinitionBody,
      response: { 200: IndexDefinition, 201: IndexDefinition, ...problemResponses(400, 401, 403, 413, 415, 422) },
    },
  }, async (req, reply) => {
    const { created, version_changed: _changed, ...definition } = await upsertIndexDefinition(app.db, req.params.code, req.body)
    // The trigger in sql/functions/cpx_notify_index_definition.sql tells every instance; this one drops its cached answers before it replies.
    app.database.announce(FIXINGS_CHANNEL, JSON.stringify({ code: definition.code }))
    return reply.code(created ? 201 : 200).send(definition)
  })

  app.post('/v1/indices/compute', {
    config: admin,
    schema: {
      operationId: 'computeFixings',
      summary: 'Compute or recompute fixings for a range of days; reports per index what was published or revised',
      tags,
      body: ComputeBody,
      response: { 200: ComputeReport, ...problemResponses(400, 401, 403, 404, 413, 415, 500, 503) },
    },
  }, (req) => {
    // A long range computes for minutes without a byte on the wire: lift the idle-socket timeout
    // (connectionTimeout) for this admin request only, so the answer is not cut off.
    // (app.inject's stand-in socket has no setTimeout.)
    if (typeof req.socket?.setTimeout === 'function') req.socket.setTimeout(COMPUTE_SOCKET_TIMEOUT_MS)
    return computeFixings(app.database, req.body)
  })
}

export default routes
