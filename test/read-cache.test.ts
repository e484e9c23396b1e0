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
})
