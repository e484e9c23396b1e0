import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { computeFixings, fixingAsOf, fixingRevisions } from '../src/domain/fixings.ts'
import { runScheduledFixings } from '../src/scheduler/fixings-scheduler.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { goldenCases, loadCase } from './helpers/golden.ts'

// Revisions (DESIGN §4), the compute endpoint's edges and the scheduler, on golden case 01's market:
// five neocloud/marketplace providers quoting H100 SXM on 2026-11-02.
const base = goldenCases().find((c) => c.name === '01-basic-median')!
const CODE = base.index.code
const DAY = '2026-11-02'

async function setup (t: Parameters<typeof buildTestApp>[0]) {
  const app = await buildTestApp(t)
  await loadCase(app, base)
  return app
}

const compute = (app: Awaited<ReturnType<typeof setup>>, payload: object) =>
  app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload })

test('a day computed before its quotes arrived publishes its first figure as first_publication, not late_quotes (0042)', async (t) => {
  const app = await buildTestApp(t)
  await loadCase(app, { ...base, quotes: [] })
  const empty = await compute(app, { from: DAY, to: DAY, indices: [CODE] })
  assert.deepEqual(empty.json().indices[0], { code: CODE, days: 1, published: 1, revised: 0, unchanged: 0, insufficient: 1 })
  const quotes = await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes: base.quotes } })
  assert.equal(quotes.statusCode, 200, quotes.body)
  assert.equal((await compute(app, { from: DAY, to: DAY, indices: [CODE] })).json().indices[0].revised, 1)
  // a restatement of that first figure is late_quotes again
  const late = { ...base.quotes[0], price: '3.05', observed_at: `${DAY}T23:00:00Z` }
  assert.equal((await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes: [late] } })).statusCode, 200)
  assert.equal((await compute(app, { from: DAY, to: DAY, indices: [CODE] })).json().indices[0].revised, 1)
  const revs = await fixingRevisions(app.db, CODE, DAY)
  assert.deepEqual(revs.map((r) => [r.revision, r.status, r.reason]),
    [[1, 'insufficient_data', 'initial'], [2, 'ok', 'first_publication'], [3, 'ok', 'late_quotes']])
  assert.equal(revs[1]!.value, '2.990000') // the golden figure: the reason is not part of the hash
})

test('a late quote makes revision 2 (late_quotes); revision 1 stays readable as of its time; an unchanged recompute adds nothing', async (t) => {
  const app = await setup(t)
  const first = await compute(app, { from: DAY, to: DAY, indices: [CODE] })
  assert.deepEqual(first.json().indices, [{ code: CODE, days: 1, published: 1, revised: 0, unchanged: 0, insufficient: 0 }])
  const rev1 = (await fixingAsOf(app.db, CODE, DAY))!
  assert.equal(rev1.value, '2.990000')

  const again = await compute(app, { from: DAY, to: DAY, indices: [CODE] })
  assert.deepEqual(again.json().indices[0], { code: CODE, days: 1, published: 0, revised: 0, unchanged: 1, insufficient: 0 })
  assert.equal((await fixingRevisions(app.db, CODE, DAY)).length, 1)

  const late = { ...base.quotes[0], price: '3.05', observed_at: `${DAY}T23:00:00Z` }
  assert.equal((await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes: [late] } })).statusCode, 200)
  const third = await compute(app, { from: DAY, to: DAY, indices: [CODE] })
  assert.equal(third.json().indices[0].revised, 1)

  const revs = await fixingRevisions(app.db, CODE, DAY)
  assert.deepEqual(revs.map((r) => [r.revision, r.reason]), [[1, 'initial'], [2, 'late_quotes']])
  assert.equal(revs[1]!.value, '3.020000') // lambda's day median is now (2.99 + 3.05) / 2
  assert.notEqual(revs[1]!.hash, revs[0]!.hash)
  const asOf = await fixingAsOf(app.db, CODE, DAY, rev1.published_at)
  assert.equal(asOf!.revision, 1)
  assert.equal(asOf!.value, '2.990000')
  assert.equal(asOf!.constituents.length, 5)
  assert.equal((await fixingAsOf(app.db, CODE, DAY))!.revision, 2)
  assert.equal(await fixingAsOf(app.db, CODE, DAY, '2000-01-01T00:00:00Z'), undefined)
})

test('a methodology change makes a new methodology_version; a recompute that changes figures records definition_change', async (t) => {
  const app = await setup(t)
  await compute(app, { from: DAY, to: DAY, indices: [CODE] })
  const { code: _c, ...body } = base.index
  const same = await app.inject({ method: 'PUT', url: `/v1/indices/${CODE}`, headers: admin, payload: { ...body, name: 'renamed' } })
  assert.equal(same.statusCode, 200)
  assert.equal(same.json().methodology_version, 1, 'a new name is not a methodology change')
  const changed = await app.inject({
    method: 'PUT',
    url: `/v1/indices/${CODE}`,
    headers: admin,
    payload: { ...body, methodology: { ...(body.methodology as object), statistic: 'trimmed_mean', trim: 0.2 } },
  })
  assert.equal(changed.statusCode, 200, changed.body)
  assert.equal(changed.json().methodology_version, 2)
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from index_definition_versions where code = ${CODE}`.execute(app.db)
  assert.equal(rows[0]!.n, 2)
  const r = await compute(app, { from: DAY, to: DAY, indices: [CODE] })
  assert.equal(r.json().indices[0].revised, 1)
  const revs = await fixingRevisions(app.db, CODE, DAY)
  assert.deepEqual(revs.map((x) => [x.revision, x.methodology_version, x.reason]), [[1, 1, 'initial'], [2, 2, 'definition_change']])
  assert.equal(revs[1]!.value, '3.013333') // trims ⌊0.2 × 5⌋ = 1 from each end: (2.95 + 2.99 + 3.10) / 3
})

test('PUT /v1/indices validates: 400 for shape, 422 for rules against the catalog', async (t) => {
  const app = await setup(t)
  const { code: _c, ...body } = base.index
  const bad = async (payload: object, status: number, path: string) => {
    const res = await app.inject({ method: 'PUT', url: '/v1/indices/GOLD-BAD', headers: admin, payload })
    assert.equal(res.statusCode, status, res.body)
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    assert.ok(res.json().errors.some((e: { path: string }) => e.path.startsWith(path)), `${path} in ${res.body}`)
  }
  await bad({ ...body, segments: { on_demand: 0 } }, 400, 'body/segments')
  await bad({ ...body, segments: { on_demand: -1 } }, 400, 'body/segments')
  await bad({ ...body, methodology: { ...(body.methodology as object), windows: [1, 1] } }, 400, 'body/methodology/windows')
  await bad({ ...body, methodology: { ...(body.methodology as object), trim: 0.5 } }, 400, 'body/methodology/trim')
  await bad({ ...body, filter: { ...(body.filter as object), provider_kinds: ['cloud'] } }, 400, 'body/filter/provider_kinds')
  await bad({ ...body, segments: { reserved: 1 } }, 422, 'body/term_months')
  await bad({ ...body, segments: { input: 1 } }, 422, 'body/segments/input')
  await bad({ ...body, filter: { ...(body.filter as object), families: ['h900'] } }, 422, 'body/filter/families')
  const created = await app.inject({ method: 'PUT', url: '/v1/indices/GOLD-R12', headers: admin, payload: { ...body, segments: { reserved: 1 }, term_months: 12 } })
  assert.equal(created.statusCode, 201, created.body)
  assert.equal(created.json().unit, 'USD/GPU-hour')
  const anon = await app.inject({ method: 'PUT', url: '/v1/indices/GOLD-R12', payload: body })
  assert.equal(anon.statusCode, 401)
})

test('POST /v1/indices/compute: from > to and ranges over 3 years are 400 naming the field; an empty range is insufficient_data', async (t) => {
  const app = await setup(t)
  const reversed = await compute(app, { from: '2026-11-05', to: '2026-11-01' })
  assert.equal(reversed.statusCode, 400)
  assert.equal(reversed.json().errors[0].path, 'body/from')
  const long = await compute(app, { from: '2020-01-01', to: '2026-01-01' })
  assert.equal(long.statusCode, 400)
  assert.equal(long.json().errors[0].path, 'body/to')
  assert.equal((await compute(app, { from: '2026-11-31', to: '2026-12-01' })).statusCode, 400)
  assert.equal((await compute(app, { from: DAY, to: DAY, indices: ['NOPE-X'] })).statusCode, 404)
  const empty = await compute(app, { from: '2025-01-01', to: '2025-01-03' })
  assert.equal(empty.statusCode, 200)
  const all = empty.json().indices as Array<{ code: string, days: number, insufficient: number }>
  assert.equal(all.length, 25) // the default catalog and the golden index
  assert.ok(all.every((i) => i.days === 3 && i.insufficient === 3))
  // 40 days run as two chunks (31 + 9), reported as one range
  const chunked = await compute(app, { from: '2025-01-01', to: '2025-02-09', indices: ['H100-SXM-OD'] })
  assert.deepEqual(chunked.json().indices, [{ code: 'H100-SXM-OD', days: 40, published: 37, revised: 0, unchanged: 3, insufficient: 40 }])
  const f = (await fixingAsOf(app.db, 'H100-SXM-OD', '2025-01-02'))!
  assert.deepEqual([f.status, f.value, f.window_days, f.n_contributors, f.max_provider_impact], ['insufficient_data', null, 7, 0, null])
})

test('two concurrent computes store one set of revisions; each new revision is announced on cpx_fixings', async (t) => {
  const app = await setup(t)
  const heard: string[] = []
  await app.database.listen('cpx_fixings', (p) => heard.push(p))
  const [a, b] = await Promise.all([
    computeFixings(app.database, { from: '2026-11-01', to: '2026-11-03', indices: [CODE] }),
    computeFixings(app.database, { from: '2026-11-01', to: '2026-11-03', indices: [CODE] }),
  ])
  assert.equal(a.indices[0]!.published + b.indices[0]!.published, 3)
  assert.equal(a.indices[0]!.unchanged + b.indices[0]!.unchanged, 3)
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from fixings where index_code = ${CODE}`.execute(app.db)
  assert.equal(rows[0]!.n, 3)
  // The database's NOTIFYs name each new revision; on a server the computing process also hands its own
  // listeners a {code} at commit (read your own writes, Database.announce), which names no day.
  const notified = () => heard.map((p) => JSON.parse(p) as { code: string, date?: string }).filter((m) => m.date)
  for (let i = 0; i < 50 && notified().length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  assert.deepEqual(notified().sort((x, y) => x.date!.localeCompare(y.date!)),
    ['2026-11-01', '2026-11-02', '2026-11-03'].map((date) => ({ code: CODE, date, revision: 1 })))
  if (app.database.kind === 'server') assert.ok(heard.some((p) => JSON.stringify(JSON.parse(p)) === JSON.stringify({ code: CODE })), 'announced locally at commit')
})

test('the scheduler catches up 3 missed days, runs once per instance lock, and revises days hit by late quotes', async (t) => {
  const app = await setup(t)
  await compute(app, { from: DAY, to: DAY, indices: [CODE] })
  const now = new Date('2026-11-06T00:20:00Z') // FIXING_TIME 00:15 has passed: 11-05 is due
  const [r, other] = await Promise.all([
    runScheduledFixings(app.database, { now, fixingTime: '00:15' }),
    runScheduledFixings(app.database, { now, fixingTime: '00:15' }),
  ])
  const ran = r.skipped ? other : r
  assert.equal(ran.due, '2026-11-05')
  assert.deepEqual(ran.catchUp.find((x) => x.code === CODE), { code: CODE, days: 3, published: 3, revised: 0, unchanged: 0, insufficient: 0 })
  assert.ok(ran.catchUp.filter((x) => x.code !== CODE).every((x) => x.days === 1), 'never-fixed indices start at the due day')
  const dates = await sql<{ date: string }>`select date from fixings where index_code = ${CODE} order by date`.execute(app.db)
  assert.deepEqual(dates.rows.map((x) => x.date), ['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05'])

  // before FIXING_TIME the day before yesterday is the due one: nothing to do
  const early = await runScheduledFixings(app.database, { now: new Date('2026-11-06T00:10:00Z'), fixingTime: '00:15' })
  assert.equal(early.due, '2026-11-04')
  assert.deepEqual([early.catchUp, early.late], [[], []])

  // a late quote for 11-04 revises the days whose windows hold it
  const late = { ...base.quotes[0], price: '3.25', observed_at: '2026-11-04T12:00:00Z' }
  assert.equal((await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes: [late] } })).statusCode, 200)
  const next = await runScheduledFixings(app.database, { now: new Date('2026-11-07T00:20:00Z'), fixingTime: '00:15' })
  assert.ok(next.late.some((x) => x.code === CODE && x.revised >= 1), JSON.stringify(next.late))
  const revs = await fixingRevisions(app.db, CODE, '2026-11-04')
  assert.deepEqual(revs.map((x) => [x.revision, x.reason]), [[1, 'initial'], [2, 'late_quotes']])
})
