import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parse } from 'csv-parse/sync'
import { renderOpenApi } from '../src/openapi.ts'
import { buildTestApp } from './helpers/app.ts'
import { testDatabase } from './helpers/db.ts'
import { days, insertFixings } from './helpers/read-fixings.ts'

// What generated clients and spreadsheets met when tried as a new user would (issue #21), each fixed:
// the document's servers, types and schemas; CSV of the catalog and of /latest; a CSV of the whole
// history in one file; a plain OPTIONS; a branded /docs.

type Json = any
const walk = (node: Json, visit: (n: Json) => void): void => {
  if (Array.isArray(node)) { node.forEach((n) => walk(n, visit)); return }
  if (!node || typeof node !== 'object') return
  visit(node)
  for (const v of Object.values(node)) walk(v, visit)
}

test('document: servers relative (or PUBLIC_URL), dates typed by format, no ±2^53 bounds, no needless *Input twins, a licence', async (t) => {
  const doc = JSON.parse(await renderOpenApi(await testDatabase(t)))
  assert.deepEqual(doc.servers.map((s: Json) => s.url), ['/'])
  assert.doesNotMatch(JSON.stringify(doc), /localhost/)
  const s = doc.components.schemas
  assert.equal(s.Fixing.properties.date.format, 'date')
  assert.equal(s.Fixing.properties.published_at.format, 'date-time')
  assert.equal(s.Revision.properties.superseded_at.anyOf?.[0]?.format ?? s.Revision.properties.superseded_at.format, 'date-time')
  const from = doc.paths['/v1/indices/{code}/values'].get.parameters.find((p: Json) => p.name === 'from')
  assert.equal(from.schema.format, 'date')
  walk(doc, (n) => {
    assert.notEqual(Math.abs(n.minimum ?? 0), Number.MAX_SAFE_INTEGER)
    assert.notEqual(Math.abs(n.maximum ?? 0), Number.MAX_SAFE_INTEGER)
  })
  const text = JSON.stringify(doc)
  for (const [name, schema] of Object.entries(s)) {
    assert.ok(text.split(`"#/components/schemas/${name}"`).length > 1, `${name} is used`)
    if (name.endsWith('Input') && s[name.slice(0, -5)]) assert.notDeepEqual(schema, s[name.slice(0, -5)], `${name} differs from its output twin`)
  }
  // the twins left are those whose fields have defaults in a request (asserted different above):
  // IndexFilterInput and MethodologyInput. A request body nothing answers with has its plain name
  // (BasketBody, SourceBody, IndexDefinitionBody), never `FooInput` without a `Foo`.
  const inputs = Object.keys(s).filter((n) => n.endsWith('Input'))
  assert.deepEqual(inputs.filter((n) => !s[n.slice(0, -5)]), [], 'an *Input schema without its output twin')
  assert.deepEqual(inputs.sort(), ['IndexFilterInput', 'MethodologyInput'])
  for (const body of ['BasketBody', 'SourceBody', 'IndexDefinitionBody']) assert.ok(s[body], body)
  assert.ok(doc.info.license.name && (doc.info.license.identifier || doc.info.license.url))

  const app = await buildTestApp(t, { env: { PUBLIC_URL: 'https://cpx.example.com/' } })
  const served = (await app.inject('/openapi.json')).json()
  assert.deepEqual(served.servers.map((x: Json) => x.url), ['https://cpx.example.com'])
})

test('document: no type lists (3.0 generators read them as nothing), no escaped slashes in patterns, every day and timestamp typed by its format', async (t) => {
  const doc = JSON.parse(await renderOpenApi(await testDatabase(t)))
  const lists: string[] = []
  const undated: string[] = []
  const slashes: string[] = []
  const formats = (p: Json): string[] => [p.format, ...(p.anyOf ?? []).map((b: Json) => b.format)].filter(Boolean)
  const visit = (n: Json, where: string): void => {
    if (Array.isArray(n)) { n.forEach((x, i) => visit(x, `${where}/${i}`)); return }
    if (!n || typeof n !== 'object') return
    if (Array.isArray(n.type)) lists.push(`${where}: ${JSON.stringify(n.type)}`)
    if (typeof n.pattern === 'string' && n.pattern.includes('\\/')) slashes.push(`${where}: ${n.pattern}`)
    for (const [name, p] of Object.entries<Json>(n.properties ?? {})) {
      const want = /_at$/.test(name) ? 'date-time' : /^(date|from|to|through|effective_from)$|_(date|day)$/.test(name) ? 'date' : undefined
      if (want && !formats(p).includes(want)) undated.push(`${where}/${name}: ${want}`)
    }
    for (const [k, v] of Object.entries(n)) if (k !== 'example' && k !== 'examples') visit(v, `${where}/${k}`)
  }
  visit(doc, '#')
  assert.deepEqual(lists, [], '`type: [a, b]` in the document: @openapi-codegen/typescript types it void, openapi2typescript stops')
  assert.deepEqual(undated, [])
  assert.deepEqual(slashes, [], 'a pattern with `\\/`: openapi-zod-client writes it into a regex literal, which it ends')
  const product = doc.paths['/v1/products/{code}'].get.parameters.find((p: Json) => p.name === 'code').schema.pattern
  assert.ok(new RegExp(product).test('openai/gpt-4o'), product)
  const s = doc.components.schemas
  assert.deepEqual(s.Fixing.properties.value, { description: s.Fixing.properties.value.description, anyOf: [{ type: 'number' }, { type: 'null' }] })
  assert.deepEqual(s.FixingPage.properties.next_cursor.anyOf, [{ type: 'string' }, { type: 'null' }])
  assert.deepEqual(s.BasketBody.properties.base_value.anyOf, [{ type: 'string' }, { type: 'number' }])
  assert.deepEqual(s.BasketVersion.properties.base_date.anyOf, [{ type: 'string', format: 'date' }, { type: 'null' }])
  assert.equal(s.BasketVersion.properties.changed_at.format, 'date-time')
  assert.equal(s.ComputeReport.properties.from.format, 'date')
})

test('CSV: the catalog with every current value, /latest, and the whole history in one file', async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '1000000' } })
  const dates = days('2023-01-01', 1200)
  await insertFixings(app.database, dates.map((date, i) => ({ code: 'H100-SXM-OD', date, value: (2 + (i % 100) / 1000).toFixed(6), published_at: `${date}T23:59:00Z` })))

  const catalog = await app.inject('/v1/indices.csv')
  assert.equal(catalog.statusCode, 200)
  assert.match(String(catalog.headers['content-type']), /^text\/csv/)
  assert.match(String(catalog.headers['content-disposition']), /filename="cpx-indices.csv"/)
  const rows = parse(catalog.body, { columns: true }) as Record<string, string>[]
  const json = (await app.inject('/v1/indices')).json().data as Json[]
  assert.deepEqual(rows.map((r) => r.code), json.map((d) => d.code))
  const h100 = rows.find((r) => r.code === 'H100-SXM-OD')!
  assert.equal(h100.date, dates.at(-1))
  assert.equal(Number(h100.value), json.find((d) => d.code === 'H100-SXM-OD').latest.value)
  assert.equal(rows.find((r) => r.code !== 'H100-SXM-OD')!.value, '', 'an index without a fixing has empty cells')
  // the JSON operations stay JSON (one media type each, as generated clients type them); format=csv names the CSV operation
  const refused = await app.inject('/v1/indices?format=csv')
  assert.equal(refused.statusCode, 400)
  assert.match(refused.json().detail, /querystring\/format: csv is a separate operation: GET \/v1\/indices\.csv/)
  assert.equal((await app.inject('/v1/indices?format=json')).statusCode, 200)

  const latestJson = await app.inject('/v1/indices/H100-SXM-OD/latest')
  const latestCsv = await app.inject('/v1/indices/H100-SXM-OD/latest.csv')
  assert.equal(latestCsv.statusCode, 200)
  assert.match(String(latestCsv.headers['content-type']), /^text\/csv/)
  const [one, ...rest] = parse(latestCsv.body, { columns: true }) as Record<string, string>[]
  assert.equal(rest.length, 0)
  assert.equal(one!.date, latestJson.json().date)
  assert.equal(one!.hash, latestJson.json().hash)
  assert.notEqual(latestCsv.headers.etag, latestJson.headers.etag, 'each representation its own ETag')
  assert.equal((await app.inject({ url: '/v1/indices/H100-SXM-OD/latest.csv', headers: { 'if-none-match': String(latestCsv.headers.etag) } })).statusCode, 304)
  assert.equal((await app.inject({ url: '/v1/indices/H100-SXM-OD/latest', headers: { 'if-none-match': String(latestCsv.headers.etag) } })).statusCode, 200)
  assert.equal((await app.inject('/v1/indices/H100-SXM-OD/latest?format=csv')).statusCode, 400)
  assert.equal((await app.inject('/v1/indices/NOPE/latest.csv')).statusCode, 404)

  const history = await app.inject('/v1/indices/H100-SXM-OD/values.csv')
  assert.equal((parse(history.body, { columns: true }) as unknown[]).length, 1200, 'the whole range, not 1000 rows')
  assert.equal(history.headers.link, undefined)
  const page = (await app.inject('/v1/indices/H100-SXM-OD/values')).json()
  assert.equal(page.data.length, 1000, 'JSON keeps pages of 1000 by default')
  assert.ok(page.next_cursor)
  const limited = await app.inject('/v1/indices/H100-SXM-OD/values.csv?limit=10')
  assert.equal((parse(limited.body, { columns: true }) as unknown[]).length, 10)
  assert.match(String(limited.headers.link), /rel="next"/)
})

test('a plain OPTIONS (no Origin) is 204 with Allow; a CORS preflight is still a preflight; an unknown path 404', async (t) => {
  const app = await buildTestApp(t)
  const values = await app.inject({ method: 'OPTIONS', url: '/v1/indices/H100-SXM-OD/values.csv' })
  assert.equal((await app.inject({ method: 'OPTIONS', url: '/v1/indices.csv' })).headers.allow, 'GET, HEAD, OPTIONS')
  assert.equal(values.statusCode, 204)
  assert.equal(values.headers.allow, 'GET, HEAD, OPTIONS')
  assert.equal((await app.inject({ method: 'OPTIONS', url: '/v1/quotes' })).headers.allow, 'GET, HEAD, OPTIONS, POST')
  const preflight = await app.inject({ method: 'OPTIONS', url: '/v1/indices', headers: { origin: 'https://dash.example.com', 'access-control-request-method': 'GET' } })
  assert.equal(preflight.statusCode, 204)
  assert.equal(preflight.headers['access-control-allow-methods'], 'GET, HEAD')
  const nowhere = await app.inject({ method: 'OPTIONS', url: '/nowhere' })
  assert.equal(nowhere.statusCode, 404)
  assert.match(String(nowhere.headers['content-type']), /^application\/problem\+json/)
  const closed = await buildTestApp(t, { env: { CORS_ORIGINS: 'none' } })
  assert.equal((await closed.inject({ method: 'OPTIONS', url: '/v1/indices' })).headers.allow, 'GET, HEAD, OPTIONS')
})

test('/docs: branded CPX, on /openapi.json, a CSP that allows its inline styles, a favicon', async (t) => {
  const app = await buildTestApp(t)
  const page = await app.inject('/docs/')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /<title>CPX API reference<\/title>/)
  assert.match(page.body, /favicon\.svg/)
  const csp = String(page.headers['content-security-policy'])
  assert.match(csp, /style-src 'self' 'unsafe-inline'/)
  assert.doesNotMatch(csp, /style-src[^;]*sha256/, 'a hash would make browsers ignore unsafe-inline')
  const init = await app.inject('/docs/static/swagger-initializer.js')
  assert.match(init.body, /"\/openapi\.json"/)
  assert.match(init.body, /data:image\/svg\+xml;base64,/)
  assert.match(Buffer.from(/data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)/.exec(init.body)![1]!, 'base64').toString(), />CPX</)
  const icon = await app.inject('/docs/static/theme/favicon.svg')
  assert.equal(icon.statusCode, 200)
  assert.match(String(icon.headers['content-type']), /^image\/svg\+xml/)
  const doc = (await app.inject('/openapi.json')).json()
  assert.match(doc.info.license.name, /Proprietary/)
})
