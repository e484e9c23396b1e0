import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parse } from 'csv-parse/sync'
import createClient from 'openapi-fetch'
import type { paths } from '../packages/client/src/openapi.d.ts'
import { buildTestApp } from './helpers/app.ts'
import { listenApp } from './helpers/http.ts'
import { days, insertFixings } from './helpers/read-fixings.ts'

// The generated typed client (openapi-typescript types + openapi-fetch) against a listening server:
// what an engineer who generates a client from openapi/openapi.json gets.

const CODE = 'TOK-FRONTIER-BLEND'

test('typed client: latest, history pages, one day with constituents, averages, CSV, problem errors', async (t) => {
  const app = await buildTestApp(t)
  const dates = days('2026-09-01', 12)
  await insertFixings(app.database, dates.map((date, i) => ({
    code: CODE,
    date,
    value: (8.5 + i / 100).toFixed(6),
    published_at: `${date}T23:59:00Z`,
    constituents: [{ provider: 'openai', product: 'openai/gpt-5.5', value: '12.5', segments: { input: '5', output: '30' }, quote_ids: [i + 1, i + 100] }],
  })))
  const address = await listenApp(app)
  const client = createClient<paths>({ baseUrl: address })

  const latest = await client.GET('/v1/indices/{code}/latest', { params: { path: { code: CODE } } })
  assert.equal(latest.response.status, 200)
  assert.equal(latest.data?.date, '2026-09-12')
  assert.equal(latest.data?.value, 8.61)
  assert.equal(latest.data?.unit, 'USD/1M tokens')
  assert.equal(latest.response.headers.get('etag'), `"${latest.data?.hash.slice(7)}"`)

  const seen: string[] = []
  let cursor: string | undefined
  do {
    const page = await client.GET('/v1/indices/{code}/values', { params: { path: { code: CODE }, query: { from: '2026-09-01', limit: 5, cursor } } })
    assert.equal(page.response.status, 200)
    const body = page.data as { data: { date: string }[], next_cursor: string | null }
    seen.push(...body.data.map((f) => f.date))
    cursor = body.next_cursor ?? undefined
  } while (cursor)
  assert.deepEqual(seen, dates)

  const day = await client.GET('/v1/indices/{code}/values/{date}', { params: { path: { code: CODE, date: '2026-09-03' }, query: { include: 'constituents' } } })
  assert.deepEqual(day.data?.constituents?.[0]?.segments, { input: 5, output: 30 })

  const avg = await client.GET('/v1/indices/{code}/averages', { params: { path: { code: CODE }, query: { period: 'month' } } })
  const rows = (avg.data as { data: { value: number | null, n_days: number }[] }).data
  assert.equal(rows[0]?.n_days, 12)
  assert.equal(rows[0]?.value, 8.555)

  const csv = await client.GET('/v1/indices/{code}/values.csv', { params: { path: { code: CODE } }, parseAs: 'text' })
  assert.equal(csv.response.status, 200)
  assert.match(csv.response.headers.get('content-type') ?? '', /^text\/csv/)
  const records = parse(csv.data as unknown as string, { columns: true }) as { date: string, value: string }[]
  assert.deepEqual(records.map((r) => Number(r.value)), dates.map((_, i) => Number((8.5 + i / 100).toFixed(6))))

  const missing = await client.GET('/v1/indices/{code}/latest', { params: { path: { code: 'NOPE' } } })
  assert.equal(missing.response.status, 404)
  assert.equal(missing.error?.type, 'https://cpx.dev/problems/index-not-found')
})
