import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import { sql } from 'kysely'
import { SHUTDOWN_GRACE_MS } from '../src/server.ts'
import { ADMIN_KEY } from './helpers/app.ts'
import { onServer, testDatabase } from './helpers/db.ts'
import { freePort } from './helpers/http.ts'
import { gpuQuote, PROVIDERS } from './helpers/reliability-fixtures.ts'

// SIGTERM to a real server process (node --import tsx src/main.ts) while it ingests and while it
// computes: it exits 0 within the grace period, and every request was committed whole or not at all.
const skip = !onServer && 'needs TEST_DATABASE_URL (a real process needs a database of its own)'
const auth = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }
const EXIT_BOUND_MS = SHUTDOWN_GRACE_MS + 5_000

async function startServer (url: string): Promise<{ child: ChildProcess, base: string, exited: Promise<{ code: number | null, signal: string | null, at: number }> }> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', ADMIN_API_KEY: ADMIN_KEY, DEMO_DATA: 'false', SCHEDULER: 'false', COLLECTOR: 'false', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '1000000' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d) => { stderr += String(d) })
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as string | null, at: Date.now() }))
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited at start: ${stderr}`)
    try { if ((await fetch(base + '/healthz')).ok) return { child, base, exited } } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  child.kill('SIGKILL')
  throw new Error(`the server did not start: ${stderr}`)
}

async function put (base: string, path: string, body: unknown) {
  const res = await fetch(base + path, { method: 'PUT', headers: auth, body: JSON.stringify(body) })
  assert.ok(res.ok, `${path}: ${res.status} ${await res.text()}`)
}

async function seed (base: string) {
  for (const slug of PROVIDERS) await put(base, `/v1/providers/${slug}`, { name: slug, kind: slug.includes('market') ? 'marketplace' : slug.includes('lab') ? 'model_lab' : 'neocloud' })
  await put(base, '/v1/products/h100-sxm', { kind: 'gpu', name: 'H100 SXM 80GB', family: 'h100', variant: 'sxm' })
}

const post = (base: string, path: string, body: unknown) => fetch(base + path, { method: 'POST', headers: auth, body: JSON.stringify(body) })
  .then(async (res) => ({ status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() }), (err: Error) => ({ status: 0, type: '', body: err.message }))

test('SIGTERM during ingest: exits 0 within the grace period; each batch stored whole or not at all; every 200 stored', { skip, timeout: 180_000 }, async (t) => {
  const database = await testDatabase(t)
  const { child, base, exited } = await startServer(database.url!)
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  await seed(base)
  const ROWS = 1000
  const BATCHES = 8
  const batch = (k: number) => Array.from({ length: ROWS }, (_, i) => ({ ...gpuQuote(i), source: `sigterm-${k}`, observed_at: new Date(Date.parse('2026-11-02T00:00:00Z') + (k * ROWS + i) * 1000).toISOString() }))
  const answers = Array.from({ length: BATCHES }, (_, k) => post(base, '/v1/quotes', { quotes: batch(k) }))
  await new Promise((resolve) => setTimeout(resolve, 400))
  const signalled = Date.now()
  child.kill('SIGTERM')
  const results = await Promise.all(answers)
  const { code, signal, at } = await exited
  t.diagnostic(`exit ${code}${signal ? ' ' + signal : ''} ${at - signalled} ms after SIGTERM; answers ${results.map((r) => r.status).join(',')}`)
  assert.equal(code, 0)
  assert.ok(at - signalled < EXIT_BOUND_MS)
  let lost = 0
  for (const [k, r] of results.entries()) {
    const n = (await sql<{ n: number }>`select count(*)::int as n from quotes where source = ${`sigterm-${k}`}`.execute(database.db)).rows[0]!.n
    assert.ok(n === 0 || n === ROWS, `batch ${k}: ${n} of ${ROWS} rows stored (answer ${r.status})`)
    assert.ok([0, 200, 503].includes(r.status), `batch ${k}: ${r.status} ${r.body.slice(0, 200)}`)
    if (r.status === 503) { // refused while closing: a problem, never Fastify's own {"error": ...} body
      assert.match(r.type, /^application\/problem\+json/)
      assert.equal((JSON.parse(r.body) as { status: number }).status, 503)
    }
    if (r.status === 200 && n !== ROWS) lost++
  }
  assert.equal(lost, 0, 'quotes lost')
})

test('SIGTERM during a fixing run: exits 0 within the grace period; the run is stored whole or not at all', { skip, timeout: 180_000 }, async (t) => {
  const database = await testDatabase(t)
  const { child, base, exited } = await startServer(database.url!)
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  await seed(base)
  const days = Array.from({ length: 28 }, (_, d) => new Date(Date.parse('2026-10-01T00:00:00Z') + d * 86_400_000).toISOString().slice(0, 10))
  const quotes = days.flatMap((day, d) => Array.from({ length: 40 }, (_, i) => gpuQuote(d * 40 + i, PROVIDERS[i % 5]!, day)))
  for (let i = 0; i < quotes.length; i += 500) assert.equal((await post(base, '/v1/quotes', { quotes: quotes.slice(i, i + 500) })).status, 200)
  const indices = ['H100-SXM-OD', 'H100-SXM-SPOT', 'H100-PCIE-OD', 'A100-SXM-OD']
  const running = post(base, '/v1/indices/compute', { from: days[0], to: days.at(-1), indices })
  await new Promise((resolve) => setTimeout(resolve, 150))
  const signalled = Date.now()
  child.kill('SIGTERM')
  const answer = await running
  const { code, at } = await exited
  const stored = (await sql<{ n: number }>`select count(*)::int as n from fixings where date between ${days[0]} and ${days.at(-1)}`.execute(database.db)).rows[0]!.n
  t.diagnostic(`compute answered ${answer.status}; exit ${code} ${at - signalled} ms after SIGTERM; fixings stored ${stored} of ${days.length * indices.length}`)
  assert.equal(code, 0)
  assert.ok(at - signalled < EXIT_BOUND_MS)
  assert.ok(stored === 0 || stored === days.length * indices.length, 'whole or nothing')
  if (answer.status === 200) assert.equal(stored, days.length * indices.length)
})
