import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { sql } from 'kysely'
import { connect } from '../src/db/connect.ts'
import { buildApp } from '../src/app.ts'
import { migrate } from '../src/db/migrate.ts'
import { buildTestApp, testConfig } from './helpers/app.ts'
import { createServerDatabase, onServer } from './helpers/db.ts'
import { insertFixings } from './helpers/read-fixings.ts'

// The latest-value cache: served from memory, dropped when a fixing is announced on cpx_fixings.
// read-e2e.test.ts shows the same after a real recompute through the engine.

const CODE = 'H100-SXM-OD'
const latest = async (app: { inject: (u: string) => Promise<{ json: () => { date: string, value: number, revision: number } }> }) =>
  (await app.inject(`/v1/indices/${CODE}/latest`)).json()

/** Polls until `check` holds (NOTIFY is delivered asynchronously after commit). */
async function eventually (check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`not true within ${ms} ms`)
    await sleep(20)
  }
}

test('latest comes from the cache until a fixing is announced, then from the database', async (t) => {
  const app = await buildTestApp(t)
  await insertFixings(app.database, [{ code: CODE, date: '2026-09-01', value: '2.9', published_at: '2026-09-02T00:15:00Z' }])
  await eventually(async () => (await latest(app)).value === 2.9)
  await sleep(300) // let the first announcement arrive before the silent write below
  await latest(app)
  // A row written without the announcement is not seen: the answer really is cached.
  await sql`insert into fixings (index_code, date, revision, status, value, window_days, n_providers, n_contributors, n_quotes, n_excluded,
    methodology_version, reason, hash, published_at) values (${CODE}, '2026-09-02', 1, 'ok', 3.1, 1, 3, 3, 5, 0, 1, 'initial',
    ${'sha256:' + 'a'.repeat(64)}, '2026-09-03T00:15:00Z')`.execute(app.db)
  assert.equal((await latest(app)).value, 2.9)
  await sql`select pg_notify('cpx_fixings', ${JSON.stringify({ code: CODE, date: '2026-09-02', revision: 1 })})`.execute(app.db)
  await eventually(async () => (await latest(app)).value === 3.1)
  const res = await app.inject(`/v1/indices/${CODE}/latest`)
  assert.equal(res.headers.etag, `"${'a'.repeat(64)}"`)
  // Another index's announcement leaves this entry alone; an unreadable payload drops everything.
  await sql`select pg_notify('cpx_fixings', '{"code":"H100-SXM-SPOT"}')`.execute(app.db)
  await sql`select pg_notify('cpx_fixings', 'not json')`.execute(app.db)
  await insertFixings(app.database, [{ code: CODE, date: '2026-09-02', revision: 2, value: '3.2', published_at: '2026-09-04T00:15:00Z', reason: 'late_quotes' }])
  await eventually(async () => (await latest(app)).revision === 2)
  assert.equal((await latest(app)).value, 3.2)
})

test('a page of history (JSON and CSV) is served from the cache until a fixing of its index is announced', async (t) => {
  const app = await buildTestApp(t)
  await insertFixings(app.database, [{ code: CODE, date: '2026-09-01', value: '2.9', published_at: '2026-09-02T00:15:00Z' }])
  const json = async () => (await app.inject(`/v1/indices/${CODE}/values?from=2026-09-01&to=2026-09-30`)).json() as { data: { date: string, value: number, revision: number }[] }
  const csv = async () => (await app.inject(`/v1/indices/${CODE}/values.csv?from=2026-09-01&to=2026-09-30`)).body
  await eventually(async () => (await json()).data.length === 1)
  await sleep(300) // let the first announcement arrive before the silent write below
  const before = await csv()
  assert.equal((await json()).data.length, 1)
  // A row written without the announcement is not seen: the pages really are cached.
  await sql`insert into fixings (index_code, date, revision, status, value, window_days, n_providers, n_contributors, n_quotes, n_excluded,
    methodology_version, reason, hash, published_at) values (${CODE}, '2026-09-02', 1, 'ok', 3.1, 1, 3, 3, 5, 0, 1, 'initial',
    ${'sha256:' + 'b'.repeat(64)}, '2026-09-03T00:15:00Z')`.execute(app.db)
  assert.equal((await json()).data.length, 1)
  assert.equal(await csv(), before)
  // The cached page keeps its ETag: a revalidation is a 304.
  const first = await app.inject(`/v1/indices/${CODE}/values?from=2026-09-01&to=2026-09-30`)
  const again = await app.inject({ url: `/v1/indices/${CODE}/values?from=2026-09-01&to=2026-09-30`, headers: { 'if-none-match': String(first.headers.etag) } })
  assert.equal(again.statusCode, 304)
  // Another index's announcement leaves the pages alone; this index's drops them.
  await sql`select pg_notify('cpx_fixings', '{"code":"H100-SXM-SPOT"}')`.execute(app.db)
  await sleep(200)
  assert.equal((await json()).data.length, 1)
  await sql`select pg_notify('cpx_fixings', ${JSON.stringify({ code: CODE, date: '2026-09-02', revision: 1 })})`.execute(app.db)
  await eventually(async () => (await json()).data.length === 2)
  assert.deepEqual((await json()).data.map((f) => [f.date, f.value]), [['2026-09-01', 2.9], ['2026-09-02', 3.1]])
  assert.notEqual(await csv(), before)
  assert.match(await csv(), /2026-09-02,H100-SXM-OD,ok,3\.1,/)
  // A revision replaces the day's row in the history once it is announced (insertFixings announces).
  await insertFixings(app.database, [{ code: CODE, date: '2026-09-02', revision: 2, value: '3.2', published_at: '2026-09-04T00:15:00Z', reason: 'late_quotes' }])
  await eventually(async () => (await json()).data.at(-1)!.revision === 2)
  assert.equal((await json()).data.at(-1)!.value, 3.2)
})

test('two app instances on one server database: a fixing published through one refreshes the other', { skip: !onServer && 'needs TEST_DATABASE_URL (a server database)' }, async (t) => {
  const { url, drop } = await createServerDatabase()
  const shared = await connect({ DATABASE_URL: url, DATA_DIR: '' })
  await migrate(shared)
  const second = await connect({ DATABASE_URL: url, DATA_DIR: '' }) // its own pool and LISTEN connection
  const a = await buildApp(testConfig(), { database: shared })
  const b = await buildApp(testConfig(), { database: second })
  t.after(async () => { await b.close(); await a.close(); await second.close(); await shared.close(); await drop() })
  await Promise.all([a.ready(), b.ready()])
  await insertFixings(shared, [{ code: CODE, date: '2026-09-01', value: '2.9', published_at: '2026-09-02T00:15:00Z' }])
  await eventually(async () => (await latest(a)).value === 2.9 && (await latest(b)).value === 2.9)
  await insertFixings(shared, [{ code: CODE, date: '2026-09-02', value: '3.05', published_at: '2026-09-03T00:15:00Z' }])
  await eventually(async () => (await latest(b)).date === '2026-09-02', 2000)
  assert.equal((await latest(b)).value, 3.05)
  assert.equal((await latest(a)).value, 3.05)
  // history pages too: b's cached page of September is dropped by a's announcement
  const september = async (app: typeof a) => ((await app.inject(`/v1/indices/${CODE}/values?from=2026-09-01&to=2026-09-30`)).json() as { data: unknown[] }).data.length
  assert.equal(await september(b), 2)
  await insertFixings(shared, [{ code: CODE, date: '2026-09-03', value: '3.0', published_at: '2026-09-04T00:15:00Z' }])
  await eventually(async () => (await september(b)) === 3, 2000)
})
