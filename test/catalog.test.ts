import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { admin, buildTestApp } from './helpers/app.ts'
import { ENV, fileHooks, gpuQuote, postQuotes, type TestApp } from './helpers/ingest-seed.ts'

// Providers, products and FX rates: idempotent upserts, validation, slashes in product codes.

let app: TestApp
before(async () => { app = await buildTestApp(fileHooks, { env: ENV }) })

const put = (url: string, payload: unknown) => app.inject({ method: 'PUT', url, headers: admin, payload: payload as object })

test('PUT /v1/providers/{slug} creates (201), then replaces (200); GET lists and filters by kind', async () => {
  let r = await put('/v1/providers/lambda', { name: 'Lambda', kind: 'neocloud', website: 'https://lambda.ai' })
  assert.equal(r.statusCode, 201, r.body)
  assert.equal(r.json().slug, 'lambda')
  r = await put('/v1/providers/lambda', { name: 'Lambda Labs', kind: 'neocloud' })
  assert.equal(r.statusCode, 200)
  assert.equal(r.json().name, 'Lambda Labs')
  assert.equal(r.json().website, null)
  await put('/v1/providers/aws', { name: 'AWS', kind: 'hyperscaler' })
  const all = (await app.inject('/v1/providers')).json()
  assert.deepEqual(all.data.map((p: { slug: string }) => p.slug), ['aws', 'lambda'])
  assert.equal(all.next_cursor, null)
  assert.deepEqual((await app.inject('/v1/providers?kind=hyperscaler')).json().data.map((p: { slug: string }) => p.slug), ['aws'])
  assert.equal((await app.inject('/v1/providers/aws')).json().kind, 'hyperscaler')
  assert.equal((await app.inject('/v1/providers/nobody')).statusCode, 404)
})

test('provider validation: slug pattern, kind, website, unknown fields → 400 naming the field', async () => {
  const cases: Array<[string, unknown, string]> = [
    ['/v1/providers/Lambda', { name: 'x', kind: 'neocloud' }, 'params/slug'],
    ['/v1/providers/-x', { name: 'x', kind: 'neocloud' }, 'params/slug'],
    ['/v1/providers/x', { name: 'x', kind: 'cloud' }, 'body/kind'],
    ['/v1/providers/x', { name: '', kind: 'neocloud' }, 'body/name'],
    ['/v1/providers/x', { name: 'x', kind: 'neocloud', website: 'ftp://x' }, 'body/website'],
    ['/v1/providers/x', { name: 'x', kind: 'neocloud', colour: 'red' }, 'body'],
  ]
  for (const [url, body, path] of cases) {
    const r = await put(url, body)
    assert.equal(r.statusCode, 400, `${url} ${JSON.stringify(body)}`)
    assert.ok(r.json().errors.some((e: { path: string }) => e.path === path), r.body)
  }
})

test('products: GPU and model kinds with their attributes; a code with a slash as %2F or bare', async () => {
  let r = await put('/v1/products/h100-sxm', { kind: 'gpu', name: 'H100 SXM 80GB', family: 'h100', variant: 'sxm' })
  assert.equal(r.statusCode, 201, r.body)
  assert.deepEqual({ ...r.json() as object, created_at: 0, updated_at: 0 }, { code: 'h100-sxm', kind: 'gpu', name: 'H100 SXM 80GB', family: 'h100', variant: 'sxm', tier: null, open_weights: null, created_at: 0, updated_at: 0 })
  r = await put('/v1/products/openai%2Fgpt-5.5', { kind: 'model', name: 'GPT-5.5', family: 'gpt-5', tier: 'frontier', open_weights: false })
  assert.equal(r.statusCode, 201, r.body)
  assert.equal(r.json().code, 'openai/gpt-5.5')
  r = await put('/v1/products/meta-llama/llama-3.1-70b-instruct', { kind: 'model', name: 'Llama 3.1 70B', family: 'llama-3.1', tier: 'mid', open_weights: true })
  assert.equal(r.statusCode, 201, r.body)
  assert.equal(r.json().code, 'meta-llama/llama-3.1-70b-instruct')
  assert.equal((await app.inject('/v1/products/openai%2Fgpt-5.5')).json().tier, 'frontier')
  assert.equal((await app.inject('/v1/products/openai/gpt-5.5')).json().name, 'GPT-5.5')
  assert.deepEqual((await app.inject('/v1/products?kind=model')).json().data.map((p: { code: string }) => p.code), ['meta-llama/llama-3.1-70b-instruct', 'openai/gpt-5.5'])
  assert.deepEqual((await app.inject('/v1/products?family=h100')).json().data.map((p: { code: string }) => p.code), ['h100-sxm'])
  assert.equal((await app.inject('/v1/products/nothing')).statusCode, 404)
})

test('product validation → 400: kind attributes, variant/tier enums, code pattern', async () => {
  const cases: Array<[string, unknown]> = [
    ['/v1/products/h100-sxm', { kind: 'gpu', name: 'x', family: 'h100' }],
    ['/v1/products/h100-sxm', { kind: 'gpu', name: 'x', family: 'h100', variant: 'sxm', tier: 'frontier' }],
    ['/v1/products/h100-sxm', { kind: 'gpu', name: 'x', family: 'h100', variant: 'hgx' }],
    ['/v1/products/x%2Fy', { kind: 'model', name: 'x', family: 'x', tier: 'huge', open_weights: false }],
    ['/v1/products/x%2Fy', { kind: 'model', name: 'x', family: 'x', tier: 'mid' }],
    ['/v1/products/x%2Fy', { kind: 'tpu', name: 'x', family: 'x' }],
    ['/v1/products/H100', { kind: 'gpu', name: 'x', family: 'h100', variant: 'sxm' }],
    ['/v1/products/a%2Fb%2Fc', { kind: 'gpu', name: 'x', family: 'h100', variant: 'sxm' }],
  ]
  for (const [url, body] of cases) assert.equal((await put(url, body)).statusCode, 400, `${url} ${JSON.stringify(body)}`)
})

test('a product with quotes keeps its kind (409); other attributes may change', async () => {
  await put('/v1/providers/lambda', { name: 'Lambda', kind: 'neocloud' })
  await put('/v1/products/a100-sxm', { kind: 'gpu', name: 'A100', family: 'a100', variant: 'sxm' })
  // No quotes yet: the kind may still change.
  assert.equal((await put('/v1/products/a100-sxm', { kind: 'model', name: 'A100?', family: 'a100', tier: 'mid', open_weights: true })).statusCode, 200)
  assert.equal((await put('/v1/products/a100-sxm', { kind: 'gpu', name: 'A100', family: 'a100', variant: 'sxm' })).statusCode, 200)
  assert.equal((await postQuotes(app, [gpuQuote({ product: 'a100-sxm', price: '1.5' })])).statusCode, 200)
  const r = await put('/v1/products/a100-sxm', { kind: 'model', name: 'A100', family: 'a100', tier: 'mid', open_weights: true })
  assert.equal(r.statusCode, 409)
  assert.equal(r.json().type, 'https://cpx.dev/problems/conflict')
  assert.equal((await put('/v1/products/a100-sxm', { kind: 'gpu', name: 'A100 SXM 80GB', family: 'a100', variant: 'sxm' })).statusCode, 200)
})

test('FX rates: PUT a list (upsert), GET with currency/from/to filters and cursor pages', async () => {
  let r = await put('/v1/fx-rates', {
    rates: [
      { date: '2026-11-02', currency: 'CNY', usd_per_unit: '0.1405', source: 'ECB' },
      { date: '2026-11-03', currency: 'CNY', usd_per_unit: 0.1401, source: 'ECB' },
      { date: '2026-11-02', currency: 'EUR', usd_per_unit: '1.0800', source: 'ECB' },
    ],
  })
  assert.equal(r.statusCode, 200, r.body)
  assert.deepEqual(r.json(), { created: 3, updated: 0 })
  r = await put('/v1/fx-rates', { rates: [{ date: '2026-11-02', currency: 'CNY', usd_per_unit: '0.1410', source: 'PBoC' }] })
  assert.deepEqual(r.json(), { created: 0, updated: 1 })
  const cny = (await app.inject('/v1/fx-rates?currency=CNY')).json().data
  assert.deepEqual(cny.map((x: { date: string, usd_per_unit: string, source: string }) => [x.date, x.usd_per_unit, x.source]), [['2026-11-03', '0.1401', 'ECB'], ['2026-11-02', '0.1410', 'PBoC']])
  assert.equal((await app.inject('/v1/fx-rates?from=2026-11-03')).json().data.length, 1)
  assert.equal((await app.inject('/v1/fx-rates?to=2026-11-02')).json().data.length, 2)
  const page1 = (await app.inject('/v1/fx-rates?limit=2')).json()
  assert.equal(page1.data.length, 2)
  const page2 = (await app.inject(`/v1/fx-rates?limit=2&cursor=${page1.next_cursor}`)).json()
  assert.deepEqual(page2.data.map((x: { currency: string }) => x.currency), ['EUR'])
  assert.equal(page2.next_cursor, null)
  assert.equal((await app.inject('/v1/fx-rates?cursor=abc')).statusCode, 400)
})

test('FX validation → 400: USD, bad codes, rates ≤ 0, a currency-day twice in one list', async () => {
  const bad: unknown[] = [
    { date: '2026-11-02', currency: 'USD', usd_per_unit: '1', source: 'x' },
    { date: '2026-11-02', currency: 'cny', usd_per_unit: '0.14', source: 'x' },
    { date: '2026-11-02', currency: 'XYZ', usd_per_unit: '0.14', source: 'x' },
    { date: '2026-02-30', currency: 'CNY', usd_per_unit: '0.14', source: 'x' },
    { date: '2026-11-02', currency: 'CNY', usd_per_unit: '0', source: 'x' },
    { date: '2026-11-02', currency: 'CNY', usd_per_unit: '-0.14', source: 'x' },
    { date: '2026-11-02', currency: 'CNY', usd_per_unit: 'abc', source: 'x' },
    { date: '2026-11-02', currency: 'CNY', usd_per_unit: '0.14' },
  ]
  for (const rate of bad) assert.equal((await put('/v1/fx-rates', { rates: [rate] })).statusCode, 400, JSON.stringify(rate))
  const twice = { date: '2026-11-05', currency: 'JPY', usd_per_unit: '0.0066', source: 'x' }
  const r = await put('/v1/fx-rates', { rates: [twice, { ...twice, usd_per_unit: '0.0067' }] })
  assert.equal(r.statusCode, 400)
  assert.ok(r.json().errors.some((e: { path: string }) => e.path === 'body/rates/1/date'), r.body)
  assert.equal((await put('/v1/fx-rates', { rates: [] })).statusCode, 400)
})

test('catalog and quote reads send an ETag and Cache-Control; If-None-Match gives 304', async () => {
  for (const url of ['/v1/providers', '/v1/products', '/v1/fx-rates', '/v1/quotes', '/v1/products/h100-sxm']) {
    const r = await app.inject(url)
    assert.equal(r.statusCode, 200, url)
    assert.match(String(r.headers.etag), /^".+"$/)
    assert.match(String(r.headers['cache-control']), /max-age=60/)
    const again = await app.inject({ url, headers: { 'if-none-match': String(r.headers.etag) } })
    assert.equal(again.statusCode, 304, url)
  }
})
