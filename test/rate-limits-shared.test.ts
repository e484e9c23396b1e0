import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { test, type TestContext } from 'node:test'
import { buildApp } from '../src/app.ts'
import { SYNC_MS } from '../src/plugins/shared-limits.ts'
import { testConfig } from './helpers/app.ts'
import { testDatabase } from './helpers/db.ts'
import { freePort } from './helpers/http.ts'

// Rate limits shared through Redis (REDIS_URL): two instances admit one limit between them, within the
// bound of docs/security.md; with Redis gone they keep serving (per-process limits, a metric says so)
// and share again once it is back. The Redis is this test's own child process, never the machine's.

const MAX = 40

async function startRedis (t: Pick<TestContext, 'after'>, port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => { child.kill('SIGKILL') })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('Ready to accept connections')) resolve() })
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)))
  })
  return child
}

test('two instances share one limit through Redis; Redis stopped: served per process; back: shared again', { skip: !hasRedisServer() && 'needs redis-server on PATH' }, async (t) => {
  const port = await freePort()
  let redis = await startRedis(t, port)
  const database = await testDatabase(t)
  const env = { REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_MAX: String(MAX), RATE_LIMIT_WINDOW: '1 hour' }
  const apps = [await buildApp(testConfig(env), { database }), await buildApp(testConfig(env), { database })]
  t.after(async () => { for (const app of apps) await app.close() })
  await Promise.all(apps.map((a) => a.ready()))
  // each scrape from its own address: /metrics is rate limited like every read
  let scrapes = 0
  const metrics = async (i: number) => (await apps[i]!.inject({ url: '/metrics', remoteAddress: `10.1.${Math.floor(++scrapes / 250)}.${scrapes % 250}` })).body
  const storeUp = async (i: number) => /^cpx_rate_limit_store_up (\d)$/m.exec(await metrics(i))?.[1]

  /** Requests from one client spread over both instances, paced: how many were admitted, and the documented bound. */
  async function spread (ip: string, n: number) {
    let admitted = 0
    const t0 = performance.now()
    for (let k = 0; k < n; k++) {
      const res = await apps[k % 2]!.inject({ url: '/v1/indices', remoteAddress: ip })
      assert.ok(res.statusCode === 200 || res.statusCode === 429, `${res.statusCode} ${res.body}`)
      if (res.statusCode === 200) admitted++
      await sleep(4)
    }
    // docs/security.md: at most max + (N − 1) × (the client's requests to one instance in 2 gaps), a gap
    // being the time between two synchronisations: SYNC_MS, or the longest one seen on a loaded machine
    const gaps = await Promise.all([0, 1].map(async (i) => Number(/^cpx_rate_limit_store_sync_gap_seconds (\S+)$/m.exec(await metrics(i))?.[1]) * 1000))
    const gap = Math.max(SYNC_MS, ...gaps)
    const perInstance = (n / 2) / (performance.now() - t0) * 2 * gap
    return { admitted, bound: MAX + Math.ceil(perInstance), gap }
  }

  await t.test('shared: the sum admitted by both stays within the bound, well under two limits', async () => {
    const { admitted, bound, gap } = await spread('10.0.0.1', 4 * MAX)
    assert.ok(admitted >= MAX, `admitted ${admitted}`)
    assert.ok(admitted <= bound, `admitted ${admitted} > bound ${bound} (longest gap ${gap} ms)`)
    assert.ok(admitted < 2 * MAX, `admitted ${admitted}: not shared`)
    assert.equal(await storeUp(0), '1')
  })

  await t.test('Redis stopped: every instance keeps serving up to its own limit, and says so', async () => {
    redis.kill('SIGKILL')
    for (const i of [0, 1]) {
      for (let k = 0; k < 100 && await storeUp(i) !== '0'; k++) await sleep(20)
      assert.equal(await storeUp(i), '0')
      assert.match(await metrics(i), /^cpx_rate_limit_store_failures_total [1-9]/m)
    }
    for (const app of apps) {
      for (let k = 0; k < MAX; k++) assert.equal((await app.inject({ url: '/v1/indices', remoteAddress: '10.0.0.2' })).statusCode, 200)
      assert.equal((await app.inject({ url: '/v1/indices', remoteAddress: '10.0.0.2' })).statusCode, 429) // still limited, per process
    }
  })

  await t.test('Redis back: shared limits again', async () => {
    redis = await startRedis(t, port)
    for (const i of [0, 1]) {
      for (let k = 0; k < 200 && await storeUp(i) !== '1'; k++) await sleep(20)
      assert.equal(await storeUp(i), '1')
    }
    const { admitted, bound, gap } = await spread('10.0.0.3', 4 * MAX)
    assert.ok(admitted >= MAX && admitted <= bound && admitted < 2 * MAX, `admitted ${admitted}, bound ${bound} (longest gap ${gap} ms)`)
  })
})

function hasRedisServer (): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => Boolean(d) && existsSync(`${d}/redis-server`))
}
