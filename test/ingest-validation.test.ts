import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { countQuotes, gpuQuote, modelQuote, postQuotes, seededApp, type TestApp } from './helpers/ingest-seed.ts'

// Every rule of DESIGN §2, each with the bad row in the middle of a batch of good ones: the answer
// is 422 naming that row and field, and nothing of the batch is stored.

let app: TestApp
before(async () => { app = await seededApp() })

const future = (ms: number) => new Date(Date.now() + ms).toISOString()

// [name, bad row, expected error paths (field names under quotes/1/)]
const cases: Array<[string, unknown, string[]]> = [
  ['unknown provider', gpuQuote({ provider: 'nobody' }), ['provider']],
  ['unknown product', gpuQuote({ product: 'h999-sxm' }), ['product']],
  ['model segment on a GPU product', gpuQuote({ segment: 'input', unit: '1m_tokens' }), ['segment', 'unit']],
  ['GPU segment on a model product', modelQuote({ segment: 'on_demand', unit: 'gpu_hour' }), ['segment', 'unit']],
  ['unit of the other kind', gpuQuote({ unit: 'token' }), ['unit']],
  ['reserved without term_months', gpuQuote({ segment: 'reserved' }), ['term_months']],
  ['term_months off reserved', gpuQuote({ term_months: 12 }), ['term_months']],
  ['term_months below 1', gpuQuote({ segment: 'reserved', term_months: 0 }), ['term_months']],
  ['term_months not an integer', gpuQuote({ segment: 'reserved', term_months: 1.5 }), ['term_months']],
  ['instance_hour without gpus_per_instance', gpuQuote({ unit: 'instance_hour' }), ['gpus_per_instance']],
  ['gpus_per_instance off instance_hour', gpuQuote({ gpus_per_instance: 8 }), ['gpus_per_instance']],
  ['service_tier on a GPU quote', gpuQuote({ service_tier: 'batch' }), ['service_tier']],
  ['unknown service_tier', modelQuote({ service_tier: 'turbo' }), ['service_tier']],
  ['price -1 (sentinel)', gpuQuote({ price: -1 }), ['price']],
  ['price "-1" (OpenRouter dynamic)', modelQuote({ price: '-1' }), ['price']],
  ['price 0', gpuQuote({ price: 0 }), ['price']],
  ['price "0" (free model)', modelQuote({ price: '0' }), ['price']],
  ['price negative', gpuQuote({ price: '-2.5' }), ['price']],
  ['price "NaN"', gpuQuote({ price: 'NaN' }), ['price']],
  ['price "Infinity"', gpuQuote({ price: 'Infinity' }), ['price']],
  ['price "abc"', gpuQuote({ price: 'abc' }), ['price']],
  ['price empty string', gpuQuote({ price: '' }), ['price']],
  ['price with two points', gpuQuote({ price: '2.9.9' }), ['price']],
  ['price 1e+300 (exponent beyond range)', gpuQuote({ price: 1e300 }), ['price']],
  ['price "1e-40" (exponent beyond range)', gpuQuote({ price: '1e-40' }), ['price']],
  ['price too many digits', gpuQuote({ price: '12345678901234.5' }), ['price']],
  ['price a boolean', gpuQuote({ price: true }), ['price']],
  ['price missing', gpuQuote({ price: undefined }), ['price']],
  ['price that normalizes to 0', gpuQuote({ price: '0.000000000001', unit: 'gpu_month' }), ['price']],
  ['currency lower case', gpuQuote({ currency: 'usd' }), ['currency']],
  ['currency not ISO 4217', gpuQuote({ currency: 'XYZ' }), ['currency']],
  ['currency without an FX rate', gpuQuote({ currency: 'GBP' }), ['currency']],
  ['observed_at without offset', gpuQuote({ observed_at: '2026-11-02T12:00:00' }), ['observed_at']],
  ['observed_at a date only', gpuQuote({ observed_at: '2026-11-02' }), ['observed_at']],
  ['observed_at not a time', gpuQuote({ observed_at: 'yesterday' }), ['observed_at']],
  ['observed_at impossible', gpuQuote({ observed_at: '2026-13-40T00:00:00Z' }), ['observed_at']],
  ['observed_at an hour ahead', gpuQuote({ observed_at: future(3600_000) }), ['observed_at']],
  ['segment unknown', gpuQuote({ segment: 'weekly' }), ['segment']],
  ['unit unknown', gpuQuote({ unit: 'gpu_week' }), ['unit']],
  ['region unknown', gpuQuote({ region: 'mars' }), ['region']],
  ['provider missing', gpuQuote({ provider: undefined }), ['provider']],
  ['provider not a slug', gpuQuote({ provider: 'Lambda Labs' }), ['provider']],
  ['unknown field (typo)', { ...gpuQuote(), prcie: '2.99' }, ['prcie']],
  ['row not an object', 42, ['']],
]

for (const [name, bad, fields] of cases) {
  test(`422: ${name}`, async () => {
    const before = await countQuotes(app)
    const res = await postQuotes(app, [gpuQuote({ price: '3.01' }), bad, modelQuote({ price: '5.01' })])
    assert.equal(res.statusCode, 422, res.body)
    assert.match(res.headers['content-type'] as string, /application\/problem\+json/)
    const body = res.json()
    assert.equal(body.type, 'https://cpx.dev/problems/unprocessable')
    assert.deepEqual(body.errors.map((e: { path: string }) => e.path), fields.map((f) => f ? `quotes/1/${f}` : 'quotes/1'))
    for (const e of body.errors) { assert.equal(e.index, 1); assert.ok(e.reason.length > 5, e.reason) }
    assert.equal(await countQuotes(app), before, 'nothing stored')
  })
}

test('every bad row of a batch is listed, shape and catalog errors together, and nothing is stored', async () => {
  const batch = [gpuQuote({ price: '3.02' })]
  for (const [, bad] of cases) batch.push(bad as ReturnType<typeof gpuQuote>, gpuQuote({ price: '3.03', observed_at: `2026-11-0${batch.length % 9 + 1}T00:00:00Z` }))
  const before = await countQuotes(app)
  const res = await postQuotes(app, batch)
  assert.equal(res.statusCode, 422)
  const badIndexes = new Set(res.json().errors.map((e: { index: number }) => e.index))
  assert.deepEqual([...badIndexes], cases.map((_, i) => 1 + 2 * i))
  assert.match(res.json().detail, new RegExp(`^${cases.length} of ${batch.length} quotes are invalid; nothing was stored`))
  assert.equal(await countQuotes(app), before)
})

test('a quote up to 5 minutes ahead of the server clock is accepted (clock skew)', async () => {
  const res = await postQuotes(app, [gpuQuote({ observed_at: future(2 * 60_000), price: '2.11' })])
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.json().accepted, 1)
})

test('observed_at with an offset is accepted and stored as the same instant in UTC', async () => {
  const res = await postQuotes(app, [gpuQuote({ observed_at: '2026-11-03T07:30:00+08:00', price: '2.12' })])
  assert.equal(res.statusCode, 200, res.body)
  const q = (await app.inject('/v1/quotes?provider=lambda&from=2026-11-02T23:30:00Z&to=2026-11-02T23:30:00Z')).json().data
  assert.equal(q.length, 1)
  assert.equal(q[0].observed_at, '2026-11-02T23:30:00Z')
  assert.equal(q[0].observed_day, '2026-11-02')
})
