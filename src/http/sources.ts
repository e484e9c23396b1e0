import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { envReference } from '../config.ts'
import { ListOf, problemResponses } from '../domain/contracts.ts'
import { NotFound } from '../domain/errors.ts'
import { deleteSource, getRun, getSource, listRuns, listSources, RunPosition, RunQuery, Source, SourceBody, SourceName, SourceRun, upsertSource } from '../domain/sources.ts'
import { readPayload } from '../importers/provenance.ts'
import { collectNow } from '../scheduler/collector.ts'
import { cursorCodec } from './cursor.ts'

// Sources (admin writes, open reads), their runs, and the kept payloads (docs/importers.md).
const tags = ['sources']
const admin = { access: 'admin' as const }
const Params = z.object({ name: SourceName })

const routes: FastifyPluginAsyncZod = async (app) => {
  const cursors = cursorCodec(app.db, 'source-runs')

  app.get('/v1/sources', {
    schema: { operationId: 'listSources', summary: 'Every configured source with its health: last success, last failure, staleness, counts', tags, response: { 200: ListOf(Source, 'SourceList'), ...problemResponses(401) } },
  }, async () => ({ data: await listSources(app.db), next_cursor: null }))

  app.get('/v1/sources/:name', {
    schema: { operationId: 'getSource', summary: 'One source and its health', tags, params: Params, response: { 200: Source, ...problemResponses(400, 401, 404) } },
  }, (req) => getSource(app.db, req.params.name))

  app.put('/v1/sources/:name', {
    config: admin,
    schema: { operationId: 'putSource', summary: 'Create or replace a source (headers only as environment-variable names)', tags, params: Params, body: SourceBody, response: { 200: Source, 201: Source, ...problemResponses(400, 401, 403, 415) } },
  }, async (req, reply) => {
    const { created, source } = await upsertSource(app.db, req.params.name, req.body)
    return reply.code(created ? 201 : 200).send(source)
  })

  app.delete('/v1/sources/:name', {
    config: admin,
    schema: { operationId: 'deleteSource', summary: 'Remove a source; its runs, payloads and quotes are kept', tags, params: Params, response: { 204: z.null(), ...problemResponses(400, 401, 403, 404) } },
  }, async (req, reply) => { await deleteSource(app.db, req.params.name); return reply.code(204).send(null) })

  app.post('/v1/sources/:name/collect', {
    config: admin,
    schema: { operationId: 'collectSource', summary: 'Run a source now (enabled or not); the answer is the run, failed or not', tags, params: Params, response: { 200: SourceRun, ...problemResponses(400, 401, 403, 404) } },
  }, async (req) => {
    const [result] = await collectNow(app.database, [req.params.name], { env: envReference })
    if (!result) throw new NotFound(`No source ${req.params.name}`)
    return getRun(app.db, String(result.run_id))
  })

  app.get('/v1/sources/:name/runs', {
    schema: { operationId: 'listSourceRuns', summary: 'A source\'s runs, newest first (also `cpx import` runs, under the importer\'s name)', tags, params: Params, querystring: RunQuery, response: { 200: ListOf(SourceRun, 'SourceRunList'), ...problemResponses(400, 401, 404) } },
  }, async (req) => {
    const after = req.query.cursor ? (await cursors.decode(req.query.cursor, RunPosition)).id : undefined
    const page = await listRuns(app.db, req.params.name, req.query.limit, after)
    return { data: page.data, next_cursor: page.next && await cursors.encode(page.next) }
  })

  app.get('/v1/runs/:id', {
    schema: { operationId: 'getRun', summary: 'One source run: what was fetched, its SHA-256, what it stored, or why it failed', tags, params: z.object({ id: z.string().regex(/^\d{1,18}$/, 'must be a run id') }), response: { 200: SourceRun, ...problemResponses(400, 401, 404) } },
  }, (req) => getRun(app.db, req.params.id))

  app.get('/v1/payloads/:sha256', {
    schema: {
      operationId: 'getPayload',
      summary: 'The exact bytes a run fetched or imported, by SHA-256',
      tags,
      params: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in lower-case hex') }),
      response: { 200: { description: 'the payload, byte for byte', content: { 'application/octet-stream': { schema: z.string().meta({ example: '{"data":[{"id":"openai/gpt-5.5","pricing":{"prompt":"0.000005","completion":"0.00003"}}]}' }) } } }, ...problemResponses(400, 401, 404) },
    },
  }, async (req, reply) => {
    const bytes = await readPayload(app.db, req.params.sha256)
    if (!bytes) throw new NotFound(`No payload ${req.params.sha256}`)
    return reply.type('application/octet-stream').header('repr-digest', `sha-256=:${Buffer.from(req.params.sha256, 'hex').toString('base64')}:`).send(bytes as unknown as string) // bytes, not JSON: the serializer passes a Buffer through
  })
}

export default routes
