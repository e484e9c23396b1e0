import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import { sql } from 'kysely'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { connect } from '../src/db/connect.ts'
import { listMigrations, listSqlFiles, migrate } from '../src/db/migrate.ts'
import { buildTestApp, testConfig } from './helpers/app.ts'
import { createServerDatabase, onServer, testDatabase } from './helpers/db.ts'
import { listenApp } from './helpers/http.ts'

test('migrations apply once; applying them again is a no-op', async (t) => {
  const database = await testDatabase(t)
  assert.deepEqual(await migrate(database), [])
  const rows = await database.db.selectFrom('schema_migrations').select('name').orderBy('version').execute()
  assert.deepEqual(rows.map((r) => r.name), listMigrations().map((m) => m.name))
  const tables = await sql<{ n: number }>`select count(*)::int as n from information_schema.tables where table_schema = 'public'
    and table_name in ('providers','products','fx_rates','quotes','index_definitions','index_definition_versions','fixings','fixing_constituents','api_keys')`.execute(database.db)
  assert.equal(tables.rows[0]!.n, 9)
})

test('two processes migrating one server database at once: one applies, the other finds nothing', { skip: !onServer && 'needs TEST_DATABASE_URL' }, async (t) => {
  const { url, drop } = await createServerDatabase()
  const a = await connect({ DATABASE_URL: url, DATA_DIR: '' })
  const b = await connect({ DATABASE_URL: url, DATA_DIR: '' })
  t.after(async () => { await a.close(); await b.close(); await drop() })
  const [ra, rb] = await Promise.all([migrate(a), migrate(b)])
  assert.equal(ra.length + rb.length, listMigrations().length + listSqlFiles().length)
  assert.ok(ra.length === 0 || rb.length === 0)
})

test('numerics never pass through floats: a per-token price survives a round trip exactly', async (t) => {
  const database = await testDatabase(t)
  const r = await sql<{ p: string, q: string, n: number, d: string, ts: string }>`select ${'0.0000021'}::numeric as p,
    ${'123456789012345.123456789012345'}::numeric as q, count(*) as n, date '2026-11-02' as d,
    timestamptz '2026-11-02 10:00:00.123456+00' as ts from index_definitions`.execute(database.db)
  const row = r.rows[0]!
  assert.equal(row.p, '0.0000021')
  assert.equal(row.q, '123456789012345.123456789012345')
  assert.equal(row.n, 24)
  assert.equal(row.d, '2026-11-02')
  assert.equal(row.ts, '2026-11-02T10:00:00.123456Z')
})

test('normalization in SQL: the examples of the contract hold exactly', async (t) => {
  const database = await testDatabase(t)
  const r = await sql<{ a: string, b: string, c: string, d: string }>`select
    cpx_normalize_price(98.32, 1, 'instance_hour', 8) as a, cpx_normalize_price(0.0000021, 1, 'token', null) as b,
    cpx_normalize_price(20, 0.1400, '1m_tokens', null) as c, cpx_normalize_price(2000, 1, 'gpu_month', null) as d`.execute(database.db)
  const row = r.rows[0]!
  assert.equal(Number(row.a), 12.29)
  assert.equal(row.a, '12.2900000000')
  assert.equal(row.b, '2.1000000000')
  assert.equal(row.c, '2.8000000000')
  assert.equal(row.d, '2.7397260274') // 2000/730 = 2.73972602739726… rounded half away from zero
})

test('healthz, readyz, openapi.json and docs answer', async (t) => {
  const app = await buildTestApp(t)
  assert.deepEqual((await app.inject('/healthz')).json(), { status: 'ok' })
  const ready = await app.inject('/readyz')
  assert.equal(ready.statusCode, 200)
  assert.deepEqual(ready.json(), { status: 'ready', database: 'up', pending_migrations: [] })
  const spec = (await app.inject('/openapi.json')).json()
  assert.equal(spec.openapi, '3.1.0')
  const docs = await app.inject('/docs/')
  assert.equal(docs.statusCode, 200)
  assert.match(docs.body, /swagger/i)
})

test('readyz answers 503 when the server database is unreachable', async (t) => {
  // A pool pointed at a closed port: the probe must answer quickly, not hang.
  const database = await connect({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', DATA_DIR: '' })
  const app = await buildApp(testConfig(), { database })
  t.after(async () => { await app.close(); await database.close() })
  const started = Date.now()
  const res = await app.inject('/readyz')
  assert.equal(res.statusCode, 503)
  assert.equal(res.json().database, 'down')
  assert.ok(Date.now() - started < 5000)
})

test('every error is problem+json with a request id, in the body and in a header', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({ url: '/v1/nothing-here', headers: { 'x-request-id': 'trace-42' } })
  assert.equal(res.statusCode, 404)
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
  assert.equal(res.headers['x-request-id'], 'trace-42')
  const body = res.json()
  assert.equal(body.type, 'https://cpx.dev/problems/not-found')
  assert.equal(body.status, 404)
  assert.equal(body.request_id, 'trace-42')
})

test('a bad configuration stops with one line naming the variable', () => {
  assert.throws(() => loadConfig({ PORT: 'abc' }), /^Error: Bad environment: PORT /)
  assert.throws(() => loadConfig({ FIXING_TIME: '25:00' }), /FIXING_TIME must be HH:MM/)
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL must be a postgres/)
  assert.equal(loadConfig({}).PORT, 3000)
})

test('the server process exits non-zero on a bad variable, without a stack trace', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, LOG_LEVEL: 'bogus' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += d })
  const [code] = await once(child, 'exit')
  assert.equal(code, 1)
  assert.match(stderr, /^cpx: Bad environment: LOG_LEVEL /)
  assert.doesNotMatch(stderr, /\n\s+at /)
})

test('graceful close finishes an in-flight request before the server stops', async (t) => {
  const database = await testDatabase(t)
  const app = await buildApp(testConfig(), { database })
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  app.get('/slow-test-route', { config: { access: 'public' } }, async () => { await gate; return { done: true } })
  const base = await listenApp(app)
  const inflight = fetch(`${base}/slow-test-route`)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const closed = app.close()
  setTimeout(release, 200)
  const res = await inflight
  assert.equal(res.status, 200)
  assert.deepEqual(await res.json(), { done: true })
  await closed
})
