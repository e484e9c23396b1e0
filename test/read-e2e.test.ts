import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { parse } from 'csv-parse/sync'
import { buildApp } from '../src/app.ts'
import { connect } from '../src/db/connect.ts'
import { admin, buildTestApp, testConfig } from './helpers/app.ts'
import { onServer } from './helpers/db.ts'

// The read API on fixings the engine computed from real quotes (golden case 01 through the HTTP API),
// then a late quote and a recompute: revision 2 reaches /latest at once (cache invalidated by
// NOTIFY, on a second instance too when the database is a server), as_of still gives revision 1.

const golden = JSON.parse(readFileSync('/work/shared/golden/v1/01-basic-median.json', 'utf8'))
const CODE = 'H100-SXM-OD' // the default definition has golden case 01's filter and methodology
const DAY = '2026-11-02'
const FIGURES = ['status', 'value', 'level', 'window_days', 'n_providers', 'n_contributors', 'n_quotes', 'n_excluded', 'min', 'p25', 'p75', 'max', 'hhi', 'max_provider_impact']

type Inject = Awaited<ReturnType<typeof buildTestApp>>['inject']
async function eventually (check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`not true within ${ms} ms`)
    await sleep(20)
  }
}

test('reads of computed fixings: golden figures, constituents, restatement after a late quote, as_of, cache, CSV, averages', async (t) => {
  const app = await buildTestApp(t)
  const call = (method: string, url: string, payload?: unknown) => app.inject({ method: method as 'GET', url, headers: admin, payload: payload as object })
  for (const { slug, ...body } of golden.providers) assert.equal((await call('PUT', `/v1/providers/${slug}`, body)).statusCode < 300, true)
  for (const { code, ...body } of golden.products) assert.equal((await call('PUT', `/v1/products/${encodeURIComponent(code)}`, body)).statusCode < 300, true)
  assert.equal((await call('POST', '/v1/quotes', { quotes: golden.quotes })).statusCode, 200)
  const computed = await call('POST', '/v1/indices/compute', { from: DAY, to: DAY, indices: [CODE] })
  assert.ok(computed.statusCode < 300, computed.body)

  // A second instance (server database only): its own connection and LISTEN, its own cache.
  let other: { inject: Inject } | undefined
  if (onServer) {
    const second = await connect({ DATABASE_URL: (app.database as { url?: string }).url!, DATA_DIR: '' })
    const b = await buildApp(testConfig(), { database: second })
    t.after(async () => { await b.close(); await second.close() })
    other = b
  }

  const latest = (await app.inject(`/v1/indices/${CODE}/latest`)).json()
  const want = golden.fixings[0]
  for (const f of FIGURES) assert.deepEqual(latest[f], want[f], f)
  assert.deepEqual([latest.date, latest.revision, latest.unit], [DAY, 1, 'USD/GPU-hour'])
  assert.match(latest.hash, /^sha256:[0-9a-f]{64}$/)
  if (other) assert.equal((await other.inject(`/v1/indices/${CODE}/latest`)).json().revision, 1) // warm the other cache
  const history = `/v1/indices/${CODE}/values?from=${DAY}&to=${DAY}`
  assert.equal((await app.inject(history)).json().data[0].revision, 1) // and this one's page of history

  const day = (await app.inject(`/v1/indices/${CODE}/values/${DAY}?include=constituents`)).json()
  assert.deepEqual(day.constituents.map((c: Record<string, unknown>) => [c.provider, c.value, c.segments, c.n_quotes, (c.quote_ids as string[]).length, c.excluded, c.reason]),
    want.constituents.map((c: Record<string, unknown>) => [c.provider, c.value, c.segments, c.n_quotes, (c.quotes as number[]).length, c.excluded, c.reason]))

  // A late quote from a sixth provider: the recompute publishes revision 2 (median of six: 3.02).
  assert.ok((await call('PUT', '/v1/providers/fluidstack', { name: 'Fluidstack', kind: 'neocloud' })).statusCode < 300)
  const late = { provider: 'fluidstack', product: 'h100-sxm', segment: 'on_demand', price: '3.05', currency: 'USD', unit: 'gpu_hour', observed_at: `${DAY}T16:00:00Z` }
  assert.equal((await call('POST', '/v1/quotes', { quotes: [late] })).statusCode, 200)
  assert.ok((await call('POST', '/v1/indices/compute', { from: DAY, to: DAY, indices: [CODE] })).statusCode < 300)
  // The instance that computed reads its own write at once (its caches were dropped on commit); others
  // on the NOTIFY, just after.
  assert.equal((await app.inject(`/v1/indices/${CODE}/latest`)).json().revision, 2)
  assert.equal((await app.inject(history)).json().data[0].revision, 2)
  const now = (await app.inject(`/v1/indices/${CODE}/latest`)).json()
  assert.equal(now.value, 3.02)
  assert.notEqual(now.hash, latest.hash)
  if (other) await eventually(async () => (await other.inject(`/v1/indices/${CODE}/latest`)).json().value === 3.02)

  const then = (await app.inject(`/v1/indices/${CODE}/values/${DAY}?as_of=${encodeURIComponent(latest.published_at)}`)).json()
  assert.deepEqual([then.revision, then.value, then.hash], [1, 2.99, latest.hash])
  const revs = (await app.inject(`/v1/indices/${CODE}/values/${DAY}/revisions`)).json().data
  assert.deepEqual(revs.map((r: { revision: number, value: number }) => [r.revision, r.value]), [[1, 2.99], [2, 3.02]])
  assert.equal(revs[0].superseded_at, now.published_at)
  const register = (await app.inject(`/v1/revisions?code=${CODE}`)).json().data
  assert.deepEqual(register.map((r: Record<string, unknown>) => [r.date, r.revision, r.previous_value, r.value, r.change]), [[DAY, 2, 2.99, 3.02, 0.03]])

  const csv = await app.inject(`/v1/indices/${CODE}/values.csv`)
  const rows = parse(csv.body, { columns: true }) as Record<string, string>[]
  assert.deepEqual(rows.map((r) => [r.date, Number(r.value), Number(r.p25), Number(r.revision)]), [[DAY, 3.02, now.p25, 2]])
  const avg = (await app.inject(`/v1/indices/${CODE}/averages?period=month`)).json().data
  assert.deepEqual(avg.map((a: Record<string, unknown>) => [a.period_start, a.value, a.n_days, a.revisions]), [['2026-11-01', 3.02, 1, [{ date: DAY, revision: 2 }]]])
})
