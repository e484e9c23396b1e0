import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { DEFAULT_CHUNK_DAYS, addDays } from '../src/domain/fixings.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { gpuQuote, PROVIDERS, seedCatalog } from './helpers/reliability-fixtures.ts'

// A compute over a range commits chunk by chunk (DEFAULT_CHUNK_DAYS days each). When it is cut off
// part-way, the chunks already committed stay published, and the problem answer says which days those
// are (`committed`), so a client knows what a retry will find. The failure here is real: a check
// constraint the test adds makes the second chunk's insert fail inside Postgres.

const FROM = '2026-09-01'
const TO = '2026-10-31'
const CODE = 'H100-SXM-OD'

test('a compute cut off after its first chunk: 500 problem naming the committed days; those stay; a retry publishes the rest', async (t) => {
  const app = await buildTestApp(t)
  await seedCatalog(app)
  const firstChunkEnd = addDays(FROM, DEFAULT_CHUNK_DAYS - 1)
  // five providers quoting every tenth day: some days publish, the rest are insufficient_data
  const quotes = []
  for (let d = 0; d < 61; d += 10) for (let p = 0; p < 5; p++) quotes.push({ ...gpuQuote(d * 10 + p, PROVIDERS[p], addDays(FROM, d)), source: `cut-${d}-${p}` })
  assert.equal((await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes } })).statusCode, 200)

  await sql`alter table fixings add constraint test_cut_after_first_chunk check (date <= ${sql.lit(firstChunkEnd)}::date)`.execute(app.db)
  const cut = await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from: FROM, to: TO, indices: [CODE] } })
  assert.equal(cut.statusCode, 500, cut.body)
  assert.match(String(cut.headers['content-type']), /^application\/problem\+json/)
  const problem = cut.json() as { committed: { from: string, indices: Array<{ code: string, through: string | null, days: number, published: number }> } }
  assert.equal(problem.committed.from, FROM)
  assert.equal(problem.committed.indices.length, 1)
  const [committed] = problem.committed.indices
  assert.equal(committed!.code, CODE)
  assert.equal(committed!.through, firstChunkEnd)
  assert.equal(committed!.days, DEFAULT_CHUNK_DAYS)

  // what the answer says is what the database holds
  const stored = await sql<{ n: number, last: string }>`select count(*)::int as n, max(date)::text as last from fixings where index_code = ${CODE} and date between ${FROM}::date and ${TO}::date`.execute(app.db)
  assert.equal(stored.rows[0]!.n, committed!.days)
  assert.equal(stored.rows[0]!.last, firstChunkEnd)
  const published = await app.inject(`/v1/indices/${CODE}/values?from=${FROM}&to=${TO}`)
  const days = (published.json() as { data: Array<{ date: string, status: string }> }).data
  assert.equal(days.length, committed!.published, 'every committed day is served, first published by this run')
  assert.ok(days.every((d) => d.date <= firstChunkEnd))

  // the retry of the whole range is safe: the committed days stand unchanged, the rest are published
  await sql`alter table fixings drop constraint test_cut_after_first_chunk`.execute(app.db)
  const retry = await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from: FROM, to: TO, indices: [CODE] } })
  assert.equal(retry.statusCode, 200, retry.body)
  const report = (retry.json() as { indices: Array<{ days: number, published: number, revised: number, unchanged: number }> }).indices[0]!
  assert.equal(report.days, 61)
  assert.equal(report.unchanged, committed!.days)
  assert.equal(report.revised, 0)
  assert.equal(report.published, 61 - committed!.days)
})
