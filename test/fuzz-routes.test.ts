import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import { admin, buildTestApp } from './helpers/app.ts'
import { csvCell, enc, segment } from './helpers/openapi-fuzz.ts'
import { contractValidator } from './helpers/openapi-validator.ts'
import { countQuotes, DAY, gpuQuote, PROVIDERS, seedCatalog } from './helpers/reliability-fixtures.ts'

// Property-based abuse of every route: generated bodies, query strings, headers, CSV and NDJSON with
// wrong types, huge numbers, unicode, NUL bytes, deep nesting and SQL fragments. Invariants after every
// request: no 5xx, errors are problem+json, every answer of a documented operation is as the served
// OpenAPI document describes it (status, media type, body schema, headers), and the quote count moves only
// by what a 200 said it stored.
// FUZZ_RUNS scales the number of runs per property (default 250: about 2,100 requests in all).

const RUNS = Number(process.env.FUZZ_RUNS ?? 250)
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined

const NASTY = [
  "'; drop table quotes; --", "1' or '1'='1", '$$; select pg_sleep(5); $$', 'lambda\u0000', '\u0000', 'a\u0000b', '😀💥', 'Ω≈ç√∫',
  '\u202eevil', '\ud800', '%00', '%', '%zz', '../../etc/passwd', '<script>alert(1)</script>', '$' + '{jndi:ldap://x}', '1e309', '-1',
  '0', 'NaN', 'Infinity', '-0', '9'.repeat(400), '0.' + '0'.repeat(300) + '1', '0x1F', ' 2.99 ', '2,99', '', ' ', 'null', 'true',
  '[]', '{}', '__proto__', 'constructor', '2026-02-30', '2026-11-02T25:00:00Z', '99999-01-01', '-infinity', 'H100-SXM-OD\n', 'a'.repeat(5000),
]
const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) }
)
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString, fc.double(), fc.integer(), fc.bigInt().map(String), fc.constant(null), fc.boolean(),
  fc.constantFrom(1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2, 0, -1),
  fc.array(nastyString, { maxLength: 3 }), fc.dictionary(nastyString, nastyString, { maxKeys: 3 })
)
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.anything({ maxDepth: 3, withObjectString: true, withNullPrototype: true }).map((v) => { try { return JSON.parse(JSON.stringify(v) ?? 'null') } catch { return null } }))

const validRow = fc.record({
  i: fc.nat(1_000_000),
  provider: fc.constantFrom(...PROVIDERS),
  kind: fc.constantFrom('gpu', 'model'),
  currency: fc.constantFrom('USD', 'EUR'),
  cents: fc.integer({ min: 1, max: 999_999 }),
  asNumber: fc.boolean(),
}).map(({ i, provider, kind, currency, cents, asNumber }) => {
  const base = gpuQuote(i, provider)
  const price = (cents / 100).toFixed(2)
  return kind === 'gpu'
    ? { ...base, currency, price: asNumber ? Number(price) : price }
    : { ...base, product: 'openai/gpt-5.5', segment: cents % 2 ? 'input' : 'output', unit: '1m_tokens', currency, price }
})
const FIELDS = ['provider', 'product', 'segment', 'price', 'currency', 'unit', 'observed_at', 'source', 'term_months', 'gpus_per_instance', 'region', 'service_tier', 'extra', '__proto__']
const mutatedRow = fc.tuple(validRow, fc.constantFrom(...FIELDS), fc.oneof(nastyValue, fc.constant(undefined))).map(([row, field, value]) => {
  const out: Record<string, unknown> = { ...row }
  if (value === undefined) delete out[field]
  else Object.defineProperty(out, field, { value, enumerable: true, writable: true, configurable: true })
  return out
})
const row = fc.oneof({ weight: 2, arbitrary: validRow }, { weight: 2, arbitrary: mutatedRow }, { weight: 1, arbitrary: nastyValue })

test('fuzz: every route, generated bodies, queries, headers, CSV and NDJSON: no 5xx, no quote stored that a 200 did not report', { timeout: 30 * 60_000 }, async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '1000000' } })
  await seedCatalog(app)
  const contract = contractValidator((await app.inject('/openapi.json')).json())
  const skip = process.env.FUZZ_SKIP ? new RegExp(process.env.FUZZ_SKIP) : undefined // e.g. while one route is known broken
  const routes = app.routeList.filter((r) => r.method !== 'OPTIONS' && r.url !== '*' && !r.url.startsWith('/docs/static') && !skip?.test(r.url))
  const reads = routes.filter((r) => r.method === 'GET')
  const writes = routes.filter((r) => r.method !== 'GET' && r.method !== 'HEAD')
  let expected = await countQuotes(app.db)
  let requests = 0
  let storedByValid = 0

  async function send (req: InjectOptions, opts: { allValid?: number } = {}) {
    requests++
    const res = await app.inject(req)
    const where = `${req.method ?? 'GET'} ${String(req.url).slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`
    assert.ok(res.statusCode < 500, where)
    if (res.statusCode >= 400) assert.match(String(res.headers['content-type']), /^application\/problem\+json/, where)
    const path = String(req.url).split('?')[0]!
    if (contract.templateOf(req.method ?? 'GET', path)) assert.deepEqual(contract.check(req.method ?? 'GET', path, res), [], where)
    const isIngest = req.method === 'POST' && String(req.url).split('?')[0]!.replace(/\/$/, '') === '/v1/quotes'
    const accepted = isIngest && res.statusCode === 200 ? (res.json() as { accepted: number, duplicates: number }) : undefined
    if (accepted) expected += accepted.accepted
    if (opts.allValid !== undefined) {
      assert.equal(res.statusCode, 200, `a fully valid batch is stored: ${where}`)
      assert.equal(accepted!.accepted + accepted!.duplicates, opts.allValid, where)
      storedByValid += accepted!.accepted
    }
    assert.equal(await countQuotes(app.db), expected, `quote count after ${where}`)
    return res
  }
  const started = Date.now()
  const lap = (what: string) => t.diagnostic(`${what}: ${requests} requests, ${((Date.now() - started) / 1000).toFixed(1)} s`)
  const params = { numRuns: RUNS, seed: SEED, endOnFailure: true, includeErrorInReport: true }

  // 1. JSON batches of valid, mutated and junk rows
  await fc.assert(fc.asyncProperty(fc.array(row, { maxLength: 12 }), async (rows) => {
    await send({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes: rows } })
  }), params)

  lap('before 1b.')
  // 1b. fully valid batches by construction (overlapping on purpose): 200, every row stored or a duplicate
  await fc.assert(fc.asyncProperty(fc.array(validRow, { minLength: 1, maxLength: 20 }), async (rows) => {
    await send({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes: rows } }, { allValid: rows.length })
  }), { ...params, numRuns: Math.ceil(RUNS / 2) })

  lap('before 2. NDJSON')
  // 2. NDJSON with junk lines, 3. CSV with odd headers and cells
  await fc.assert(fc.asyncProperty(fc.array(fc.oneof(row.map((r) => JSON.stringify(r) ?? ''), nastyString), { maxLength: 10 }), fc.constantFrom('\n', '\r\n'), async (lines, eol) => {
    await send({ method: 'POST', url: '/v1/quotes', headers: { ...admin, 'content-type': 'application/x-ndjson' }, payload: lines.join(eol) })
  }), params)
  await fc.assert(fc.asyncProperty(
    fc.shuffledSubarray([...FIELDS.slice(0, 12)], { minLength: 0 }), fc.array(nastyString, { maxLength: 2 }), fc.array(row, { maxLength: 8 }), fc.boolean(),
    async (cols, extraCols, rows, bom) => {
      const header = [...cols, ...extraCols]
      const body = (bom ? '\ufeff' : '') + [header.map(csvCell).join(','), ...rows.map((r) => header.map((h) => csvCell(r && typeof r === 'object' ? (r as Record<string, unknown>)[h] : r)).join(','))].join('\n')
      await send({ method: 'POST', url: '/v1/quotes', headers: { ...admin, 'content-type': 'text/csv' }, payload: body })
    }), params)

  lap('before 4. every wri')
  // 4. every write route: arbitrary JSON bodies, content types and keys
  const write = fc.constantFrom(...writes)
  await fc.assert(fc.asyncProperty(write, fc.oneof(anyJson, nastyValue, fc.record({ quotes: fc.array(row, { maxLength: 4 }) }), fc.record({ rates: fc.array(fc.dictionary(fc.constantFrom('date', 'currency', 'usd_per_unit', 'source', 'x'), nastyValue), { maxLength: 4 }) })),
    fc.constantFrom('application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'text/csv', 'application/x-ndjson', 'multipart/form-data; boundary=x'),
    nastyString, fc.boolean(),
    async (r, body, type, param, raw) => {
      const url = r.url.replace(/:\w+/g, () => segment(param))
      await send({ method: r.method as 'PUT', url, headers: { ...admin, 'content-type': type }, payload: raw ? String(JSON.stringify(body) ?? '').slice(0, -1) : JSON.stringify(body) ?? 'null' })
    }), { ...params, numRuns: RUNS * 2 })

  lap('before 5. every rea')
  // 5. every read route: query strings with known and unknown keys, odd encodings, headers
  const keys = fc.constantFrom('from', 'to', 'as_of', 'limit', 'cursor', 'format', 'include', 'provider', 'product', 'segment', 'period', 'since', 'kind', 'currency', 'date', 'api_key', 'x', 'from[]', '__proto__')
  await fc.assert(fc.asyncProperty(fc.constantFrom(...reads), fc.array(fc.tuple(keys, nastyValue), { maxLength: 5 }), nastyString, fc.boolean(),
    fc.record({ accept: fc.constantFrom('*/*', 'text/csv', 'application/json', 'text/html', 'application/xml;q=0.9, text/csv;q=0.1', '\u0000'), 'if-none-match': nastyString, 'x-request-id': nastyString, authorization: fc.constantFrom(admin.authorization, 'Bearer', 'Bearer ' + 'x'.repeat(4096), 'Basic Og==', 'bearer \u0000') }, { requiredKeys: [] }),
    async (r, query, param, rawEncoding, headers) => {
      const path = r.url.replace(/:(\w+)/g, (_m, name: string) => name === 'code' && param.length % 3 === 0 ? 'H100-SXM-OD' : name === 'date' && param.length % 2 ? DAY : segment(param))
      const qs = query.map(([k, v]) => rawEncoding ? `${k}=${String(typeof v === 'string' ? v : JSON.stringify(v)).replace(/[#&\s]/g, '')}` : `${enc(k)}=${enc(typeof v === 'string' ? v : JSON.stringify(v) ?? '')}`).join('&')
      const safeHeaders = Object.fromEntries(Object.entries(headers).filter(([, v]) => !/[^\x20-\x7e]/.test(v)))
      await send({ method: 'GET', url: path + (qs ? '?' + qs : ''), headers: safeHeaders })
    }), { ...params, numRuns: RUNS * 3 })

  lap('before 6. the extre')
  // 6. the extremes, once each: deep nesting, a huge number, 10,001 rows, NUL bytes in every field
  const deep = (n: number) => '{"quotes":' + '['.repeat(n) + ']'.repeat(n) + '}'
  for (const payload of [deep(10), deep(5000), deep(100_000), '{"quotes":[' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5000) + ']}', `{"quotes":[{"price":1${'0'.repeat(10_000)}}]}`, '{"quotes":[{"price":1e999999}]}', '\u0000', '{"quotes":[]}', '{"quotes":null}', '{"__proto__":{"quotes":[]}}']) {
    await send({ method: 'POST', url: '/v1/quotes', headers: { ...admin, 'content-type': 'application/json' }, payload })
  }
  lap('extremes 1')
  const tooMany = Array.from({ length: 10_001 }, (_, i) => gpuQuote(i))
  assert.notEqual((await send({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes: tooMany } })).statusCode, 200)
  lap('extremes 2')
  const nul = Object.fromEntries(Object.entries(gpuQuote(7)).map(([k, v]) => [k, typeof v === 'string' ? v + '\u0000' : v]))
  for (const k of Object.keys(nul)) await send({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes: [{ ...gpuQuote(8), [k]: (nul as Record<string, unknown>)[k] }] } })

  t.diagnostic(`requests fuzzed: ${requests}; quotes stored by valid batches: ${storedByValid}; quotes in the table: ${expected}`)
  assert.ok(storedByValid > 0)
})
