import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { fixingAsOf } from '../src/domain/fixings.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { assertFixing, goldenCases, loadCase } from './helpers/golden.ts'

// Every golden case of methodology v1, end to end: catalog, quotes and index through the HTTP API,
// POST /v1/indices/compute over the case's days, then every figure and constituent of every day.
// Then the plain reference (sql/reference/methodology_v1.sql) on the same database: the golden figures
// again, and every row equal to the fast engine's, over the case's days and over each day alone (a base
// day outside the range is then read from its stored fixing).

for (const c of goldenCases()) {
  test(`golden ${c.name}`, async (t) => {
    const app = await buildTestApp(t)
    const ids = await loadCase(app, c)
    for (const n of c.normalized ?? []) {
      if (!n.usd_price) continue
      const { rows } = await sql<{ usd_price: string }>`select usd_price from quotes where id = ${ids.get(n.quote)!}`.execute(app.db)
      assert.equal(Number(rows[0]!.usd_price).toFixed(10), Number(n.usd_price).toFixed(10), `quote ${n.quote} usd_price`)
    }
    const dates = c.fixings.map((f) => f.date).sort()
    const res = await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from: dates[0], to: dates.at(-1), indices: [c.index.code] } })
    assert.equal(res.statusCode, 200, res.body)
    for (const want of c.fixings) {
      const got = await fixingAsOf(app.db, c.index.code, want.date)
      assertFixing(got, want, ids, `${c.name} ${want.date}`)
      assert.equal(got!.revision, 1)
      assert.equal(got!.reason, 'initial')
      // the stored hash is the sha256 of the canonical text rebuilt from the stored rows
      const { rows } = await sql<{ ok: boolean }>`select hash = 'sha256:' || encode(sha256(convert_to(cpx_fixing_canonical_text(id), 'UTF8')), 'hex') as ok from fixings where id = ${got!.id}`.execute(app.db)
      assert.equal(rows[0]!.ok, true, 'hash matches the canonical text')
    }
    const both = async (from: string, to: string) => (await sql<{ fast: string | null, reference: string | null, fixing: Record<string, unknown> & { date: string } }>`
      with f as (select * from cpx_compute_fixings(${[c.index.code]}::text[], ${from}::date, ${to}::date)),
      r as (select * from cpx_compute_fixings_reference(${[c.index.code]}::text[], ${from}::date, ${to}::date))
      select f::text as fast, r::text as reference,
        to_jsonb(r) - 'constituents' || jsonb_build_object('date', r.date::text, 'constituents', to_jsonb(r.constituents)) as fixing
      from f full join r on f.index_code = r.index_code and f.date = r.date`.execute(app.db)).rows
    for (const row of await both(dates[0]!, dates.at(-1)!)) {
      const want = c.fixings.find((f) => f.date === row.fixing.date)
      if (want) assertFixing(row.fixing as unknown as Parameters<typeof assertFixing>[0], want, ids, `reference ${c.name} ${want.date}`)
      assert.equal(row.reference, row.fast, `${c.name}: the reference and the fast engine differ`)
    }
    for (const d of dates) {
      for (const row of await both(d, d)) assert.equal(row.reference, row.fast, `${c.name} ${d} alone: the reference and the fast engine differ`)
    }
  })
}
