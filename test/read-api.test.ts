import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { parse } from 'csv-parse/sync'
import { ADMIN_KEY, buildTestApp } from './helpers/app.ts'
import { days, insertFixings, type FixingRow } from './helpers/read-fixings.ts'

// Every read route and parameter over HTTP, on fixing revisions with known publication times.
// (read-e2e.test.ts covers the same routes on fixings computed from quotes by the engine.)

const CODE = 'H100-SXM-OD'
// Published in the past (as of the real clock): a walk's snapshot is pinned to the database's now().
const DAYS = days('2026-08-01', 61) // 2026-08-01 .. 2026-09-30
const INSUFFICIENT = new Set(['2026-08-05', '2026-09-15'])
// Micro-dollars, so expected means are exact integer arithmetic.
const micro = (i: number) => 2_900_000 + ((i * 7919) % 200_000) + 1 // 2.900001 .. 3.1
const fmt = (m: number | bigint) => (Number(m) / 1e6).toFixed(6)
const published = (d: string) => new Date(Date.parse(d + 'T00:15:00.123456Z') + 86_400_000).toISOString().replace('.123Z', '.123456Z')
const REVISED_AT = '2026-09-10T12:00:00.250001Z'

const rows: FixingRow[] = DAYS.map((date, i) => ({ code: CODE, date, value: INSUFFICIENT.has(date) ? null : fmt(micro(i)), published_at: published(date) }))
rows[32]!.constituents = [
  { provider: 'lambda', product: 'h100-sxm', value: '2.99', segments: { on_demand: '2.99' }, quote_ids: [11, 12] },
  { provider: 'vast', product: 'h100-sxm', value: '9.5', segments: { on_demand: '9.5' }, quote_ids: [13], excluded: true, reason: 'outlier' },
]
const revised: FixingRow = { code: CODE, date: '2026-09-02', revision: 2, value: '3.123457', published_at: REVISED_AT, reason: 'late_quotes' }

let app: Awaited<ReturnType<typeof buildTestApp>>
// One app and database for the file: cleanups run after the last test, newest first.
const cleanups: (() => unknown)[] = []
after(async () => { for (const fn of cleanups.reverse()) await fn() })
const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers })

before(async () => {
  app = await buildTestApp({ after: (fn: () => unknown) => { cleanups.push(fn) } })
  await insertFixings(app.database, [...rows, revised, { code: 'TOK-FRONTIER-BLEND', date: '2026-09-30', value: '8.75', published_at: published('2026-09-30') }])
})

test('catalog lists every index with its latest fixing and unit', async () => {
  const res = await get('/v1/indices')
  assert.equal(res.statusCode, 200)
  const body = res.json()
  assert.equal(body.next_cursor, null)
  assert.equal(body.data.length, 24)
  const h100 = body.data.find((i: { code: string }) => i.code === CODE)
  assert.equal(h100.unit, 'USD/GPU-hour')
  assert.equal(h100.latest.date, '2026-09-30')
  const tok = body.data.find((i: { code: string }) => i.code === 'TOK-FRONTIER-BLEND')
  assert.equal(tok.unit, 'USD/1M tokens')
  assert.equal(tok.latest.value, 8.75)
  assert.equal(body.data.find((i: { code: string }) => i.code === 'B200-SXM-OD').latest, null)
})

test('one index: definition, methodology and version, latest', async () => {
  const body = (await get(`/v1/indices/${CODE}`)).json()
  assert.equal(body.code, CODE)
  assert.equal(body.methodology_version, 1)
  assert.deepEqual(body.segments, { on_demand: 1 })
  assert.equal(body.methodology.statistic, 'median')
  assert.deepEqual(body.filter.provider_kinds, ['neocloud', 'marketplace'])
  assert.equal(body.latest.date, '2026-09-30')
  assert.equal((await get('/v1/indices/NO-SUCH-INDEX')).json().type, 'https://cpx.dev/problems/index-not-found')
})

test('latest: every field of the contract, JSON numbers, ETag from the hash, 304', async () => {
  const res = await get(`/v1/indices/${CODE}/latest`)
  assert.equal(res.statusCode, 200)
  assert.match(res.headers['content-type'] as string, /^application\/json/)
  const f = res.json()
  assert.deepEqual(Object.keys(f).sort(), ['code', 'date', 'status', 'value', 'level', 'unit', 'window_days', 'n_providers', 'n_contributors', 'n_quotes',
    'n_excluded', 'min', 'p25', 'p75', 'max', 'hhi', 'max_provider_impact', 'revision', 'published_at', 'methodology_version', 'hash', 'source_health'].sort())
  assert.equal(f.source_health, null) // posted quotes: no configured source behind them (docs/importers.md)
  assert.equal(f.date, '2026-09-30')
  assert.equal(f.value, Number(fmt(micro(60))))
  assert.equal(f.published_at, published('2026-09-30'))
  assert.equal(res.headers.etag, `"${f.hash.slice(7)}"`)
  assert.match(res.headers['cache-control'] as string, /max-age=\d+/)
  const again = await get(`/v1/indices/${CODE}/latest`, { 'if-none-match': res.headers.etag as string })
  assert.equal(again.statusCode, 304)
  assert.equal(again.body, '')
  assert.equal((await get(`/v1/indices/${CODE}/latest`, { 'if-none-match': '"other"' })).statusCode, 200)
  assert.equal((await get(`/v1/indices/${CODE}/latest`, { 'if-none-match': `W/${res.headers.etag}, "x"` })).statusCode, 304)
})

test('latest: unknown index 404; an index without fixings 404 fixing-not-found', async () => {
  const unknown = await get('/v1/indices/NOPE/latest')
  assert.equal(unknown.statusCode, 404)
  assert.match(unknown.headers['content-type'] as string, /^application\/problem\+json/)
  assert.equal(unknown.json().type, 'https://cpx.dev/problems/index-not-found')
  assert.equal((await get('/v1/indices/B200-SXM-OD/latest')).json().type, 'https://cpx.dev/problems/fixing-not-found')
})

test('values: from/to inclusive, newest revision by default, nulls with status', async () => {
  const body = (await get(`/v1/indices/${CODE}/values?from=2026-09-01&to=2026-09-15`)).json()
  assert.equal(body.next_cursor, null)
  assert.deepEqual(body.data.map((f: { date: string }) => f.date), DAYS.slice(31, 46))
  const nov2 = body.data[1]
  assert.equal(nov2.revision, 2)
  assert.equal(nov2.value, 3.123457)
  const nov15 = body.data.at(-1)
  assert.equal(nov15.status, 'insufficient_data')
  assert.equal(nov15.value, null)
  assert.equal(nov15.max_provider_impact, null)
})

test('as_of returns exactly the revision current at that time', async () => {
  const at = async (asOf: string) => (await get(`/v1/indices/${CODE}/values/2026-09-02?as_of=${encodeURIComponent(asOf)}`)).json()
  assert.equal((await at('2026-09-10T12:00:00.25Z')).revision, 1)
  assert.equal((await at('2026-09-10T12:00:00.250001Z')).revision, 2) // inclusive, to the microsecond
  assert.equal((await at('2026-09-10T13:00:01+01:00')).revision, 2) // offsets honoured
  assert.equal((await at('2026-09-10T12:00:00.25Z')).value, Number(fmt(micro(32))))
  const early = await get(`/v1/indices/${CODE}/values/2026-09-02?as_of=2026-09-03T00:00:00Z`) // before its first publication
  assert.equal(early.statusCode, 404)
  assert.equal(early.json().type, 'https://cpx.dev/problems/fixing-not-found')
  // History as of a time: the days published by then, each as it stood.
  const hist = (await get(`/v1/indices/${CODE}/values?from=2026-09-01&as_of=2026-09-05T00:15:00.123456Z`)).json()
  assert.deepEqual(hist.data.map((f: { date: string, revision: number }) => `${f.date}/${f.revision}`), ['2026-09-01/1', '2026-09-02/1', '2026-09-03/1', '2026-09-04/1'])
})

test('values/{date}: include=constituents lists r(c) of every contributor, excluded or not', async () => {
  const plain = (await get(`/v1/indices/${CODE}/values/2026-09-02?as_of=2026-09-04T00:00:00Z`)).json()
  assert.equal(plain.constituents, undefined)
  const full = (await get(`/v1/indices/${CODE}/values/2026-09-02?as_of=2026-09-04T00:00:00Z&include=constituents`)).json()
  assert.deepEqual(full.constituents, [
    { provider: 'lambda', product: 'h100-sxm', value: 2.99, segments: { on_demand: 2.99 }, n_quotes: 2, quote_ids: ['11', '12'], excluded: false, reason: null },
    { provider: 'vast', product: 'h100-sxm', value: 9.5, segments: { on_demand: 9.5 }, n_quotes: 1, quote_ids: ['13'], excluded: true, reason: 'outlier' },
  ])
  assert.equal((await get(`/v1/indices/${CODE}/values/2026-12-25`)).statusCode, 404)
  assert.equal((await get(`/v1/indices/${CODE}/values/2026-09-02?include=everything`)).statusCode, 400)
})

test('values/{date}/revisions: every revision with its reason and when it was superseded', async () => {
  const body = (await get(`/v1/indices/${CODE}/values/2026-09-02/revisions`)).json()
  assert.deepEqual(body.data.map((r: { revision: number, reason: string, superseded_at: string | null }) => [r.revision, r.reason, r.superseded_at]),
    [[1, 'initial', REVISED_AT], [2, 'late_quotes', null]])
  assert.equal((await get(`/v1/indices/${CODE}/values/2027-01-01/revisions`)).statusCode, 404)
  assert.equal((await get('/v1/indices/NOPE/values/2026-09-02/revisions')).json().type, 'https://cpx.dev/problems/index-not-found')
})

test('cursor pagination returns every day exactly once, on a snapshot, even when a revision lands between pages', async () => {
  const seen: string[] = []
  let url = `/v1/indices/${CODE}/values?limit=7`
  let pages = 0
  let nov30Value: number | undefined
  for (;;) {
    const res = await get(url)
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json()
    for (const f of body.data) { seen.push(f.date); if (f.date === '2026-09-30') nov30Value = f.value }
    if (pages++ === 0) {
      assert.match(res.headers.link as string, /rel="next"/)
      // A restatement published after the first page is not mixed into later pages of the same walk.
      await insertFixings(app.database, [{ code: CODE, date: '2026-09-30', revision: 2, value: '4.5', published_at: new Date(Date.now() + 1000).toISOString() }])
    }
    if (!body.next_cursor) break
    url = `/v1/indices/${CODE}/values?limit=7&cursor=${body.next_cursor}`
  }
  assert.deepEqual(seen, DAYS)
  assert.equal(pages, 9)
  assert.equal(nov30Value, Number(fmt(micro(60))))
})

test('a tampered cursor, or one used for other parameters, is a 400', async () => {
  const { next_cursor: cursor } = (await get(`/v1/indices/${CODE}/values?limit=5&from=2026-08-01`)).json()
  const [body, mac] = cursor.split('.')
  const json = JSON.parse(Buffer.from(body, 'base64url').toString())
  const forged = Buffer.from(JSON.stringify({ ...json, d: '2026-09-20' })).toString('base64url') + '.' + mac
  for (const bad of [forged, cursor.slice(0, -2), 'garbage', `${body}.${mac}.x`]) {
    const res = await get(`/v1/indices/${CODE}/values?cursor=${encodeURIComponent(bad)}`)
    assert.equal(res.statusCode, 400, bad)
    assert.equal(res.json().type, 'https://cpx.dev/problems/invalid-cursor')
  }
  assert.equal((await get(`/v1/indices/H100-SXM-SPOT/values?cursor=${cursor}`)).statusCode, 400)
  assert.equal((await get(`/v1/indices/${CODE}/values?from=2026-08-02&cursor=${cursor}`)).statusCode, 400)
  assert.equal((await get(`/v1/indices/${CODE}/values?from=2026-08-01&cursor=${cursor}`)).statusCode, 200)
})

test('bad dates, ranges and limits are 400s that name the parameter', async () => {
  const cases: [string, string][] = [
    [`/v1/indices/${CODE}/values?from=2026-13-01`, 'querystring/from'],
    [`/v1/indices/${CODE}/values?from=2026-02-30`, 'querystring/from'],
    [`/v1/indices/${CODE}/values?to=yesterday`, 'querystring/to'],
    [`/v1/indices/${CODE}/values?from=2026-09-05&to=2026-09-01`, 'querystring/to'],
    [`/v1/indices/${CODE}/values?as_of=2026-09-05`, 'querystring/as_of'],
    [`/v1/indices/${CODE}/values?limit=0`, 'querystring/limit'],
    [`/v1/indices/${CODE}/values?limit=100000`, 'querystring/limit'],
    [`/v1/indices/${CODE}/values?format=xlsx`, 'querystring/format'],
    [`/v1/indices/${CODE}/values/2026-09-31`, 'params/date'],
    [`/v1/indices/${CODE}/averages?period=day`, 'querystring/period'],
    [`/v1/indices/${CODE}/averages?from=2026-12-01&to=2026-09-01`, 'querystring/to'],
    ['/v1/revisions?since=last-week', 'querystring/since'],
  ]
  for (const [url, path] of cases) {
    const res = await get(url)
    assert.equal(res.statusCode, 400, url)
    assert.match(res.headers['content-type'] as string, /^application\/problem\+json/)
    assert.ok(res.json().errors.some((e: { path: string }) => e.path === path), `${url}: ${res.body}`)
  }
  for (const url of ['/v1/indices/NOPE/values', '/v1/indices/NOPE/averages', '/v1/indices/NOPE/values/2026-09-02', '/v1/revisions?code=NOPE']) {
    assert.equal((await get(url)).json().type, 'https://cpx.dev/problems/index-not-found', url)
  }
})

test('CSV history: RFC 4180, header, CRLF, plain decimals, parses back to the JSON numbers', async () => {
  const json = (await get(`/v1/indices/${CODE}/values?to=2026-09-14`)).json()
  for (const res of [await get(`/v1/indices/${CODE}/values.csv?to=2026-09-14`)]) {
    assert.equal(res.statusCode, 200)
    assert.match(res.headers['content-type'] as string, /^text\/csv; charset=utf-8/)
    assert.match(res.headers['content-disposition'] as string, /filename="H100-SXM-OD-values\.csv"/)
    assert.ok(res.body.endsWith('\r\n'))
    assert.equal(res.body.split('\r\n').length, json.data.length + 2)
    const records = parse(res.body, { columns: true }) as Record<string, string>[]
    for (const r of records) for (const k of ['value', 'min', 'p25', 'p75', 'max', 'hhi']) assert.match(r[k]!, /^(\d+(\.\d+)?)?$/)
    assert.equal(records.length, json.data.length)
    records.forEach((r, i) => {
      const f = json.data[i]
      assert.equal(r.date, f.date)
      assert.match(r.date!, /^\d{4}-\d{2}-\d{2}$/)
      assert.equal(r.value === '' ? null : Number(r.value), f.value)
      assert.equal(r.p75 === '' ? null : Number(r.p75), f.p75)
      assert.equal(Number(r.revision), f.revision)
      assert.equal(r.status, f.status)
    })
  }
  // Accept prefers JSON when it lists JSON first; CSV asked of the JSON operation (format=csv, Accept: text/csv:
  // links and tools from before values.csv) is a 301 to it with the rest of the query.
  assert.match((await get(`/v1/indices/${CODE}/values`, { accept: 'application/json, text/csv' })).headers['content-type'] as string, /json/)
  // the JSON answer of this URL is kept by the read cache first: the request asking CSV by Accept is another entry, its 301
  assert.match((await get(`/v1/indices/${CODE}/values?to=2026-09-14`)).headers['content-type'] as string, /json/)
  for (const res of [await get(`/v1/indices/${CODE}/values?format=csv&to=2026-09-14`), await get(`/v1/indices/${CODE}/values?to=2026-09-14`, { accept: 'text/csv' })]) {
    assert.equal(res.statusCode, 301)
    assert.equal(res.headers.location, `/v1/indices/${CODE}/values.csv?to=2026-09-14`)
    assert.equal(res.body, '')
  }
  const averages = await get(`/v1/indices/${CODE}/averages?period=month&format=csv`)
  assert.equal(averages.statusCode, 301)
  assert.equal(averages.headers.location, `/v1/indices/${CODE}/averages.csv?period=month`)
  const followed = await get(averages.headers.location)
  assert.equal(followed.statusCode, 200)
  assert.match(followed.headers['content-disposition'] as string, /filename="H100-SXM-OD-averages\.csv"/)
  const months = (await get(`/v1/indices/${CODE}/averages?period=month`)).json().data as { period_start: string, value: number | null }[]
  assert.deepEqual((parse(followed.body, { columns: true }) as Record<string, string>[]).map((r) => [r.period_start, r.value === '' ? null : Number(r.value)]),
    months.map((m) => [m.period_start, m.value]))
})

test('ETag on history pages and CSV; If-None-Match gives 304; a new revision changes the ETag', async () => {
  const url = `/v1/indices/${CODE}/values?from=2026-08-01&to=2026-08-31`
  const first = await get(url)
  assert.match(first.headers.etag as string, /^"[\w-]+"$/)
  assert.match(first.headers.vary as string, /\bAccept\b/i)
  const cors = await get(url, { origin: 'https://sheets.example.com' })
  if (cors.headers['access-control-allow-origin'] !== '*') assert.match(cors.headers.vary as string, /Origin/i) // CORS's Vary survives
  assert.equal((await get(url, { 'if-none-match': first.headers.etag as string })).statusCode, 304)
  const csvUrl = url.replace('/values?', '/values.csv?')
  const csv = await get(csvUrl)
  assert.notEqual(csv.headers.etag, first.headers.etag)
  assert.equal((await get(csvUrl, { 'if-none-match': csv.headers.etag as string })).statusCode, 304)
  await insertFixings(app.database, [{ code: CODE, date: '2026-08-31', revision: 2, value: '3.01', published_at: new Date().toISOString(), reason: 'correction' }])
  // The page is cached until the revision's NOTIFY arrives: on a server database that is just after
  // the commit (asynchronously), on PGlite at once. Then the old ETag no longer matches.
  const until = Date.now() + 3000
  let status = 304
  while (status === 304 && Date.now() < until) {
    status = (await get(url, { 'if-none-match': first.headers.etag as string })).statusCode
    if (status === 304) await new Promise((resolve) => setTimeout(resolve, 10))
  }
  assert.equal(status, 200)
})

test('averages: exact mean of the ok days per month, n_days, first and last day, revisions used; CSV', async () => {
  const body = (await get(`/v1/indices/${CODE}/averages?period=month&from=2026-08-01&to=2026-08-30`)).json()
  assert.equal(body.data.length, 1)
  const oct = body.data[0]
  const okDays = DAYS.slice(0, 30).map((d, i) => [d, i] as const).filter(([d]) => !INSUFFICIENT.has(d))
  const sum = okDays.reduce((s, [, i]) => s + BigInt(micro(i)), 0n)
  const n = BigInt(okDays.length)
  const mean = (sum * 2n + n) / (2n * n) // half away from zero (positive)
  assert.equal(oct.value, Number(fmt(mean)))
  assert.equal(oct.n_days, 29)
  assert.equal(oct.first_day, '2026-08-01')
  assert.equal(oct.last_day, '2026-08-30')
  assert.equal(oct.period_start, '2026-08-01')
  assert.equal(oct.period_end, '2026-08-31')
  assert.equal(oct.status, 'ok')
  assert.equal(oct.unit, 'USD/GPU-hour')
  assert.deepEqual(oct.revisions.slice(0, 2), [{ date: '2026-08-01', revision: 1 }, { date: '2026-08-02', revision: 1 }])
  assert.ok(!oct.revisions.some((r: { date: string }) => r.date === '2026-08-05'))
  // Settlement on the revision set current at a time: 2026-09-02 revision 1 before the restatement, 2 after.
  const then = (await get(`/v1/indices/${CODE}/averages?from=2026-09-01&to=2026-09-03&as_of=2026-09-10T00:00:00Z`)).json().data[0]
  const now = (await get(`/v1/indices/${CODE}/averages?from=2026-09-01&to=2026-09-03`)).json().data[0]
  assert.ok(then && now, 'one November row each')
  assert.deepEqual(then.revisions.map((r: { revision: number }) => r.revision), [1, 1, 1])
  assert.deepEqual(now.revisions.map((r: { revision: number }) => r.revision), [1, 2, 1])
  const expect = (m: bigint[]) => Number(fmt((m.reduce((a, b) => a + b, 0n) * 2n + BigInt(m.length)) / (2n * BigInt(m.length))))
  assert.equal(now.value, expect([BigInt(micro(31)), 3_123_457n, BigInt(micro(33))]))
  assert.equal(then.value, expect([BigInt(micro(31)), BigInt(micro(32)), BigInt(micro(33))]))
  const csv = await get(`/v1/indices/${CODE}/averages.csv?from=2026-08-01&to=2026-08-30`)
  assert.match(csv.headers['content-type'] as string, /^text\/csv/)
  const rec = (parse(csv.body, { columns: true }) as Record<string, string>[])[0]!
  assert.equal(Number(rec.value), oct.value)
  assert.equal(rec.n_days, '29')
  assert.match(rec.revisions!, /^2026-08-01:1 2026-08-02:1 /)
  const quarters = (await get(`/v1/indices/${CODE}/averages?period=quarter`)).json().data
  assert.deepEqual(quarters.map((q: { period_start: string, period_end: string }) => [q.period_start, q.period_end]), [['2026-07-01', '2026-09-30']])
  const weeks = (await get(`/v1/indices/${CODE}/averages?period=week&from=2026-09-12&to=2026-09-14`)).json().data
  assert.deepEqual(weeks.map((w: { period_start: string, n_days: number }) => [w.period_start, w.n_days]), [['2026-09-07', 2], ['2026-09-14', 1]])
  const empty = (await get(`/v1/indices/${CODE}/averages?from=2026-09-15&to=2026-09-15`)).json().data[0]
  assert.deepEqual([empty.status, empty.value, empty.n_days, empty.first_day], ['insufficient_data', null, 0, null])
})

test('restatement register: revisions after the first, since, code filter, cursor pages', async () => {
  const all = (await get('/v1/revisions')).json()
  assert.ok(all.data.length >= 1)
  const r = all.data.find((x: { date: string }) => x.date === '2026-09-02')
  assert.deepEqual({ ...r, hash: undefined }, {
    code: CODE,
    date: '2026-09-02',
    revision: 2,
    reason: 'late_quotes',
    published_at: REVISED_AT,
    unit: 'USD/GPU-hour',
    status: 'ok',
    value: 3.123457,
    previous_status: 'ok',
    previous_value: Number(fmt(micro(32))),
    change: Number(fmt(3_123_457 - micro(32))),
    methodology_version: 1,
    hash: undefined,
  })
  const since = (await get(`/v1/revisions?since=${encodeURIComponent('2026-09-10T12:00:00.250002Z')}`)).json()
  assert.ok(!since.data.some((x: { date: string }) => x.date === '2026-09-02'))
  assert.equal((await get('/v1/revisions?code=TOK-FRONTIER-BLEND')).json().data.length, 0)
  const seen: string[] = []
  let url = '/v1/revisions?limit=1'
  for (;;) {
    const body = (await get(url)).json()
    seen.push(...body.data.map((x: { date: string, revision: number }) => `${x.date}/${x.revision}`))
    if (!body.next_cursor) break
    url = `/v1/revisions?limit=1&cursor=${body.next_cursor}`
  }
  assert.deepEqual(seen, all.data.map((x: { date: string, revision: number }) => `${x.date}/${x.revision}`))
  assert.equal((await get('/v1/revisions?cursor=x.y')).statusCode, 400)
})

test('READ_API_KEY_REQUIRED: reads need a key, by header or by ?api_key= for spreadsheets', async (t) => {
  const locked = await buildTestApp(t, { env: { READ_API_KEY_REQUIRED: 'true' }, database: app.database })
  assert.equal((await locked.inject(`/v1/indices/${CODE}/latest`)).statusCode, 401)
  const csv = await locked.inject(`/v1/indices/${CODE}/values.csv?api_key=${ADMIN_KEY}`)
  assert.equal(csv.statusCode, 200)
  assert.match(csv.headers['cache-control'] as string, /^private/)
  assert.equal((await locked.inject({ url: `/v1/indices/${CODE}/latest`, headers: { authorization: `Bearer ${ADMIN_KEY}` } })).statusCode, 200)
})
