import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import { admin, buildTestApp } from './app.ts'
import { goldenCases, loadCase } from './golden.ts'

// Quotes for the curve and basket pages, small enough to work by hand. The five neocloud/marketplace
// providers of golden case 01 quote H100 SXM on two days (on demand, reserved 1 and 12 months; two of
// them 36 months, below min_providers); every index is a plain median of five contributors:
//              spot (OD)                 R1                       R12
//   1 Nov   2.00 2.10 2.20 2.30 2.40   1.90 … 2.30 → 2.10   1.40 1.50 1.60 1.70 1.80 → 1.60
//           → 2.20
//   2 Nov   2.10 2.20 2.30 2.40 2.50   1.90 … 2.30 → 2.10   1.50 1.60 1.70 1.80 1.90 → 1.70
//           → 2.30
// R3, R6, R24 have no quotes and R36 two providers: insufficient_data on both days.
// Baskets from 1 Nov: BUD (quantity) 1000 GPU-hours of H100-SXM-OD + 500 of H100-SXM-R12;
// MIX (percent, base 100 on 1 Nov) 60 % H100-SXM-OD + 40 % H100-SXM-R12.

export const DAY1 = '2026-11-01'
export const DAY2 = '2026-11-02'
export const GPU = 'H100-SXM'
const PROVIDERS = ['coreweave', 'crusoe', 'lambda', 'nebius', 'vast']
export const CODES = ['H100-SXM-OD', 'H100-SXM-R1', 'H100-SXM-R3', 'H100-SXM-R6', 'H100-SXM-R12', 'H100-SXM-R24', 'H100-SXM-R36']

export const quote = (day: string, provider: string, price: number, term?: number, hour = 10) => ({
  provider,
  product: 'h100-sxm',
  segment: term === undefined ? 'on_demand' : 'reserved',
  price: price.toFixed(2),
  currency: 'USD',
  unit: 'gpu_hour',
  observed_at: `${day}T${String(hour).padStart(2, '0')}:00:00Z`,
  ...(term === undefined ? {} : { term_months: term }),
})

const dayQuotes = (day: string, spot: number, r12: number) => [
  ...PROVIDERS.map((p, i) => quote(day, p, spot + i / 10)),
  ...PROVIDERS.map((p, i) => quote(day, p, 1.9 + i / 10, 1)),
  ...PROVIDERS.map((p, i) => quote(day, p, r12 + i / 10, 12)),
  quote(day, 'lambda', 1.2, 36), quote(day, 'nebius', 1.3, 36),
]

export type FixtureApp = Awaited<ReturnType<typeof buildTestApp>>

export async function computeDays (app: FixtureApp, from: string, to: string) {
  const res = await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from, to, indices: CODES } })
  assert.equal(res.statusCode, 200, res.body)
  return res.json()
}

export async function postQuotes (app: FixtureApp, quotes: object[]) {
  const res = await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes } })
  assert.equal(res.statusCode, 200, res.body)
}

export async function curveBasketApp (t: Pick<TestContext, 'after'>, env: Record<string, string> = {}): Promise<FixtureApp> {
  const app = await buildTestApp(t, { env })
  const base = goldenCases().find((c) => c.name === '01-basic-median')!
  await loadCase(app, { ...base, quotes: [] })
  await postQuotes(app, [...dayQuotes(DAY1, 2.0, 1.4), ...dayQuotes(DAY2, 2.1, 1.5)])
  await computeDays(app, DAY1, DAY2)
  const put = async (code: string, payload: object) => {
    const res = await app.inject({ method: 'PUT', url: `/v1/baskets/${code}`, headers: admin, payload })
    assert.equal(res.statusCode, 201, res.body)
  }
  await put('BUD', {
    name: 'H100 budget',
    mode: 'quantity',
    effective_from: DAY1,
    reason: 'budget',
    components: [{ code: 'H100-SXM-OD', quantity: '1000', unit: 'GPU-hour' }, { code: 'H100-SXM-R12', quantity: '500', unit: 'GPU-hour' }],
  })
  await put('MIX', {
    name: 'H100 spot and reserved',
    mode: 'percent',
    effective_from: DAY1,
    base_date: DAY1,
    reason: 'hedge mix',
    components: [{ code: 'H100-SXM-OD', weight: '60' }, { code: 'H100-SXM-R12', weight: '40' }],
  })
  return app
}
