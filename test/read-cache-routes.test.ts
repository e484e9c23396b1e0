import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { sql } from 'kysely'
import { admin, buildTestApp } from './helpers/app.ts'
import { insertFixings } from './helpers/read-fixings.ts'
import { CACHED_ROUTES } from '../src/plugins/read-cache.ts'

// The answer cache of the read routes (src/plugins/read-cache.ts): each answer is kept as sent after the
// first request, so a row written without an announcement is not seen; an announcement of its index (or,
// for the catalog-wide answers, of any index) drops it. multi-instance.test.ts shows it across processes.

const CODE = 'H100-SXM-OD'
const ROUTES = [
  '/v1/indices', `/v1/indices/${CODE}`, `/v1/indices/${CODE}/latest`, `/v1/indices/${CODE}/latest.csv`,
  `/v1/indices/${CODE}/values?from=2026-09-01&to=2026-09-30`, `/v1/indices/${CODE}/values.csv?from=2026-09-01`, `/v1/indices/${CODE}/values?limit=1`, `/v1/indices/${CODE}/values/2026-09-02`, `/v1/indices/${CODE}/values/2026-09-02/revisions`,
  `/v1/indices/${CODE}/averages?period=month`, `/v1/indices/${CODE}/averages.csv?period=month`, '/v1/revisions',
  `/v1/indices/${CODE}/chart.svg?from=2026-09-01&to=2026-09-30`, '/', `/indices/${CODE}`, `/embed/${CODE}`,
]
const silentRevision = (hash: string) => sql`insert into fixings (index_code, date, revision, status, value, window_days, n_providers, n_contributors,
  n_quotes, n_excluded, methodology_version, reason, hash, published_at) values (${CODE}, '2026-09-02', 2, 'ok', 3.3, 1, 3, 3, 5, 0, 1, 'late_quotes',
  ${'sha256:' + hash.repeat(64)}, '2026-09-05T00:15:00Z')`

/** The headers of an answer but those that change per request (its id, the rate limit left, the date). */
const stable = (headers: Record<string, unknown>) => Object.fromEntries(Object.entries(headers)
  .filter(([k]) => !['x-request-id', 'ratelimit', 'date', 'connection', 'keep-alive'].includes(k)).sort(([a], [b]) => a.localeCompare(b)))

async function eventually (check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`not true within ${ms} ms`)
    await sleep(20)
  }
}

test('every cached read route serves its first answer until a fixing of its index is announced', async (t) => {
  // every route template on the hit path is exercised below
  for (const template of CACHED_ROUTES) {
    const path = new RegExp('^' + template.replace(/\./g, '\\.').replace(/:[a-z]+/g, '[^/]+') + '$')
    assert.ok(ROUTES.some((url) => path.test(url.split('?')[0]!)), `${template} is not among ROUTES`)
  }
  const app = await buildTestApp(t)
  await insertFixings(app.database, [
    { code: CODE, date: '2026-09-01', value: '2.9', published_at: '2026-09-02T00:15:00Z' },
    { code: CODE, date: '2026-09-02', value: '3.1', published_at: '2026-09-03T00:15:00Z' },
  ])
  await sleep(300) // the announcements above have arrived before the first answers are kept
  const first = new Map<string, { body: string, etag: string, type: string, headers: Record<string, unknown> }>()
  for (const url of ROUTES) {
    const res = await app.inject(url)
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`)
    first.set(url, { body: res.body, etag: String(res.headers.etag), type: String(res.headers['content-type']), headers: stable(res.headers) })
  }
  await silentRevision('c').execute(app.db)
  for (const url of ROUTES) {
    const res = await app.inject(url)
    const was = first.get(url)!
    assert.deepEqual([res.statusCode, res.body, res.headers.etag, res.headers['content-type']], [200, was.body, was.etag, was.type], url)
    // a hit sends the very headers of the miss it replays (prepared when it was kept), the per-request ones aside
    assert.deepEqual(stable(res.headers), was.headers, url)
    const again = await app.inject({ url, headers: { 'if-none-match': was.etag } })
    assert.deepEqual([again.statusCode, again.body, again.headers.etag, again.headers['content-type'], again.headers['cache-control']],
      [304, '', was.etag, undefined, was.headers['cache-control']], url)
  }
  // The embeddable page keeps its own framing policy on a hit: no X-Frame-Options, its CSP.
  const embed = await app.inject(`/embed/${CODE}`)
  assert.equal(embed.headers['x-frame-options'], undefined)
  assert.match(String(embed.headers['content-security-policy']), /frame-ancestors/)
  // Another index's announcement drops the catalog-wide answers only; this index's drops them all.
  await sql`select pg_notify('cpx_fixings', '{"code":"H100-SXM-SPOT"}')`.execute(app.db)
  await eventually(async () => (await app.inject('/v1/revisions')).json().data.length === 1)
  assert.equal((await app.inject(`/v1/indices/${CODE}/values/2026-09-02`)).json().revision, 1)
  await sql`select pg_notify('cpx_fixings', ${JSON.stringify({ code: CODE })})`.execute(app.db)
  await eventually(async () => (await app.inject(`/v1/indices/${CODE}/values/2026-09-02`)).json().revision === 2)
  for (const url of ROUTES) assert.notEqual((await app.inject(url)).body, first.get(url)!.body, url)
})

test('a definition change through the admin API drops the cached catalog and index at once', async (t) => {
  const app = await buildTestApp(t)
  // the definition's filter names the h100 family: its products must exist
  const golden = JSON.parse(readFileSync('/work/shared/golden/v1/01-basic-median.json', 'utf8'))
  for (const { code, ...product } of golden.products) {
    assert.ok((await app.inject({ method: 'PUT', url: `/v1/products/${encodeURIComponent(code)}`, headers: admin, payload: product })).statusCode < 300)
  }
  const one = (await app.inject(`/v1/indices/${CODE}`)).json()
  const listed = (await app.inject('/v1/indices')).json().data.find((d: { code: string }) => d.code === CODE)
  assert.equal(listed.name, one.name)
  const { code: _c, latest: _l, unit: _u, methodology_version: _v, created_at: _ca, updated_at: _ua, ...body } = one
  const put = await app.inject({ method: 'PUT', url: `/v1/indices/${CODE}`, headers: admin, payload: { ...body, name: 'Renamed' } })
  assert.equal(put.statusCode, 200, put.body)
  // no wait: the instance that wrote drops its answers before it replies
  assert.equal((await app.inject(`/v1/indices/${CODE}`)).json().name, 'Renamed')
  assert.equal((await app.inject('/v1/indices')).json().data.find((d: { code: string }) => d.code === CODE).name, 'Renamed')
  // A definition written by another process (SQL here) is announced by the trigger of sql/functions/cpx_notify_index_definition.sql.
  await sql`update index_definitions set name = 'Renamed again' where code = ${CODE}`.execute(app.db)
  await eventually(async () => (await app.inject(`/v1/indices/${CODE}`)).json().name === 'Renamed again')
})

test('bad parameters are refused before the cache: the same 400 on the first and the second request', async (t) => {
  const app = await buildTestApp(t)
  for (let i = 0; i < 2; i++) {
    const res = await app.inject(`/v1/indices/${CODE}/averages?period=decade`)
    assert.equal(res.statusCode, 400)
    assert.match(res.body, /period/)
  }
  assert.equal((await app.inject('/v1/indices/NO-SUCH/values/2026-09-02')).statusCode, 404)
})

test('a hit is answered after auth: with READ_API_KEY_REQUIRED a kept answer is refused without a key and with a wrong one', async (t) => {
  const app = await buildTestApp(t, { env: { READ_API_KEY_REQUIRED: 'true' } })
  await insertFixings(app.database, [{ code: CODE, date: '2026-09-02', value: '3.1', published_at: '2026-09-03T00:15:00Z' }])
  const url = `/v1/indices/${CODE}/values/2026-09-02`
  const first = await app.inject({ url, headers: admin })
  assert.equal(first.statusCode, 200)
  const hit = await app.inject({ url, headers: admin })
  assert.equal(hit.statusCode, 200)
  assert.equal(hit.body, first.body)
  assert.equal(hit.headers.etag, first.headers.etag)
  assert.equal(hit.headers['cache-control'], 'private, max-age=60, must-revalidate')
  const anonymous = await app.inject(url)
  assert.equal(anonymous.statusCode, 401)
  assert.equal(anonymous.headers['content-type'], 'application/problem+json; charset=utf-8')
  assert.equal(anonymous.headers.etag, undefined)
  const wrong = await app.inject({ url, headers: { authorization: 'Bearer cpx_not-a-key' } })
  assert.equal(wrong.statusCode, 401)
  // the 304 of a hit still needs the key
  assert.equal((await app.inject({ url, headers: { 'if-none-match': String(first.headers.etag) } })).statusCode, 401)
  assert.equal((await app.inject({ url, headers: { ...admin, 'if-none-match': String(first.headers.etag) } })).statusCode, 304)
})
