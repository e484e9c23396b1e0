import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { connect } from '../src/db/connect.ts'
import { runScheduledFixings, startScheduler } from '../src/scheduler/fixings-scheduler.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { onServer, testDatabase } from './helpers/db.ts'
import { gpuQuote, PROVIDERS, seedCatalog } from './helpers/reliability-fixtures.ts'

// Two instances of the service on one database each run the daily fixing; the advisory lock must let
// exactly one publish each day. Two instances need a server database (PGlite is one process's).
const skip = !onServer && 'needs TEST_DATABASE_URL (two instances share one server database)'
const DAYS = ['2026-11-05', '2026-11-06', '2026-11-07']
const at = (day: string) => new Date(Date.parse(day + 'T00:20:00Z') + 86_400_000) // 00:20 the day after: `day` is due

test('two scheduler instances on one database: each day\'s fixings are published exactly once', { skip, timeout: 300_000 }, async (t) => {
  const direct = await testDatabase(t)
  const a = await connect({ DATABASE_URL: direct.url!, DATA_DIR: '' })
  const b = await connect({ DATABASE_URL: direct.url!, DATA_DIR: '' })
  t.after(async () => { await a.close(); await b.close() })
  const app = await buildTestApp(t, { database: a })
  await seedCatalog(app)
  const quotes = DAYS.flatMap((day, d) => Array.from({ length: 30 }, (_, i) => gpuQuote(d * 30 + i, PROVIDERS[i % 5]!, day)))
  assert.equal((await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes } })).statusCode, 200)

  // 1. direct runs racing: for each day, both instances call the run three times at once
  let ran = 0
  let skipped = 0
  for (const day of DAYS.slice(0, 2)) {
    const results = await Promise.all([a, b, a, b, a, b].map((d) => runScheduledFixings(d, { now: at(day), fixingTime: '00:15' })))
    ran += results.filter((r) => !r.skipped).length
    skipped += results.filter((r) => r.skipped).length
    assert.ok(results.every((r) => r.due === day))
  }
  // 2. the real loops, two instances ticking every 10 ms on a shared clock that reaches the third day
  let clock = at(DAYS[1]!)
  const loops = [a, b].map((database) => startScheduler({ database, fixingTime: '00:15', now: () => clock, tickMs: 10 }))
  await new Promise((resolve) => setTimeout(resolve, 300))
  clock = at(DAYS[2]!)
  await new Promise((resolve) => setTimeout(resolve, 1500))
  await Promise.all(loops.map((l) => l.stop()))

  const perDay = await sql<{ index_code: string, date: string, n: number }>`select index_code, date, count(*)::int as n
    from fixings group by index_code, date order by index_code, date`.execute(direct.db)
  const indices = (await sql<{ n: number }>`select count(*)::int as n from index_definitions`.execute(direct.db)).rows[0]!.n
  t.diagnostic(`direct runs: ${ran} ran, ${skipped} skipped or found nothing to do; fixings: ${perDay.rows.length} (index, day) pairs for ${indices} indices × ${DAYS.length} days`)
  assert.equal(perDay.rows.length, indices * DAYS.length, 'every index fixed for every due day')
  for (const r of perDay.rows) assert.equal(r.n, 1, `${r.index_code} ${r.date} published ${r.n} times`)
  const h100 = await sql<{ status: string }>`select status from fixings where index_code = 'H100-SXM-OD' order by date`.execute(direct.db)
  assert.deepEqual(h100.rows.map((r) => r.status), ['ok', 'ok', 'ok'])
})
