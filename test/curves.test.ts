import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { admin, buildTestApp } from './helpers/app.ts'
import { goldenCases, loadCase } from './helpers/golden.ts'

// Term curves (docs/methodology.md, "Term curves"), computed by cpx_curve from stored fixings. A hand-made
// day: the five neocloud/marketplace providers of golden case 01 quote H100 SXM on 2026-11-02 on demand
// and reserved for 1 and 12 months, two of them for 36 months and one for a non-standard 4 months.
// Runs on embedded PGlite, and on the server database with DATABASE_URL set.
const base = goldenCases().find((c) => c.name === '01-basic-median')!
const DAY = '2026-11-02'
const PROVIDERS = ['coreweave', 'crusoe', 'lambda', 'nebius', 'vast']
const quote = (provider: string, price: string, term?: number, hour = 10) => ({
  provider,
  product: 'h100-sxm',
  segment: term === undefined ? 'on_demand' : 'reserved',
  price,
  currency: 'USD',
  unit: 'gpu_hour',
  observed_at: `${DAY}T${String(hour).padStart(2, '0')}:00:00Z`,
  ...(term === undefined ? {} : { term_months: term }),
})
const quotes = [
  // spot: 2.00 2.10 2.20 2.30 2.40, median 2.20
  ...PROVIDERS.map((p, i) => quote(p, (2.0 + i / 10).toFixed(2))),
  // 1 month: 1.90 2.00 2.10 2.20 2.30, median 2.10 (lambda 2.10)
  ...PROVIDERS.map((p, i) => quote(p, (1.9 + i / 10).toFixed(2), 1)),
  // 12 months: 1.50 1.60 1.70 1.80 1.90, median 1.70
  ...PROVIDERS.map((p, i) => quote(p, (1.5 + i / 10).toFixed(2), 12)),
  // 36 months: two providers only, below min_providers 3
  quote('lambda', '1.20', 36), quote('nebius', '1.30', 36),
  // 4 months is no standard term: counted by no index, and not at 3 or 6 months
  ...PROVIDERS.map((p) => quote(p, '1.00', 4)),
]
const CODES = ['H100-SXM-OD', 'H100-SXM-R1', 'H100-SXM-R3', 'H100-SXM-R6', 'H100-SXM-R12', 'H100-SXM-R24', 'H100-SXM-R36']

async function setup (t: Parameters<typeof buildTestApp>[0]) {
  const app = await buildTestApp(t)
  await loadCase(app, { ...base, quotes })
  const res = await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from: DAY, to: DAY, indices: CODES } })
  assert.equal(res.statusCode, 200, res.body)
  return app
}

type Point = { term_months: number, index_code: string, status: string, value: string | null, revision: number | null, published_at: Date | string | null, premium: string | null, premium_pct: string | null }
const curve = async (app: Awaited<ReturnType<typeof setup>>, at: string = 'infinity') =>
  (await sql<Point>`select * from cpx_curve('H100-SXM', ${DAY}::date, ${at}::timestamptz)`.execute(app.db)).rows
const figures = (rows: Point[]) => rows.map((r) => [r.term_months, r.index_code, r.status, r.value, r.premium, r.premium_pct])

test('the curve day by hand: spot, each standard term with value and premium; a thin term and a missing term are insufficient_data, never interpolated', async (t) => {
  const app = await setup(t)
  assert.deepEqual(figures(await curve(app)), [
    [0, 'H100-SXM-OD', 'ok', '2.200000', '0.000000', '0.0000'],
    // 2.10 / 2.20 - 1 = -0.0454545… → -0.045455, -4.5455 %
    [1, 'H100-SXM-R1', 'ok', '2.100000', '-0.045455', '-4.5455'],
    // no 3- or 6-month quote: the 4-month quotes count at neither
    [3, 'H100-SXM-R3', 'insufficient_data', null, null, null],
    [6, 'H100-SXM-R6', 'insufficient_data', null, null, null],
    // 1.70 / 2.20 - 1 = -0.2272727… → -0.227273, -22.7273 %
    [12, 'H100-SXM-R12', 'ok', '1.700000', '-0.227273', '-22.7273'],
    [24, 'H100-SXM-R24', 'insufficient_data', null, null, null],
    // two providers < min_providers 3
    [36, 'H100-SXM-R36', 'insufficient_data', null, null, null],
  ])
})

test('a past curve is the curve as published: before and after a revision of one term', async (t) => {
  const app = await setup(t)
  const before = await curve(app)
  const r1 = before.find((p) => p.term_months === 1)!
  assert.equal(r1.revision, 1)
  // lambda quotes 1 month again at 2.50: its day value (2.10 + 2.50) / 2 = 2.30;
  // 1.90 2.00 2.20 2.30 2.30 → median 2.20, premium 2.20 / 2.20 - 1 = 0
  const late = await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes: [quote('lambda', '2.50', 1, 23)] } })
  assert.equal(late.statusCode, 200, late.body)
  const res = await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from: DAY, to: DAY, indices: CODES } })
  assert.equal(res.statusCode, 200, res.body)
  const after = await curve(app)
  assert.deepEqual(figures(after).find((p) => p[0] === 1), [1, 'H100-SXM-R1', 'ok', '2.200000', '0.000000', '0.0000'])
  assert.equal(after.find((p) => p.term_months === 1)!.revision, 2)
  // as of revision 1's publication the curve is exactly the first one. Each index of the run is
  // published at its own clock_timestamp, kept to the microsecond, and a JS Date floors it to the
  // millisecond: one millisecond after the latest first publication is on or after every one of them
  const first = Math.max(...before.filter((p) => p.published_at !== null).map((p) => new Date(p.published_at!).getTime()))
  const at = new Date(first + 1).toISOString()
  assert.ok(at < new Date(after.find((p) => p.term_months === 1)!.published_at!).toISOString())
  assert.deepEqual(figures(await curve(app, at)), figures(before))
  // before anything was published every point is insufficient_data
  assert.ok((await curve(app, '2000-01-01T00:00:00Z')).every((p) => p.status === 'insufficient_data' && p.value === null))
})

test('the curve routes: list, latest, one day as of a time, ETag; a non-standard term is a 400 naming terms; an unknown GPU a 404', async (t) => {
  const app = await setup(t)
  const list = await app.inject('/v1/curves')
  assert.equal(list.statusCode, 200, list.body)
  assert.deepEqual(list.json().data, [{
    gpu: 'H100-SXM',
    spot: 'H100-SXM-OD',
    terms: [1, 3, 6, 12, 24, 36].map((n) => ({ term_months: n, index_code: `H100-SXM-R${n}` })),
    curve: '/v1/curves/H100-SXM',
  }])
  const latest = await app.inject('/v1/curves/H100-SXM')
  assert.equal(latest.statusCode, 200, latest.body)
  const body = latest.json()
  assert.equal(body.date, DAY)
  assert.equal(body.unit, 'USD/GPU-hour')
  assert.deepEqual(body.points.map((p: Record<string, unknown>) => [p.term_months, p.value, p.premium, p.premium_pct]), [
    [0, 2.2, '0.000000', '0.0000'], [1, 2.1, '-0.045455', '-4.5455'], [3, null, null, null], [6, null, null, null],
    [12, 1.7, '-0.227273', '-22.7273'], [24, null, null, null], [36, null, null, null],
  ])
  assert.equal(body.points[1].history, '/v1/indices/H100-SXM-R1/values')
  assert.ok(latest.headers.etag && latest.headers['cache-control'])
  assert.equal((await app.inject({ url: '/v1/curves/H100-SXM', headers: { 'if-none-match': String(latest.headers.etag) } })).statusCode, 304)

  const some = await app.inject(`/v1/curves/H100-SXM/${DAY}?terms=12,1`)
  assert.equal(some.statusCode, 200, some.body)
  assert.deepEqual(some.json().points.map((p: { term_months: number }) => p.term_months), [0, 1, 12])
  const before = await app.inject(`/v1/curves/H100-SXM/${DAY}?as_of=2026-01-01T00:00:00Z`)
  assert.equal(before.statusCode, 200, before.body)
  assert.ok(before.json().points.every((p: { status: string }) => p.status === 'insufficient_data'))

  for (const terms of ['4', '12,18', 'x', '']) {
    const bad = await app.inject(`/v1/curves/H100-SXM/${DAY}?terms=${terms}`)
    assert.equal(bad.statusCode, 400, `${terms}: ${bad.body}`)
    assert.match(bad.headers['content-type'] as string, /problem\+json/)
    assert.match(bad.body, /terms/)
  }
  const unknown = await app.inject('/v1/curves/Z999')
  assert.equal(unknown.statusCode, 404, unknown.body)
  assert.equal((await app.inject('/v1/curves/h100%20sxm')).statusCode, 400)
})

test('another GPU has a curve once its term index is defined: H200 SXM 12 months through PUT /v1/indices, computed from its quotes', async (t) => {
  const app = await buildTestApp(t)
  await loadCase(app, { ...base, products: [...base.products, { code: 'h200-sxm', kind: 'gpu', name: 'H200 SXM 141GB', family: 'h200', variant: 'sxm' }], quotes: [] })
  const definition = {
    name: 'H200 SXM reserved 12 months',
    kind: 'gpu',
    segments: { reserved: 1 },
    term_months: 12,
    filter: { families: ['h200'], variants: ['sxm'], provider_kinds: ['neocloud', 'marketplace'] },
  }
  const put = await app.inject({ method: 'PUT', url: '/v1/indices/H200-SXM-R12', headers: admin, payload: definition })
  assert.equal(put.statusCode, 201, put.body)
  const h200 = (price: string, term?: number) => ({ ...quote(PROVIDERS[0]!, price, term), product: 'h200-sxm' })
  // spot 3.00 3.20 3.40 3.60 3.80 → 3.40; 12 months 2.50 2.60 2.70 2.80 2.90 → 2.70: 2.70 / 3.40 - 1 = -0.2058823… → -0.205882
  const quotes = PROVIDERS.flatMap((p, i) => [{ ...h200((3 + i / 5).toFixed(2)), provider: p }, { ...h200((2.5 + i / 10).toFixed(2), 12), provider: p }])
  const posted = await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes } })
  assert.equal(posted.statusCode, 200, posted.body)
  const res = await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from: DAY, to: DAY, indices: ['H200-SXM-OD', 'H200-SXM-R12'] } })
  assert.equal(res.statusCode, 200, res.body)
  const list = (await app.inject('/v1/curves')).json().data as Array<{ gpu: string, spot: string, terms: unknown[] }>
  assert.deepEqual(list.find((c) => c.gpu === 'H200-SXM'), { gpu: 'H200-SXM', spot: 'H200-SXM-OD', terms: [{ term_months: 12, index_code: 'H200-SXM-R12' }], curve: '/v1/curves/H200-SXM' })
  const curve = await app.inject(`/v1/curves/H200-SXM/${DAY}`)
  assert.equal(curve.statusCode, 200, curve.body)
  assert.deepEqual(curve.json().points.map((p: Record<string, unknown>) => [p.term_months, p.index_code, p.status, p.value, p.premium, p.premium_pct]), [
    [0, 'H200-SXM-OD', 'ok', 3.4, '0.000000', '0.0000'],
    [12, 'H200-SXM-R12', 'ok', 2.7, '-0.205882', '-20.5882'],
  ])
})
