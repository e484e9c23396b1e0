import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { computeFixings } from '../src/domain/fixings.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { gpuQuote, PROVIDERS, seedCatalog } from './helpers/reliability-fixtures.ts'

// 20 ingest clients whose batches overlap, while fixings are computed over the same days: every
// distinct quote is stored exactly once, nobody gets a 5xx or waits forever, and a recompute
// afterwards finds nothing to revise.
const CLIENTS = Number(process.env.CONCURRENT_CLIENTS ?? 20)
const DISTINCT = 1200
const BATCH = 60
const BATCHES_PER_CLIENT = 4
const DAYS = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05']
const FROM = DAYS[0]!
const TO = DAYS.at(-1)!

/** Quote number i of the shared pool: five GPU providers over five days. */
const pooled = (i: number) => gpuQuote(i, PROVIDERS[i % 5]!, DAYS[Math.floor(i / 7) % DAYS.length]!)

async function within<T> (ms: number, p: PromiseLike<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms (deadlock?)`)), ms) })])
  } finally { clearTimeout(timer) }
}

test(`${CLIENTS} concurrent ingest clients with overlapping batches and a running compute: every quote once, no 5xx, a recompute revises nothing`, { timeout: 600_000 }, async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '1000000' } })
  await seedCatalog(app)
  const viaHttp = app.routeList.some((r) => r.method === 'POST' && r.url === '/v1/indices/compute')
  const compute = async () => {
    if (!viaHttp) return computeFixings(app.database, { from: FROM, to: TO, indices: ['H100-SXM-OD'] })
    const res = await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from: FROM, to: TO, indices: ['H100-SXM-OD'] } })
    assert.equal(res.statusCode, 200, res.body)
    return res.json() as Awaited<ReturnType<typeof computeFixings>>
  }

  const statuses = new Map<number, number>()
  let accepted = 0
  let duplicates = 0
  const client = async (c: number) => {
    for (let b = 0; b < BATCHES_PER_CLIENT; b++) {
      // overlapping windows of the pool: neighbours share most of their rows, and batches repeat rows
      const start = (c * 53 + b * 131) % DISTINCT
      const rows = Array.from({ length: BATCH }, (_, j) => pooled((start + j + (j % 3 === 0 ? 7 : 0)) % DISTINCT))
      const res = await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes: rows } })
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      assert.equal(res.statusCode, 200, `client ${c} batch ${b}: ${res.body}`)
      accepted += res.json().accepted
      duplicates += res.json().duplicates
    }
  }
  const started = Date.now()
  const computes = (async () => {
    const reports = []
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50 + i * 200))
      reports.push(await compute())
    }
    return reports
  })()
  await within(300_000, Promise.all([...Array.from({ length: CLIENTS }, (_, c) => client(c)), computes]), 'ingest and compute')
  const elapsed = Date.now() - started

  // every distinct quote of the pool that was sent is stored exactly once
  const sent = new Set<number>()
  for (let c = 0; c < CLIENTS; c++) {
    for (let b = 0; b < BATCHES_PER_CLIENT; b++) {
      const start = (c * 53 + b * 131) % DISTINCT
      for (let j = 0; j < BATCH; j++) sent.add((start + j + (j % 3 === 0 ? 7 : 0)) % DISTINCT)
    }
  }
  const stored = (await sql<{ n: number, d: number }>`select count(*)::int as n,
    count(distinct (provider, product, segment, price, currency, unit, observed_at, source))::int as d from quotes`.execute(app.db)).rows[0]!
  t.diagnostic(`${CLIENTS} clients × ${BATCHES_PER_CLIENT} batches of ${BATCH} in ${elapsed} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}; accepted ${accepted}, duplicates ${duplicates}; distinct sent ${sent.size}, stored ${stored.n}`)
  assert.equal(stored.n, sent.size, 'every distinct quote stored')
  assert.equal(stored.d, stored.n, 'none twice')
  assert.equal(accepted, sent.size, 'the answers add up to what is stored')
  assert.equal(accepted + duplicates, CLIENTS * BATCHES_PER_CLIENT * BATCH)

  // settle: one compute after the last quote, then a recompute must find nothing to publish or revise
  await compute()
  const again = await compute()
  const h100 = again.indices.find((i) => i.code === 'H100-SXM-OD')!
  assert.equal(h100.published, 0)
  assert.equal(h100.revised, 0, 'a recompute over the same quotes makes no new revision')
  assert.equal(h100.unchanged, DAYS.length)
  // revisions are 1..n without gaps or twins for every day
  const revs = await sql<{ date: string, n: number, max: number, d: number }>`select date, count(*)::int as n, max(revision)::int as max,
    count(distinct revision)::int as d from fixings where index_code = 'H100-SXM-OD' group by date order by date`.execute(app.db)
  assert.equal(revs.rows.length, DAYS.length)
  for (const r of revs.rows) assert.ok(r.n === r.max && r.d === r.n, `${r.date}: ${JSON.stringify(r)}`)
  const latest = await sql<{ status: string }>`select distinct on (date) status from fixings where index_code = 'H100-SXM-OD' order by date, revision desc`.execute(app.db)
  assert.ok(latest.rows.every((r) => r.status === 'ok'), 'five providers quote every day: every fixing has a value')
})
