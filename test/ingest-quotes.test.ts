import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { admin } from './helpers/app.ts'
import { countQuotes, gpuQuote, modelQuote, postQuotes, put, seededApp, type TestApp } from './helpers/ingest-seed.ts'

// Normalization (DESIGN §2) in SQL, idempotent retries, concurrent copies, the three body formats,
// the 10,000-row limit and reads of what was stored.

let app: TestApp
before(async () => { app = await seededApp() })

async function stored (filter: string) {
  const r = await app.inject(`/v1/quotes?${filter}`)
  assert.equal(r.statusCode, 200, r.body)
  return r.json().data as Array<Record<string, unknown>>
}

async function normalizeOne (q: Record<string, unknown>, day: string) {
  const res = await postQuotes(app, [q])
  assert.equal(res.statusCode, 200, res.body)
  assert.deepEqual(res.json(), { accepted: 1, duplicates: 0 })
  const [row] = await stored(`provider=${q.provider}&product=${encodeURIComponent(q.product as string)}&from=${day}&to=${day}&limit=1`)
  return row!
}

test('an 8-GPU instance at $98.32 per instance-hour is 12.29 per GPU-hour', async () => {
  const q = await normalizeOne(gpuQuote({ price: 98.32, unit: 'instance_hour', gpus_per_instance: 8, observed_at: '2026-10-01T10:00:00Z' }), '2026-10-01')
  assert.equal(q.usd_price, '12.29')
  assert.equal(q.price, '98.32')
  assert.equal(q.unit, 'instance_hour')
  assert.equal(q.gpus_per_instance, 8)
  assert.equal(q.fx_usd_per_unit, '1')
})

test('$0.0000021 per token is 2.1 per 1M tokens, and the raw price round-trips exactly', async () => {
  const q = await normalizeOne(modelQuote({ price: '0.0000021', unit: 'token', observed_at: '2026-10-02T10:00:00Z' }), '2026-10-02')
  assert.equal(q.usd_price, '2.1')
  assert.equal(q.price, '0.0000021')
  // As a JSON number too: its shortest form is the literal that was sent.
  const n = await normalizeOne(modelQuote({ price: 0.0000021, unit: 'token', segment: 'output', observed_at: '2026-10-03T10:00:00Z' }), '2026-10-03')
  assert.equal(n.price, '0.0000021')
  assert.equal(n.usd_price, '2.1')
  const e = await normalizeOne(modelQuote({ price: 2.1e-7, unit: 'token', observed_at: '2026-10-04T10:00:00Z' }), '2026-10-04')
  assert.equal(e.price, '0.00000021')
  assert.equal(e.usd_price, '0.21')
})

test('¥20 per 1M tokens at 0.1400 USD/CNY is 2.8, and the rate used is stored', async () => {
  const q = await normalizeOne(modelQuote({ provider: 'deepseek', product: 'deepseek/deepseek-v3', price: 20, currency: 'CNY', observed_at: '2026-11-02T10:00:00Z' }), '2026-11-02')
  assert.equal(q.usd_price, '2.8')
  assert.equal(q.currency, 'CNY')
  assert.equal(q.fx_usd_per_unit, '0.1400')
  assert.equal(q.service_tier, 'standard', 'a model quote without a tier is standard')
})

test('gpu_month is 730 hours; 1k_tokens is x1000; rounding is half away from zero at 10 dp', async () => {
  const m = await normalizeOne(gpuQuote({ provider: 'aws', price: '2000', unit: 'gpu_month', observed_at: '2026-10-05T10:00:00Z' }), '2026-10-05')
  assert.equal(m.usd_price, '2.7397260274')
  const k = await normalizeOne(modelQuote({ price: '0.0025', unit: '1k_tokens', observed_at: '2026-10-06T10:00:00Z' }), '2026-10-06')
  assert.equal(k.usd_price, '2.5')
  // 1/3 of a cent per 1M tokens: 0.00333333333333... → 0.0033333333
  const r = await normalizeOne(gpuQuote({ price: '0.1', unit: 'instance_hour', gpus_per_instance: 3, observed_at: '2026-10-07T10:00:00Z' }), '2026-10-07')
  assert.equal(r.usd_price, '0.0333333333')
  // 0.00000000005 rounds up (half away from zero) to 0.0000000001
  const h = await normalizeOne(gpuQuote({ price: '0.0000000365', unit: 'gpu_month', observed_at: '2026-10-08T10:00:00Z' }), '2026-10-08')
  assert.equal(h.usd_price, '0.0000000001')
})

test('FX: the latest rate dated on the UTC day or up to 7 days before; not 8, not after', async () => {
  // EUR rate dated 2026-10-20 only.
  const ok = async (at: string) => (await postQuotes(app, [gpuQuote({ currency: 'EUR', price: '2.5', observed_at: at })])).statusCode
  assert.equal(await ok('2026-10-20T00:00:00Z'), 200)
  assert.equal(await ok('2026-10-27T23:59:59Z'), 200) // day + 7
  assert.equal(await ok('2026-10-28T00:00:00Z'), 422) // day + 8
  assert.equal(await ok('2026-10-19T23:59:59Z'), 422) // the day before the rate
  // 20:00 at -05:00 on the 27th is 01:00 UTC on the 28th: the UTC day decides.
  assert.equal(await ok('2026-10-27T20:00:00-05:00'), 422)
  const res = await postQuotes(app, [gpuQuote({ currency: 'EUR', observed_at: '2026-10-28T00:00:00Z' })])
  assert.match(res.json().errors[0].reason, /no FX rate for EUR dated 2026-10-28 or up to 7 days before/)
  // A newer rate wins over an older one in the window.
  await put(app, '/v1/fx-rates', { rates: [{ date: '2026-10-24', currency: 'EUR', usd_per_unit: '1.10', source: 'test' }] })
  const q = await normalizeOne(gpuQuote({ currency: 'EUR', price: '2', observed_at: '2026-10-26T12:00:00Z' }), '2026-10-26')
  assert.equal(q.fx_usd_per_unit, '1.10')
  assert.equal(q.usd_price, '2.2')
})

test('a retried batch is all duplicates; in-batch copies count once; equal decimals are the same price', async () => {
  const batch = Array.from({ length: 50 }, (_, i) => gpuQuote({ price: `3.${String(i).padStart(2, '0')}5`, observed_at: '2026-09-01T00:00:00Z' }))
  assert.deepEqual((await postQuotes(app, batch)).json(), { accepted: 50, duplicates: 0 })
  assert.deepEqual((await postQuotes(app, batch)).json(), { accepted: 0, duplicates: 50 })
  const withCopies = [gpuQuote({ price: '4.1', observed_at: '2026-09-02T00:00:00Z' }), gpuQuote({ price: '4.10', observed_at: '2026-09-02T00:00:00Z' }), gpuQuote({ price: 4.1, observed_at: '2026-09-02T00:00:00+00:00' })]
  assert.deepEqual((await postQuotes(app, withCopies)).json(), { accepted: 1, duplicates: 2 })
  // gpus_per_instance is part of the identity: 8 and 4 GPUs at one price are two observations.
  const inst = (gpus: number) => gpuQuote({ price: '20', unit: 'instance_hour', gpus_per_instance: gpus, observed_at: '2026-09-03T00:00:00Z' })
  assert.deepEqual((await postQuotes(app, [inst(8), inst(4)])).json(), { accepted: 2, duplicates: 0 })
  // So are service tier, region and term.
  const tiers = ['standard', 'batch'].map((t) => modelQuote({ service_tier: t, observed_at: '2026-09-04T00:00:00Z' }))
  assert.deepEqual((await postQuotes(app, [...tiers, modelQuote({ observed_at: '2026-09-04T00:00:00Z' })])).json(), { accepted: 2, duplicates: 1 })
})

test('two identical requests at the same moment store each row once, and neither fails', async () => {
  const batch = Array.from({ length: 500 }, (_, i) => gpuQuote({ price: `5.${String(i).padStart(3, '0')}1`, observed_at: '2026-08-01T00:00:00Z' }))
  const before = await countQuotes(app)
  const [a, b] = await Promise.all([postQuotes(app, batch), postQuotes(app, batch)])
  assert.equal(a.statusCode, 200, a.body)
  assert.equal(b.statusCode, 200, b.body)
  assert.equal(a.json().accepted + b.json().accepted, 500)
  assert.equal(a.json().duplicates + b.json().duplicates, 500)
  assert.equal(await countQuotes(app), before + 500)
})

test('NDJSON and CSV bodies: same rules, same answers', async () => {
  const rows = [gpuQuote({ price: '6.01', observed_at: '2026-07-01T00:00:00Z' }), modelQuote({ price: '0.000002', unit: 'token', observed_at: '2026-07-01T00:00:00Z' })]
  const ndjson = rows.map((r) => JSON.stringify(r)).join('\n') + '\n\n'
  let res = await app.inject({ method: 'POST', url: '/v1/quotes', headers: { ...admin, 'content-type': 'application/x-ndjson' }, payload: ndjson })
  assert.deepEqual(res.json(), { accepted: 2, duplicates: 0 })
  const csv = 'provider,product,segment,term_months,price,currency,unit,gpus_per_instance,observed_at,source\n' +
    'lambda,h100-sxm,reserved,12,2.10,USD,gpu_hour,,2026-07-02T00:00:00Z,https://lambda.ai/pricing\n' +
    'lambda,h100-sxm,on_demand,,23.92,USD,instance_hour,8,2026-07-02T00:00:00Z,\n' +
    '"openai","openai/gpt-5.5","output",,"30",USD,1m_tokens,,2026-07-02T00:00:00Z,"a, quoted source"\n'
  res = await app.inject({ method: 'POST', url: '/v1/quotes', headers: { ...admin, 'content-type': 'text/csv; charset=utf-8' }, payload: csv })
  assert.equal(res.statusCode, 200, res.body)
  assert.deepEqual(res.json(), { accepted: 3, duplicates: 0 })
  const got = await stored('from=2026-07-02&to=2026-07-02')
  assert.deepEqual(got.map((q) => q.usd_price).sort(), ['2.1', '2.99', '30'])
  assert.equal(got.find((q) => q.segment === 'reserved')!.term_months, 12)
  // A bad CSV row: 422 with its index, like JSON.
  res = await app.inject({ method: 'POST', url: '/v1/quotes', headers: { ...admin, 'content-type': 'text/csv' }, payload: csv.replace('23.92', '-1').replace('2026-07-02', '2026-07-03') })
  assert.equal(res.statusCode, 422)
  assert.deepEqual(res.json().errors.map((e: { path: string }) => e.path), ['quotes/1/price'])
  // An unknown column or a line that is not JSON: 400 naming it.
  res = await app.inject({ method: 'POST', url: '/v1/quotes', headers: { ...admin, 'content-type': 'text/csv' }, payload: csv.replace('source', 'sauce') })
  assert.equal(res.statusCode, 400)
  assert.match(res.json().detail, /Unknown CSV column sauce/)
  res = await app.inject({ method: 'POST', url: '/v1/quotes', headers: { ...admin, 'content-type': 'application/x-ndjson' }, payload: ndjson + '{"provider":\n' })
  assert.equal(res.statusCode, 400)
  assert.match(res.json().detail, /NDJSON line 4 is not JSON/)
  res = await app.inject({ method: 'POST', url: '/v1/quotes', headers: { ...admin, 'content-type': 'text/plain' }, payload: 'x' })
  assert.equal(res.statusCode, 415)
})

test('a schema violation of the envelope is 400 problem+json naming the field', async () => {
  for (const [payload, path] of [[{}, 'body/quotes'], [{ quotes: 'many' }, 'body/quotes'], [{ quotes: [], more: 1 }, 'body']] as const) {
    const res = await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload })
    assert.equal(res.statusCode, 400, JSON.stringify(payload))
    assert.match(res.headers['content-type'] as string, /application\/problem\+json/)
    assert.equal(res.json().type, 'https://cpx.dev/problems/validation-error')
    assert.ok(res.json().errors.some((e: { path: string }) => e.path === path), res.body)
  }
  const res = await app.inject({ method: 'POST', url: '/v1/quotes', headers: { ...admin, 'content-type': 'application/json' }, payload: '{"quotes": [' })
  assert.equal(res.statusCode, 400)
})

test('10,000 rows in one request are stored; 10,001 are refused with 413 naming the limit', async () => {
  const rows = (n: number, day: string) => Array.from({ length: n }, (_, i) => gpuQuote({ price: `1.${String(i).padStart(5, '0')}1`, observed_at: `${day}T00:00:00Z` }))
  const before = await countQuotes(app)
  let res = await postQuotes(app, rows(10_001, '2026-06-01'))
  assert.equal(res.statusCode, 413)
  assert.equal(res.json().type, 'https://cpx.dev/problems/payload-too-large')
  assert.match(res.json().detail, /at most 10,000 quotes; this one has 10,001/)
  // The same limit for NDJSON and CSV bodies.
  const many = rows(10_001, '2026-06-01')
  res = await app.inject({ method: 'POST', url: '/v1/quotes', headers: { ...admin, 'content-type': 'application/x-ndjson' }, payload: many.map((r) => JSON.stringify(r)).join('\n') })
  assert.equal(res.statusCode, 413)
  const csv = 'provider,product,segment,price,currency,unit,observed_at\n' + many.map((r) => [r.provider, r.product, r.segment, r.price, r.currency, r.unit, r.observed_at].join(',')).join('\n')
  res = await app.inject({ method: 'POST', url: '/v1/quotes', headers: { ...admin, 'content-type': 'text/csv' }, payload: csv })
  assert.equal(res.statusCode, 413)
  assert.match(res.json().detail, /10,000/)
  assert.equal(await countQuotes(app), before)
  const started = Date.now()
  res = await postQuotes(app, rows(10_000, '2026-06-02'))
  assert.equal(res.statusCode, 200, res.body)
  assert.deepEqual(res.json(), { accepted: 10_000, duplicates: 0 })
  process.stderr.write(`# 10,000 rows through POST /v1/quotes on ${app.database.kind}: ${Date.now() - started} ms\n`)
})

test('GET /v1/quotes: filters, newest first, opaque cursor pages without overlap, tampered cursor 400', async () => {
  const times = ['2026-05-01T01:00:00Z', '2026-05-01T02:00:00Z', '2026-05-01T02:00:00Z', '2026-05-02T00:00:00Z', '2026-05-03T00:00:00Z']
  await postQuotes(app, times.map((t, i) => gpuQuote({ price: `7.${i}`, observed_at: t })))
  await postQuotes(app, [modelQuote({ observed_at: '2026-05-02T00:00:00Z' })])
  const seen: Array<Record<string, unknown>> = []
  let cursor: string | null = null
  do {
    const r: { statusCode: number, body: string, json: () => { data: Array<Record<string, unknown>>, next_cursor: string | null } } = await app.inject(`/v1/quotes?product=h100-sxm&from=2026-05-01&to=2026-05-03&limit=2${cursor ? '&cursor=' + cursor : ''}`)
    assert.equal(r.statusCode, 200, r.body)
    seen.push(...r.json().data)
    cursor = r.json().next_cursor
  } while (cursor)
  assert.equal(seen.length, 5)
  assert.equal(new Set(seen.map((q) => q.id)).size, 5)
  assert.ok(seen.every((q) => typeof q.id === 'string' && /^\d+$/.test(q.id as string)))
  assert.deepEqual(seen.map((q) => q.observed_at), [...times].reverse())
  assert.equal((await stored('segment=input&from=2026-05-02&to=2026-05-02')).length, 1)
  assert.equal((await stored('provider=aws&from=2026-05-01&to=2026-05-03')).length, 0)
  assert.equal((await stored('product=h100-sxm&from=2026-05-01T02:00:00Z&to=2026-05-02T00:00:00Z')).length, 3)
  const first = (await app.inject('/v1/quotes?limit=1')).json().next_cursor as string
  // the next row's id under the first cursor's tag
  const [body, mac] = first.split('.')
  const position = JSON.parse(Buffer.from(body!, 'base64url').toString()) as { at: string, id: string }
  const tampered = `${Buffer.from(JSON.stringify({ ...position, id: String(Number(position.id) + 1) })).toString('base64url')}.${mac}`
  for (const bad of [tampered, first.slice(0, -3), 'not-a-cursor', '%%%']) {
    const r = await app.inject(`/v1/quotes?cursor=${encodeURIComponent(bad)}`)
    assert.equal(r.statusCode, 400, bad)
    assert.equal(r.json().type, 'https://cpx.dev/problems/invalid-cursor')
  }
})
