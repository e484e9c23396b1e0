import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { connect } from '../src/db/connect.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { onServer, testDatabase } from './helpers/db.ts'
import { gpuQuote, seedCatalog } from './helpers/reliability-fixtures.ts'
import { startTcpProxy } from './helpers/tcp-proxy.ts'

// The server database made unreachable mid-run through a TCP proxy the test controls. Embedded
// PGlite lives in the process and cannot become unreachable, so this file runs on the server only.
const skip = !onServer && 'needs TEST_DATABASE_URL (server Postgres)'
const BATCH = 40

/** Any promise, bounded: a request that hangs fails the test instead of the run. */
async function within<T> (ms: number, p: PromiseLike<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what} hung for ${ms} ms`)), ms) })])
  } finally { clearTimeout(timer) }
}

async function setup (t: Parameters<typeof testDatabase>[0]) {
  const direct = await testDatabase(t)
  const u = new URL(direct.url!)
  const proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) })
  const proxied = await connect({ DATABASE_URL: proxy.via(direct.url!), DATA_DIR: '' })
  t.after(async () => { await proxied.close(); await proxy.close() })
  const app = await buildTestApp(t, { database: proxied, env: { RATE_LIMIT_MAX: '1000000' } })
  await seedCatalog(app)
  return { app, proxy, direct }
}

async function waitReady (app: Awaited<ReturnType<typeof setup>>['app'], ms = 15_000): Promise<number> {
  const start = Date.now()
  while (Date.now() - start < ms) {
    if ((await app.inject('/readyz')).statusCode === 200) return Date.now() - start
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('the service did not recover by itself')
}

const batch = (k: number, round: number) => Array.from({ length: BATCH }, (_, i) => ({ ...gpuQuote(k * BATCH + i), source: `fault-${round}-${k}`, observed_at: `2026-11-0${1 + (round % 9)}T${String(k % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z` }))

test('database cut: reads and writes answer 503 problem+json quickly, /readyz says not ready, the service recovers by itself', { skip, timeout: 120_000 }, async (t) => {
  const { app, proxy } = await setup(t)
  assert.equal((await app.inject('/readyz')).statusCode, 200)
  for (const mode of ['cut', 'blackhole'] as const) {
    proxy[mode]()
    const started = Date.now()
    const [read, write, ready, live] = await within(75_000, Promise.all([
      app.inject('/v1/providers'),
      app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes: batch(0, 0) } }),
      app.inject('/readyz').then((r) => { assert.ok(Date.now() - started < 3_000, 'readyz is bounded by its own 2 s timeout'); return r }),
      app.inject('/healthz'),
    ]), `requests during a ${mode}`)
    const took = Date.now() - started
    for (const res of [read, write]) {
      assert.equal(res.statusCode, 503, `${mode}: ${res.body}`)
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
      assert.equal(res.json().type, 'https://cpx.dev/problems/database-unavailable')
    }
    assert.equal(ready.statusCode, 503)
    assert.equal(ready.json().database, 'down')
    assert.equal(live.statusCode, 200, 'liveness does not depend on the database')
    // A reset is seen at once; a silent partition costs a new connection its 3 s connect timeout, or a
    // query already sent on a pooled connection the client-side query timeout (65 s): bounded either way.
    assert.ok(took < (mode === 'cut' ? 5_000 : 70_000), `${mode}: answered in ${took} ms`)
    t.diagnostic(`${mode}: 503s in ${took} ms`)
    proxy.restore()
    t.diagnostic(`${mode}: ready again ${await waitReady(app)} ms after the database came back`)
    assert.equal((await app.inject('/v1/providers')).statusCode, 200)
  }
  const metrics = await app.inject('/metrics')
  assert.match(metrics.body, /^cpx_database_unavailable_total [1-9]/m)
})

test('writes interrupted by repeated cuts are stored whole or not at all; every 200 is stored; retries are safe', { skip, timeout: 300_000 }, async (t) => {
  const { app, proxy, direct } = await setup(t)
  const ROUNDS = Number(process.env.FAULT_ROUNDS ?? 6)
  const CLIENTS = 12
  let answered200 = 0; let answered503 = 0; let partial = 0; let lost = 0; let retried = 0
  for (let round = 0; round < ROUNDS; round++) {
    const sent = Array.from({ length: CLIENTS }, (_, k) => app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes: batch(k, round) } }))
    // cut at a different moment each round: before any insert, or as the first batches commit
    const delay = [0, 40, 120, 400, 1000, 3000][round % 6]!
    await Promise.race([Promise.any(sent), new Promise((resolve) => setTimeout(resolve, delay))])
    proxy.cut()
    const answers = await within(20_000, Promise.all(sent), `round ${round}`)
    proxy.restore()
    await waitReady(app)
    for (const [k, res] of answers.entries()) {
      assert.ok(res.statusCode === 200 || res.statusCode === 503, `round ${round} client ${k}: ${res.statusCode} ${res.body}`)
      const stored = (await sql<{ n: number }>`select count(*)::int as n from quotes where source = ${`fault-${round}-${k}`}`.execute(direct.db)).rows[0]!.n
      if (stored !== 0 && stored !== BATCH) partial++
      if (res.statusCode === 200) { answered200++; if (stored !== BATCH) lost++ } else answered503++
      if (res.statusCode === 503) {
        // the client's retry: stores what is missing, never twice
        const again = await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes: batch(k, round) } })
        assert.equal(again.statusCode, 200)
        assert.equal(again.json().accepted + again.json().duplicates, BATCH)
        assert.equal(again.json().accepted, BATCH - stored)
        retried++
      }
    }
  }
  const total = (await sql<{ n: number, d: number }>`select count(*)::int as n, count(distinct (source, observed_at))::int as d from quotes where source like 'fault-%'`.execute(direct.db)).rows[0]!
  t.diagnostic(`faults injected: ${proxy.faults}; writes answered 200: ${answered200}, 503: ${answered503} (retried: ${retried}); partial batches: ${partial}; quotes lost: ${lost}; stored ${total.n} of ${ROUNDS * CLIENTS * BATCH}`)
  assert.equal(partial, 0)
  assert.equal(lost, 0)
  assert.equal(total.n, ROUNDS * CLIENTS * BATCH, 'after the retries every quote is stored')
  assert.equal(total.d, total.n, 'and none twice')
  assert.ok(answered503 > 0, 'the cuts did interrupt some writes')
})
