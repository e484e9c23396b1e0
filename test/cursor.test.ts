import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { cursorCodec } from '../src/http/cursor.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { insertFixings } from './helpers/read-fixings.ts'

// One cursor codec (src/http/cursor.ts) behind every paginated list: each list's cursor walks its pages;
// an edited body under the old tag, a cut tag, garbage, and a cursor of another list are all 400
// problem+json, never a page that skips or repeats rows.

test('every paginated list signs its cursors with the one codec and refuses edited or foreign ones', async (t) => {
  const app = await buildTestApp(t)
  const put = (url: string, payload: object) => app.inject({ method: 'PUT', url, headers: admin, payload })
  assert.equal((await put('/v1/fx-rates', { rates: ['2026-11-02', '2026-11-03'].map((date) => ({ date, currency: 'EUR', usd_per_unit: '1.08', source: 'ECB' })) })).statusCode, 200)
  assert.ok((await put('/v1/providers/lambda', { name: 'Lambda', kind: 'neocloud' })).statusCode < 300)
  assert.ok((await put('/v1/products/h100-sxm', { kind: 'gpu', name: 'H100 SXM', family: 'h100', variant: 'sxm' })).statusCode < 300)
  const quotes = ['2026-11-02T10:00:00Z', '2026-11-02T11:00:00Z'].map((t) => ({
    provider: 'lambda', product: 'h100-sxm', segment: 'on_demand', price: '2.99', currency: 'USD', unit: 'gpu_hour', observed_at: t,
  }))
  const posted = await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes } })
  assert.equal(posted.statusCode, 200, posted.body)
  const at = (d: string) => `${d}T00:15:00Z`
  await insertFixings(app.database, [
    { code: 'H100-SXM-OD', date: '2026-11-01', value: '2.9', published_at: at('2026-11-02') },
    { code: 'H100-SXM-OD', date: '2026-11-02', value: '3', published_at: at('2026-11-03') },
    { code: 'H100-SXM-OD', date: '2026-11-01', revision: 2, value: '2.95', published_at: at('2026-11-04'), reason: 'late_quotes' },
    { code: 'H100-SXM-OD', date: '2026-11-02', revision: 2, value: '3.05', published_at: at('2026-11-05'), reason: 'late_quotes' },
  ])
  const lists = {
    quotes: '/v1/quotes?limit=1',
    'fx-rates': '/v1/fx-rates?limit=1',
    history: '/v1/indices/H100-SXM-OD/values?limit=1&from=2026-11-01&to=2026-11-02',
    revisions: '/v1/revisions?limit=1',
  }
  const cursors: Record<string, string> = {}
  for (const [name, url] of Object.entries(lists)) {
    const first = await app.inject(url)
    assert.equal(first.statusCode, 200, `${name}: ${first.body}`)
    const cursor = first.json().next_cursor as string
    assert.match(cursor, /^[\w-]+\.[\w-]+$/, `${name} gives a cursor`)
    cursors[name] = cursor
    const second = await app.inject(`${url.split('?')[0]}?limit=1&cursor=${cursor}`)
    assert.equal(second.statusCode, 200, `${name} page 2: ${second.body}`)
    assert.equal(second.json().data.length, 1)
    assert.notDeepEqual(second.json().data[0], first.json().data[0], `${name}: page 2 is not page 1`)
  }
  for (const [name, url] of Object.entries(lists)) {
    const cursor = cursors[name]!
    const [body, mac] = cursor.split('.')
    const state = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>
    const edited = Object.fromEntries(Object.entries(state).map(([k, v]) => [k, typeof v === 'number' ? v + 1 : typeof v === 'string' ? v.replace(/\d$/, (d) => String((Number(d) + 1) % 10)) : v]))
    const forged = `${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${mac}`
    const foreign = Object.entries(cursors).filter(([other]) => other !== name).map(([, c]) => c)
    for (const bad of [forged, cursor.slice(0, -2), `${cursor}.x`, 'garbage', ...foreign]) {
      const res = await app.inject(`${url.split('?')[0]}?cursor=${encodeURIComponent(bad)}`)
      assert.equal(res.statusCode, 400, `${name} with ${bad}: ${res.body}`)
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
      assert.equal(res.json().type, 'https://cpx.dev/problems/invalid-cursor', `${name} with ${bad}`)
    }
  }
})

test('a cursor is bound to its list: the same position signed for one list is refused by another', async (t) => {
  const app = await buildTestApp(t)
  const position = z.object({ at: z.string(), id: z.string() })
  const cursor = await cursorCodec(app.db, 'quotes').encode({ at: '2026-11-02T10:00:00Z', id: '7' })
  assert.deepEqual(await cursorCodec(app.db, 'quotes').decode(cursor, position), { at: '2026-11-02T10:00:00Z', id: '7' })
  await assert.rejects(cursorCodec(app.db, 'fx-rates').decode(cursor, position), (err: Error & { statusCode?: number }) => err.statusCode === 400 && /signature mismatch/.test(err.message))
})
