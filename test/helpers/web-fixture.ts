import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { loadDemo } from '../../src/demo/load.ts'
import { admin, buildTestApp } from './app.ts'
import { testDatabase } from './db.ts'

// The pages' test data: 45 days of the bundled demo (so a 30-day change exists) and one restated day
// of H100-SXM-OD (late quotes, revision 2), so the chart has a revision to ring.

export const END = '2026-11-01'
export const DAYS = 45
export const FIRST = '2026-09-18'
export const CODE = 'H100-SXM-OD'
export const REVISED_DAY = '2026-10-20'

export async function demoDatabase (t: Pick<TestContext, 'after'>) {
  const database = await testDatabase(t)
  await loadDemo(database, { end: END, days: DAYS })
  const app = await buildTestApp(t, { database })
  // Late quotes from three providers well below the day's prices: the day's value moves, revision 2.
  const late = ['lambda', 'runpod', 'vast'].map((provider, i) => ({
    provider, product: 'h100-sxm', segment: 'on_demand', price: String(1.5 + i / 10), currency: 'USD', unit: 'gpu_hour', observed_at: `${REVISED_DAY}T23:0${i}:00Z`,
  }))
  const posted = await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes: late } })
  assert.equal(posted.statusCode, 200, posted.body)
  const computed = await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from: REVISED_DAY, to: REVISED_DAY, indices: [CODE] } })
  assert.equal(computed.statusCode, 200, computed.body)
  assert.equal(computed.json().indices[0].revised, 1, computed.body)
  return database
}
