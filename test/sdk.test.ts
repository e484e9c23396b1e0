import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CpxClient, CpxProblem, parseCsv, retryAfterMs } from '../packages/client/src/index.ts'
import { ADMIN_KEY, buildTestApp } from './helpers/app.ts'
import { listenApp } from './helpers/http.ts'
import { days, insertFixings } from './helpers/read-fixings.ts'

// The official SDK (packages/client) against a listening server (app.listen on port 0): real HTTP,
// real database. A fetch wrapper only records the statuses the server answered.

const CODE = 'H100-SXM-OD'

function recordingFetch (): { fetch: typeof fetch, statuses: number[] } {
  const statuses: number[] = []
  return {
    statuses,
    fetch: async (input, init) => {
      const res = await fetch(input, init)
      statuses.push(res.status)
      return res
    },
  }
}

test('SDK: indices, latest, a year of history with for-await, a day with constituents, a typed 404, CSV, ETag cache', async (t) => {
  const app = await buildTestApp(t)
  const dates = days('2025-10-01', 365)
  await insertFixings(app.database, dates.map((date, i) => ({
    code: CODE,
    date,
    value: (2 + i / 1000).toFixed(6),
    published_at: `${date}T23:59:00Z`,
    constituents: [{ provider: 'lambda', product: 'h100-sxm', value: '2.49', segments: {}, quote_ids: [i + 1] }],
  })))
  const address = await listenApp(app)
  const rec = recordingFetch()
  const cpx = new CpxClient({ baseUrl: address, fetch: rec.fetch })

  const indices = await cpx.listIndices()
  assert.ok(indices.data.some((i) => i.code === CODE))

  const latest = await cpx.latest(CODE)
  assert.equal(latest.date, '2026-09-30')
  assert.equal(latest.value, 2.364) // 2 + 364/1000
  assert.equal(latest.unit, 'USD/GPU-hour')

  const seen: string[] = []
  let sum = 0
  for await (const f of cpx.history(CODE, { from: '2025-10-01', to: '2026-09-30', limit: 100 })) {
    seen.push(f.date)
    sum += f.value ?? 0
  }
  assert.deepEqual(seen, dates) // 365 days over 4 pages
  assert.equal(Math.round(sum * 1000) / 1000, 796.43) // 365·2 + (0+…+364)/1000 = 730 + 66.43

  const day = await cpx.day(CODE, '2026-03-01', { constituents: true })
  assert.equal(day.value, 2.151) // 2026-03-01 is day 151 after 2025-10-01
  assert.equal(day.constituents?.[0]?.provider, 'lambda')
  assert.equal(day.constituents?.[0]?.value, 2.49)

  const missing = await cpx.latest('NOPE').then(() => undefined, (e: unknown) => e)
  assert.ok(missing instanceof CpxProblem)
  assert.equal(missing.status, 404)
  assert.equal(missing.type, 'https://cpx.dev/problems/index-not-found')
  assert.match(missing.problem.detail, /NOPE/)

  const csv = await cpx.valuesCsv(CODE, { from: '2026-09-29' })
  assert.deepEqual(csv.map((r) => [r.date, Number(r.value)]), [['2026-09-29', 2.363], ['2026-09-30', 2.364]])
  assert.deepEqual(await cpx.csv(`/v1/indices/${CODE}/values.csv`, { from: '2026-09-29' }), csv)
  const months = await cpx.averagesCsv(CODE, { period: 'month', from: '2026-09-01', to: '2026-09-30' })
  const json = await cpx.averages(CODE, { period: 'month', from: '2026-09-01', to: '2026-09-30' })
  assert.deepEqual(months.map((r) => [r.period_start, Number(r.value)]), json.data.map((m) => [m.period_start, m.value]))

  // conditional GET: the second read sends If-None-Match, the server answers 304, the cached body is returned
  rec.statuses.length = 0
  const again = await cpx.latest(CODE)
  assert.deepEqual(rec.statuses, [304])
  assert.deepEqual(again, latest)
})

test('SDK: a write without a key is a typed 401, with the key it is stored', async (t) => {
  const app = await buildTestApp(t)
  const address = await listenApp(app)
  const body = { name: 'Example Cloud', kind: 'neocloud' as const, website: 'https://cloud.example.com' }

  const anonymous = await new CpxClient({ baseUrl: address }).putProvider('example-cloud', body).then(() => undefined, (e: unknown) => e)
  assert.ok(anonymous instanceof CpxProblem)
  assert.equal(anonymous.status, 401)
  assert.equal(anonymous.problem.status, 401)

  const stored = await new CpxClient({ baseUrl: address, apiKey: ADMIN_KEY }).putProvider('example-cloud', body)
  assert.equal(stored.slug, 'example-cloud')
  assert.equal(stored.name, 'Example Cloud')
  const back = await new CpxClient({ baseUrl: address }).getJson<{ name: string }>('/v1/providers/example-cloud')
  assert.equal(back.name, 'Example Cloud')
})

test('SDK: a 429 is retried after its Retry-After, and given up when Retry-After is longer than maxDelayMs', async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW: '1 s' } })
  const address = await listenApp(app)
  const rec = recordingFetch()
  const cpx = new CpxClient({ baseUrl: address, fetch: rec.fetch, cacheSize: 0 })
  for (let i = 0; i < 3; i++) await cpx.listIndices()
  assert.equal(rec.statuses[2], 429) // the third in the window was refused...
  assert.equal(rec.statuses.at(-1), 200) // ...and retried once the window had passed
  assert.equal(rec.statuses.filter((s) => s === 200).length, 3)

  const impatient = new CpxClient({ baseUrl: address, maxDelayMs: 10, cacheSize: 0 })
  let refused: unknown
  for (let i = 0; i < 4 && refused === undefined; i++) refused = await impatient.listIndices().then(() => undefined, (e: unknown) => e)
  assert.ok(refused instanceof CpxProblem)
  assert.equal(refused.status, 429)
  assert.ok(Number(refused.headers.get('retry-after')) >= 1)
})

test('SDK helpers: Retry-After as seconds or a date; RFC 4180 CSV', () => {
  assert.equal(retryAfterMs('3'), 3000)
  assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z')), 10_000)
  assert.equal(retryAfterMs(null), undefined)
  assert.equal(retryAfterMs('soon'), undefined)
  assert.deepEqual(parseCsv('a,b\r\n"x, ""y""",2\n'), [['a', 'b'], ['x, "y"', '2']])
})
