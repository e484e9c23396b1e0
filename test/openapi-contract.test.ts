import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { compileErrors, validate } from '@readme/openapi-parser'
import { renderClientTypes } from '../scripts/client-types.ts'
import { renderOpenApi } from '../src/openapi.ts'
import { testDatabase } from './helpers/db.ts'

// The contract as generated from the routes: a valid OpenAPI 3.1 document (checked by a standard
// validator), every operation described, and the committed typed client in step with it.

type Op = { operationId?: string, summary?: string, tags?: string[], parameters?: { name: string, in: string, schema?: Record<string, unknown> }[], responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }
const METHODS = ['get', 'put', 'post', 'patch', 'delete']

test('openapi: valid 3.1, every operation with operationId, summary, tags and success + error responses', async (t) => {
  const doc = JSON.parse(await renderOpenApi(await testDatabase(t)))
  assert.equal(doc.openapi, '3.1.0')
  const result = await validate(structuredClone(doc))
  assert.ok(result.valid, result.valid ? '' : compileErrors(result))
  assert.deepEqual(result.warnings, [])
  const ids = new Set<string>()
  const missing: string[] = []
  const need = (ok: unknown, what: string) => { if (!ok) missing.push(what) }
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Op>>)) {
    for (const method of METHODS) {
      const op = item[method]
      if (!op) continue
      const where = `${method.toUpperCase()} ${path}`
      need(op.operationId && !ids.has(op.operationId), `${where}: a unique operationId`)
      if (op.operationId) ids.add(op.operationId)
      need(op.summary, `${where}: summary`)
      need(op.tags?.length, `${where}: tags`)
      const codes = Object.keys(op.responses ?? {})
      need(codes.some((c) => c.startsWith('2')), `${where}: a success response`)
      // Probes (healthz, readyz, metrics) answer without problem bodies; everything else documents its errors.
      if (!op.tags?.includes('operations')) need(codes.some((c) => c.startsWith('4')), `${where}: an error response`)
      for (const p of path.match(/\{\w+\}/g) ?? []) need(op.parameters?.some((x) => x.in === 'path' && `{${x.name}}` === p), `${where}: path parameter ${p}`)
    }
  }
  assert.deepEqual(missing, [])
})

test('openapi: the read operations, their parameters, CSV and problem responses, with examples', async (t) => {
  const doc = JSON.parse(await renderOpenApi(await testDatabase(t)))
  const op = (path: string) => doc.paths[path].get as Op
  const expected: Record<string, string> = {
    '/v1/indices': 'listIndices',
    '/v1/indices/{code}': 'getIndex',
    '/v1/indices/{code}/latest': 'getLatestFixing',
    '/v1/indices/{code}/values': 'listFixings',
    '/v1/indices/{code}/values/{date}': 'getFixing',
    '/v1/indices/{code}/values/{date}/revisions': 'listFixingRevisions',
    '/v1/indices/{code}/averages': 'listAverages',
    '/v1/revisions': 'listRestatements',
  }
  for (const [path, id] of Object.entries(expected)) {
    const o = op(path)
    assert.equal(o.operationId, id)
    assert.ok(Object.keys(o.responses!).some((c) => c.startsWith('4')), `${path}: error responses`)
    for (const [code, r] of Object.entries(o.responses!)) {
      if (code.startsWith('4')) assert.ok(r.content?.['application/problem+json'] ?? r.content?.['application/json'], `${path} ${code}: problem schema`)
    }
  }
  const values = op('/v1/indices/{code}/values')
  assert.deepEqual(values.parameters!.filter((p) => p.in === 'query').map((p) => p.name).sort(), ['as_of', 'cursor', 'format', 'from', 'limit', 'to'])
  assert.ok(values.responses!['200']!.content!['text/csv'], 'history offers text/csv')
  assert.ok(op('/v1/indices/{code}/averages').responses!['200']!.content!['text/csv'], 'averages offer text/csv')
  assert.ok(values.parameters!.find((p) => p.name === 'from')!.schema!.example, 'parameters carry examples')
  const fixing = doc.components.schemas.Fixing
  assert.equal(fixing.examples[0].unit, 'USD/GPU-hour')
  for (const f of ['code', 'date', 'value', 'level', 'unit', 'status', 'window_days', 'n_providers', 'n_contributors', 'n_quotes', 'n_excluded', 'min', 'p25', 'p75',
    'max', 'hhi', 'max_provider_impact', 'revision', 'published_at', 'methodology_version', 'hash']) assert.ok(fixing.properties[f], `Fixing.${f}`)
  assert.deepEqual(fixing.properties.value.type, ['number', 'null'])
  assert.ok(doc.components.schemas.Average.examples.length)
})

test('openapi/client.d.ts is what openapi-typescript generates from openapi/openapi.json (run `npm run client`)', async () => {
  const generated = await renderClientTypes(readFileSync('openapi/openapi.json', 'utf8'))
  assert.equal(readFileSync('openapi/client.d.ts', 'utf8'), generated)
})
