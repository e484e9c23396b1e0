import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { fixingAsOf } from '../src/domain/fixings.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { assertFixing, goldenCases, loadCase } from './helpers/golden.ts'

// Every golden case of methodology v1, end to end: catalog, quotes and index through the HTTP API,
// POST /v1/indices/compute over the case's days, then every figure and constituent of every day.

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
  })
}
