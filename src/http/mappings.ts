import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ListOf, problemResponses } from '../domain/contracts.ts'
import { ChangePosition, ChangeQuery, deleteMapping, DeleteMappingQuery, getMapping, listMappingChanges, listMappings, Mapping, MappingBody, MappingChange, MappingKindParam, MappingListQuery, putMapping } from '../domain/mappings.ts'
import { cursorCodec } from './cursor.ts'

// Mappings as data (docs/importers.md): admin reads and writes of the rules importers map names with.
const tags = ['mappings']
const admin = { access: 'admin' as const }
const Params = z.object({ kind: MappingKindParam, key: z.string().min(1).max(200).meta({ example: 'openai.gpt-5.frontier' }) })

const routes: FastifyPluginAsyncZod = async (app) => {
  const cursors = cursorCodec(app.db, 'mapping-changes')

  app.get('/v1/mappings', {
    config: admin,
    schema: { operationId: 'listMappings', summary: 'Every mapping rule (optionally of one kind), in the order importers try them', tags, querystring: MappingListQuery, response: { 200: ListOf(Mapping, 'MappingList'), ...problemResponses(400, 401, 403) } },
  }, async (req) => ({ data: await listMappings(app.db, req.query.kind), next_cursor: null }))

  app.get('/v1/mappings/changes', {
    config: admin,
    schema: { operationId: 'listMappingChanges', summary: 'Every change to the mappings, newest first: who, when, why, old and new value', tags, querystring: ChangeQuery, response: { 200: ListOf(MappingChange, 'MappingChangeList'), ...problemResponses(400, 401, 403) } },
  }, async (req) => {
    const after = req.query.cursor ? (await cursors.decode(req.query.cursor, ChangePosition)).id : undefined
    const page = await listMappingChanges(app.db, req.query, after)
    return { data: page.data, next_cursor: page.next && await cursors.encode(page.next) }
  })

  app.get('/v1/mappings/:kind/:key', {
    config: admin,
    schema: { operationId: 'getMapping', summary: 'One mapping rule', tags, params: Params, response: { 200: Mapping, ...problemResponses(400, 401, 403, 404) } },
  }, (req) => getMapping(app.db, req.params.kind, req.params.key))

  app.put('/v1/mappings/:kind/:key', {
    config: admin,
    schema: { operationId: 'putMapping', summary: 'Create or replace a mapping rule; the change is logged with who and why, and counts from the next import', tags, params: Params, body: MappingBody, response: { 200: Mapping, 201: Mapping, ...problemResponses(400, 401, 403, 415, 422) } },
  }, async (req, reply) => {
    const { created, mapping } = await putMapping(app.db, req.params.kind, req.params.key, req.body)
    return reply.code(created ? 201 : 200).send(mapping)
  })

  app.delete('/v1/mappings/:kind/:key', {
    config: admin,
    schema: {
      operationId: 'deleteMapping',
      summary: 'Remove a mapping rule; the change log keeps its last value with who and why, and it stops counting from the next import',
      description: 'Who and why are query parameters (a DELETE carries no body). A provider or GPU product that another mapping still names is 409. Quotes already stored keep their product and provider.',
      tags,
      params: Params,
      querystring: DeleteMappingQuery,
      response: { 200: MappingChange, ...problemResponses(400, 401, 403, 404, 409) },
    },
  }, (req) => deleteMapping(app.db, req.params.kind, req.params.key, req.query))
}

export default routes
