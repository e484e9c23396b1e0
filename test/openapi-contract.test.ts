import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { test } from 'node:test'
import { compileErrors, validate } from '@readme/openapi-parser'
import { renderClientTypes } from '../scripts/client-types.ts'
import { renderOpenApi } from '../src/openapi.ts'
import { createApiKey, SCOPES, type Scope } from '../src/domain/api-keys.ts'
import { EXAMPLES_FILE } from '../src/http/openapi-contract.ts'
import type { InjectOptions } from 'fastify'
import type { App } from '../src/app.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { contractValidator } from './helpers/openapi-validator.ts'
import { demoDatabase } from './helpers/web-fixture.ts'
import { testDatabase } from './helpers/db.ts'
import { serveFixture } from './helpers/http.ts'

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
  // one media type per operation: the JSON history and averages are JSON only, their CSV operations text/csv only
  for (const [json, csv] of [['/v1/indices/{code}/values', '/v1/indices/{code}/values.csv'], ['/v1/indices/{code}/averages', '/v1/indices/{code}/averages.csv']] as const) {
    assert.deepEqual(Object.keys(op(json).responses!['200']!.content!), ['application/json'], `${json}: JSON only`)
    assert.deepEqual(Object.keys(op(csv).responses!['200']!.content!), ['text/csv'], `${csv}: CSV only`)
    assert.ok(op(json).responses!['301'], `${json}: an old CSV link answers 301`)
  }
  assert.deepEqual(op('/v1/indices/{code}/values.csv').parameters!.filter((p) => p.in === 'query').map((p) => p.name).sort(), ['as_of', 'cursor', 'from', 'limit', 'to'])
  assert.ok(values.parameters!.find((p) => p.name === 'from')!.schema!.example, 'parameters carry examples')
  const fixing = doc.components.schemas.Fixing
  assert.equal(fixing.examples[0].unit, 'USD/GPU-hour')
  for (const f of ['code', 'date', 'value', 'level', 'unit', 'status', 'window_days', 'n_providers', 'n_contributors', 'n_quotes', 'n_excluded', 'min', 'p25', 'p75',
    'max', 'hhi', 'max_provider_impact', 'revision', 'published_at', 'methodology_version', 'hash']) assert.ok(fixing.properties[f], `Fixing.${f}`)
  assert.deepEqual(fixing.properties.value.anyOf, [{ type: 'number' }, { type: 'null' }]) // not a type list: contract-friction.test.ts
  assert.ok(doc.components.schemas.Average.examples.length)
})

test('packages/client/src/openapi.d.ts is what openapi-typescript generates from openapi/openapi.json (run `npm run client`)', async () => {
  const generated = await renderClientTypes(readFileSync('openapi/openapi.json', 'utf8'))
  assert.equal(readFileSync('packages/client/src/openapi.d.ts', 'utf8'), generated, 'the one generated client, the SDK\'s types')
  assert.ok(!existsSync('openapi/client.d.ts'), 'no second copy of the generated client')
})

// ---- The document against the running app: security, and every answer validated -----------------------

type Doc = { paths: Record<string, Record<string, Op & { security?: Record<string, string[]>[], 'x-required-scope'?: string, requestBody?: unknown }>> }
const SAMPLE: Record<string, string> = { slug: 'lambda', code: 'H100-SXM-OD', date: '2026-10-20', gpu: 'H100-SXM', kind: 'gpu_product', key: 'h100-sxm', product: 'openai/gpt-4o', effective_from: '2026-10-20' }
const OPENROUTER_SAMPLE = '../shared/data/openrouter/openrouter_api_v1_models_2026-08-18_ef05c3be.json'
const concrete = (path: string, sample = SAMPLE) => path.replace(/\{(\w+)\}/g, (_m, name: string) =>
  encodeURIComponent(name === 'code' && sample.code === SAMPLE.code && path.startsWith('/v1/products')
    ? 'h100-sxm'
    : name === 'code' && sample.code === SAMPLE.code && path.startsWith('/v1/baskets') ? BASKET : sample[name] ?? 'x'))
/** The basket the read operations of /v1/baskets answer about (made before the requests). */
const BASKET = 'CONTRACT-BASKET'
const operations = (doc: Doc) => Object.entries(doc.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => ({ path, method: m.toUpperCase() as 'GET', op: item[m]! })))
const LOWER: Record<string, Scope | undefined> = { read: undefined, ingest: 'read', admin: 'ingest' }

for (const required of [false, true]) {
  test(`openapi security (READ_API_KEY_REQUIRED=${required}): each operation's security and x-required-scope hold against the app`, async (t) => {
    const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '1000000', READ_API_KEY_REQUIRED: String(required) } })
    const doc = (await app.inject('/openapi.json')).json() as Doc
    const keys = {} as Record<Scope, string>
    for (const s of SCOPES) keys[s] = (await createApiKey(app.db, `contract-${s}`, s)).key
    const seen = { required: 0, optional: 0, public: 0, forbidden: 0 }
    for (const { path, method, op } of operations(doc)) {
      const where = `${method} ${path}`
      const send = (key?: string) => app.inject({ method, url: concrete(path), headers: key ? { authorization: `Bearer ${key}` } : {}, ...(method === 'GET' ? {} : { payload: {} }) })
      const security = op.security
      assert.ok(Array.isArray(security), `${where}: declares security`)
      const scope = op['x-required-scope'] as Scope | undefined
      if (security.length === 0) {
        assert.equal(scope, undefined, where)
        seen.public++
        assert.ok(![401, 403].includes((await send()).statusCode), `${where}: public`)
        continue
      }
      assert.ok(scope && SCOPES.includes(scope), `${where}: x-required-scope`)
      assert.ok(security.some((s) => 'bearer' in s) && security.some((s) => 'api_key' in s), `${where}: bearer and api_key schemes`)
      const optional = security.some((s) => Object.keys(s).length === 0)
      assert.equal(optional, scope === 'read' && !required, `${where}: a key is optional exactly for reads when READ_API_KEY_REQUIRED=false`)
      const anonymous = await send()
      if (optional) {
        seen.optional++
        assert.ok(![401, 403].includes(anonymous.statusCode), `${where} without a key: ${anonymous.statusCode}`)
      } else {
        seen.required++
        assert.equal(anonymous.statusCode, 401, `${where} without a key`)
      }
      const lower = LOWER[scope]
      if (lower) {
        seen.forbidden++
        const res = await send(keys[lower])
        assert.equal(res.statusCode, 403, `${where} with a ${lower} key: ${res.body}`)
      }
      const right = await send(keys[scope])
      assert.ok(![401, 403].includes(right.statusCode), `${where} with a ${scope} key: ${right.statusCode} ${right.body}`)
      // the query-string form of the key (spreadsheets) is the api_key scheme the document names
      const inQuery = await app.inject({ method, url: concrete(path) + `?api_key=${keys[scope]}`, ...(method === 'GET' ? {} : { payload: {} }) })
      assert.ok(![401, 403].includes(inQuery.statusCode), `${where} with ?api_key=: ${inQuery.statusCode}`)
    }
    assert.ok(seen.required > 0 && seen.public > 0 && seen.forbidden > 0, JSON.stringify(seen))
    assert.equal(seen.optional > 0, !required, JSON.stringify(seen))
    t.diagnostic(JSON.stringify(seen))
  })
}

/** Valid bodies for each write, on the demo catalog (test/helpers/web-fixture.ts). */
function validBody (op: string, index: Record<string, unknown>): object {
  switch (op) {
    case 'putProvider': return { name: 'Lambda', kind: 'neocloud', website: 'https://lambda.ai' }
    case 'putProduct': return { kind: 'gpu', name: 'H100 SXM 80GB', family: 'h100', variant: 'sxm' }
    case 'putFxRates': return { rates: [{ date: '2026-10-20', currency: 'EUR', usd_per_unit: '1.0850', source: 'ECB' }] }
    case 'postQuotes': return { quotes: [{ provider: 'lambda', product: 'h100-sxm', segment: 'on_demand', price: '2.49', currency: 'USD', unit: 'gpu_hour', observed_at: '2026-10-20T12:00:00Z' }] }
    case 'putIndex': return Object.fromEntries(['name', 'description', 'kind', 'filter', 'segments', 'term_months', 'methodology'].map((k) => [k, index[k]]))
    case 'computeFixings': return { from: '2026-10-20', to: '2026-10-20', indices: ['H100-SXM-OD'] }
    case 'putSource': return { importer: 'openrouter', url: String(index.feed_url), enabled: false, retries: 0, timeout_ms: 10_000 }
    case 'collectSource': case 'deleteSource': case 'deleteMapping': return {}
    case 'putMapping': return { value: { name: 'H100 SXM 80GB', family: 'h100', variant: 'sxm' }, changed_by: 'ops@example.com', reason: 'the name as Nvidia spells it' }
    case 'putDatedTier': return { tier: 'retired', reason: 'superseded at $2.50/$10 by GPT-5', changed_by: 'ops@example.com' }
    case 'putBasket': return { name: 'GPU and tokens', mode: 'percent', effective_from: '2026-10-20', reason: 'rebalanced', components: [{ code: 'H100-SXM-OD', weight: '60' }, { code: 'TOK-FRONTIER-BLEND', weight: '40' }] }
    default: throw new Error(`no sample body for ${op}`)
  }
}

test('openapi responses: real requests to every operation, every status, header and body checked against the served document', { timeout: 10 * 60_000 }, async (t) => {
  const database = await demoDatabase(t)
  const app = await buildTestApp(t, { database, env: { RATE_LIMIT_MAX: '1000000' } })
  const doc = (await app.inject('/openapi.json')).json() as Doc
  const contract = contractValidator(doc)
  const readKey = (await createApiKey(app.db, 'contract-read', 'read')).key
  const index = (await app.inject('/v1/indices/H100-SXM-OD')).json() as Record<string, unknown>
  const failures: string[] = []
  const statuses = new Map<string, Set<number>>()
  const observed: Observed[] = []
  let requests = 0
  async function send (target: App, req: InjectOptions & { url: string, method: string }) {
    const res = await target.inject(req)
    requests++
    observed.push({ op: doc.paths[contract.templateOf(req.method, req.url) ?? '']?.[req.method.toLowerCase()]?.operationId ?? '', status: res.statusCode, type: String(res.headers['content-type'] ?? '').split(';')[0]!, body: res.body })
    failures.push(...contract.check(req.method, req.url, { statusCode: res.statusCode, headers: res.headers, body: res.body }))
    const id = doc.paths[contract.templateOf(req.method, req.url) ?? '']?.[req.method.toLowerCase()]?.operationId ?? req.url
    if (!statuses.has(id)) statuses.set(id, new Set())
    statuses.get(id)!.add(res.statusCode)
    return res
  }
  const json = { 'content-type': 'application/json' }
  // A source on a local feed (the real OpenRouter sample, ../shared/data) and one run of it, so that the
  // source, run, payload and quote routes have something to answer: SAMPLE's name, id and sha256.
  const feed = await serveFixture(t, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(readFileSync(OPENROUTER_SAMPLE)))
  index.feed_url = `${feed}/api/v1/models`
  for (const name of ['contract-feed', 'contract-doomed']) {
    const put = await app.inject({ method: 'PUT', url: `/v1/sources/${name}`, headers: { ...admin, ...json }, payload: validBody('putSource', index) })
    assert.ok(put.statusCode < 300, put.body)
  }
  const run = (await app.inject({ method: 'POST', url: '/v1/sources/contract-feed/collect', headers: admin })).json() as { id: string, status: string, sha256: string }
  assert.equal(run.status, 'ok', JSON.stringify(run))
  Object.assign(SAMPLE, { name: 'contract-feed', id: run.id, sha256: run.sha256 })
  const doomedRule = { value: { match: '^gpt-6-preview$', lab: 'openai', family: 'gpt-6', tier: 'frontier', open_weights: false }, changed_by: 'ops@example.com', reason: 'announced' }
  assert.equal((await app.inject({ method: 'PUT', url: '/v1/mappings/model_rule/contract-doomed', headers: { ...admin, ...json }, payload: doomedRule })).statusCode, 201)
  const basket = { ...validBody('putBasket', index), effective_from: '2026-10-01', reason: 'initial' }
  assert.equal((await app.inject({ method: 'PUT', url: `/v1/baskets/${BASKET}`, headers: { ...admin, ...json }, payload: basket })).statusCode, 201)
  for (const { path, method, op } of operations(doc)) {
    // the delete removes a source of its own, so the later operations still find theirs
    const url = op.operationId === 'deleteMapping'
      ? concrete(path, { ...SAMPLE, kind: 'model_rule', key: 'contract-doomed' }) + '?changed_by=ops%40example.com&reason=announced%20but%20never%20sold'
      : (method as string) === 'DELETE' ? concrete(path, { ...SAMPLE, name: 'contract-doomed' }) : concrete(path)
    const long = path.includes('{') ? path.replace(/\{(\w+)\}/, 'x'.repeat(250)).replace(/\{(\w+)\}/g, (_m, n: string) => SAMPLE[n] ?? 'x') : undefined
    if (method === 'GET') {
      // an admin read (the mappings) is also asked with the admin key, so that its 2xx is seen
      if (op['x-required-scope'] === 'admin') await send(app, { method, url, headers: admin })
      const ok = await send(app, { method, url })
      const etag = ok.headers.etag
      if (etag) await send(app, { method, url, headers: { 'if-none-match': String(etag) } })
      if (op.responses?.['200']?.content?.['text/csv']) {
        await send(app, { method, url: url + '?format=csv' })
        await send(app, { method, url, headers: { accept: 'text/csv' } })
      }
      if (op.parameters?.some((p) => p.in === 'query')) await send(app, { method, url: url + '?limit=0&from=2026-02-30&as_of=yesterday&period=fortnight&width=1' })
      if (path.includes('{code}')) await send(app, { method, url: concrete(path, { ...SAMPLE, code: 'NO-SUCH-INDEX' }) })
      if (path.includes('{slug}')) await send(app, { method, url: concrete(path, { ...SAMPLE, slug: 'no-such-provider' }) })
      if (path.includes('{date}')) {
        await send(app, { method, url: concrete(path, { ...SAMPLE, date: '2026-02-30' }) })
        await send(app, { method, url: concrete(path, { ...SAMPLE, date: '2015-01-01' }) })
      }
      if (long) await send(app, { method, url: long })
      await send(app, { method, url, headers: { authorization: 'Bearer cpx_not_a_key' } })
      await send(app, { method, url: '/v1/products/' + encodeURIComponent('openai/gpt-5.5') })
    } else {
      await send(app, { method, url, headers: json, payload: validBody(op.operationId!, index) })
      await send(app, { method, url, headers: { ...admin, ...json }, payload: validBody(op.operationId!, index) })
      await send(app, { method, url, headers: { authorization: `Bearer ${readKey}`, ...json }, payload: validBody(op.operationId!, index) })
      await send(app, { method, url, headers: { ...admin, ...json }, payload: { unexpected: [1, 2, 3] } })
      await send(app, { method, url, headers: { ...admin, ...json }, payload: '{"truncated": ' })
      await send(app, { method, url, headers: { ...admin, 'content-type': 'application/xml' }, payload: '<quotes/>' })
      await send(app, { method, url, headers: { ...admin, ...json }, payload: JSON.stringify({ pad: 'x'.repeat(app.bodyLimits.get(`${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`)! + 1) }) })
      if (long) await send(app, { method, url: long, headers: { ...admin, ...json }, payload: validBody(op.operationId!, index) })
    }
  }
  await send(app, { method: 'PUT', url: '/v1/providers/contract-new', headers: { ...admin, ...json }, payload: validBody('putProvider', index) })
  await send(app, { method: 'PUT', url: '/v1/indices/CONTRACT-NEW', headers: { ...admin, ...json }, payload: validBody('putIndex', index) })
  await send(app, { method: 'POST', url: '/v1/quotes', headers: { ...admin, ...json }, payload: { quotes: [{ provider: 'lambda', price: '-1' }] } })
  await send(app, { method: 'PUT', url: '/v1/indices/H100-SXM-OD', headers: { ...admin, ...json }, payload: { ...validBody('putIndex', index), kind: 'model' } })

  // 429 and 503 from the limits, on apps of the same database: a spent rate limit, then load shedding.
  const limited = await buildTestApp(t, { database, env: { RATE_LIMIT_MAX: '2' } })
  for (let i = 0; i < 3; i++) await send(limited, { method: 'GET', url: '/v1/indices' })
  for (let i = 0; i < 3; i++) await send(limited, { method: 'GET', url: '/v1/indices', headers: { authorization: `Bearer ${readKey}` } })
  const shedding = await buildTestApp(t, { database, env: { SHED_HEAP_USED_MB: '1' } })
  await new Promise((resolve) => setTimeout(resolve, 1300)) // limits.ts ignores the first second's samples
  await send(shedding, { method: 'GET', url: '/v1/indices/H100-SXM-OD/latest' })
  await send(shedding, { method: 'POST', url: '/v1/quotes', headers: { ...admin, ...json }, payload: validBody('postQuotes', index) })

  assert.deepEqual(failures, [])
  const all = new Set([...statuses.values()].flatMap((s) => [...s]))
  for (const code of [200, 201, 304, 400, 401, 403, 404, 413, 414, 415, 422, 429, 503]) assert.ok(all.has(code), `status ${code} was exercised`)
  for (const { op } of operations(doc)) {
    const seen = [...statuses.get(op.operationId!) ?? []]
    assert.ok(seen.some((c) => c < 300), `${op.operationId}: a 2xx seen (${seen})`)
    if (op.security?.length) assert.ok(seen.some((c) => c >= 400 && c < 500), `${op.operationId}: a 4xx seen (${seen})`)
  }
  t.diagnostic(`${requests} requests validated; statuses: ${[...all].sort().join(' ')}`)

  // The document's examples are these answers (openapi/examples.json, merged by openapi-contract.ts):
  // compared with what the app answered now, volatile values (times, ages, hashes, ids, cursors) aside.
  const recorded = examplesOf(observed)
  if (process.env.UPDATE_OPENAPI_EXAMPLES) writeFileSync(EXAMPLES_FILE, JSON.stringify(recorded, null, 2) + '\n')
  else {
    const committed = existsSync(EXAMPLES_FILE) ? JSON.parse(readFileSync(EXAMPLES_FILE, 'utf8')) : {}
    assert.deepEqual(masked(committed), masked(recorded), 'openapi/examples.json is not what the app answers: run UPDATE_OPENAPI_EXAMPLES=1 npx tsx --test test/openapi-contract.test.ts, then npm run openapi')
  }
  for (const { op } of operations(doc)) {
    const ok = Object.entries(op.responses!).find(([c]) => c.startsWith('2'))![1]
    for (const [type, media] of Object.entries(ok.content ?? {}) as [string, Json][]) {
      const schema = media.schema?.$ref ? (doc as Json).components.schemas[media.schema.$ref.split('/').pop()] : media.schema
      assert.ok(media.example !== undefined || schema?.example !== undefined || schema?.examples?.length, `${op.operationId}: a ${type} example`)
    }
    if (op.security?.length) assert.ok(Object.entries(op.responses!).some(([c, r]) => c >= '400' && (r as Json).content?.['application/problem+json']?.example), `${op.operationId}: a problem example`)
  }
})

type Json = any
interface Observed { op: string, status: number, type: string, body: string }
const EXAMPLE_TYPES = new Set(['application/json', 'application/problem+json', 'text/csv'])

/** Per operation: its first 2xx of each media type and its first problem, lists cut to two items, CSV to two rows. */
function examplesOf (observed: Observed[]): Record<string, Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, Record<string, unknown>>> = {}
  const short = (v: Json): Json => Array.isArray(v) ? v.slice(0, 2).map(short) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, short(x)])) : v
  for (const o of observed) {
    if (!o.op || !EXAMPLE_TYPES.has(o.type)) continue
    const ex = (out[o.op] ??= {})
    const ok = o.status >= 200 && o.status < 300
    if (ok ? Object.entries(ex).some(([c, byType]) => c.startsWith('2') && byType[o.type] !== undefined) : o.status < 400 || Object.keys(ex).some((c) => c >= '400')) continue
    const body = o.type === 'text/csv' ? o.body.split('\r\n').slice(0, 3).join('\r\n') + '\r\n' : short(JSON.parse(o.body))
    ex[o.status] = { ...ex[o.status], [o.type]: body }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)))
}

const VOLATILE = /^(request_id|published_at|superseded_at|created_at|updated_at|ingested_at|hash|next_cursor|quote_ids|id|ms|[a-z_]*age_seconds)$/
// A quote's observed_day is the day of its observed_at, which is masked as a <time>: masked with it, so that a
// collected feed without timestamps (OpenRouter's models API, observed when collected) does not age the examples
function masked (v: Json): Json {
  if (Array.isArray(v)) return v.map(masked)
  if (typeof v === 'string') return v.replace(/http:\/\/127\.0\.0\.1:\d+/g, '<local>').replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<time>').replace(/sha256:[0-9a-f]{64}/g, '<hash>')
  if (!v || typeof v !== 'object') return v
  const observed = typeof v.observed_at === 'string'
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, VOLATILE.test(k) || (observed && k === 'observed_day') ? '<volatile>' : masked(x)]))
}

test('openapi responses: the validator itself fails on what the document does not describe', async (t) => {
  const doc = JSON.parse(await renderOpenApi(await testDatabase(t)))
  const { check } = contractValidator(doc)
  const ok = { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r1', etag: '"a"', 'cache-control': 'public, max-age=60, must-revalidate' }
  assert.deepEqual(check('GET', '/healthz', { statusCode: 200, headers: { 'content-type': 'application/json', 'x-request-id': 'r' }, body: '{"status":"ok"}' }), [])
  assert.equal(check('GET', '/healthz', { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"status":"bad"}' }).length, 1)
  assert.match(check('GET', '/healthz', { statusCode: 418, headers: {}, body: '' })[0]!, /status not documented/)
  assert.match(check('GET', '/v1/indices', { statusCode: 200, headers: { ...ok, 'x-powered-by': 'php' }, body: '{"data":[],"next_cursor":null}' })[0]!, /header x-powered-by not documented/)
  assert.match(check('GET', '/v1/indices', { statusCode: 404, headers: { 'content-type': 'application/json' }, body: '{}' }).join(), /status not documented|media type/)
  assert.match(check('GET', '/v1/indices/X', { statusCode: 404, headers: { 'content-type': 'application/json' }, body: '{}' }).join(), /media type application\/json not documented/)
  assert.match(check('GET', '/v1/indices', { statusCode: 429, headers: { 'content-type': 'application/problem+json', 'retry-after': 'soon' }, body: '{}' }).join(), /retry-after: soon/i)
  assert.match(check('GET', '/nowhere', { statusCode: 200, headers: {}, body: '' })[0]!, /no documented operation/)
})
