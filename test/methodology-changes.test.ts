import assert from 'node:assert/strict'
import { test } from 'node:test'
import { admin, buildTestApp } from './helpers/app.ts'

// The register of methodology changes: every definition version after an index's first, with the day it
// is in force from — so the default token indices' move to methodology v2 on 2027-01-01 (migration 0067)
// is announced before any fixing is published under it, and a PUT that changes a methodology is listed.

test('the register lists the token indices\' move to v2 from 2027-01-01, and a methodology changed by PUT', async (t) => {
  const app = await buildTestApp(t)
  const all = await app.inject('/v1/methodology-changes')
  assert.equal(all.statusCode, 200, all.body)
  const moved = (all.json().data as Record<string, unknown>[]).filter((c) => c.effective_from === '2027-01-01').map((c) => c.code).sort()
  assert.deepEqual(moved, ['TOK-FRONTIER-BLEND', 'TOK-FRONTIER-IN', 'TOK-FRONTIER-OUT', 'TOK-OPEN-BLEND', 'TOK-SMALL-BLEND'])

  const blend = (await app.inject('/v1/methodology-changes?code=TOK-FRONTIER-BLEND')).json().data
  assert.equal(blend.length, 1)
  const [v2] = blend
  assert.equal(v2.previous_methodology, 1)
  assert.equal(v2.methodology, 2)
  assert.equal(v2.methodology_version, v2.previous_version + 1)
  // what 0067 changed, key by key: nothing in the filter or segments of this index
  // trim was 0.1 under v1 already: not a change
  assert.deepEqual(v2.changed, ['methodology.aggregate', 'methodology.max_posted_age_days', 'methodology.min_models', 'methodology.statistic', 'methodology.version'])
  const open = (await app.inject('/v1/methodology-changes?code=TOK-OPEN-BLEND')).json().data[0]
  assert.deepEqual(open.changed.slice(0, 2), ['filter', 'methodology.aggregate'], 'the open-weights index also reads model labs from 2027-01-01')
  // the index's current definition says the same version
  assert.equal((await app.inject('/v1/indices/TOK-FRONTIER-BLEND')).json().methodology_version, v2.methodology_version)

  const before = (await app.inject('/v1/indices/TOK-MID-BLEND')).json()
  assert.equal((await app.inject('/v1/methodology-changes?code=TOK-MID-BLEND')).json().data.length, before.methodology_version - 1)
  const { code: _c, latest: _l, unit: _u, methodology_version: _v, created_at: _a, updated_at: _b, ...body } = before
  const renamed = await app.inject({ method: 'PUT', url: '/v1/indices/TOK-MID-BLEND', headers: admin, payload: { ...body, name: 'Renamed' } })
  assert.equal(renamed.statusCode, 200, renamed.body)
  const stamp = new Date().toISOString()
  const put = await app.inject({ method: 'PUT', url: '/v1/indices/TOK-MID-BLEND', headers: admin, payload: { ...body, methodology: { ...body.methodology, min_quotes: body.methodology.min_quotes + 1 } } })
  assert.equal(put.statusCode, 200, put.body)
  const changes = (await app.inject('/v1/methodology-changes?code=TOK-MID-BLEND')).json().data
  assert.equal(changes.length, before.methodology_version, 'a new name is no change; the new min_quotes is one')
  const last = changes.at(-1)
  assert.deepEqual([last.methodology_version, last.previous_version, last.methodology, last.effective_from, last.changed],
    [before.methodology_version + 1, before.methodology_version, 2, null, ['methodology.min_quotes']])
  assert.ok(last.created_at >= stamp.slice(0, 19), `${last.created_at} is when it was stored`)
  const since = (await app.inject(`/v1/methodology-changes?since=${encodeURIComponent(stamp)}`)).json().data
  assert.deepEqual(since.map((c: { code: string }) => c.code), ['TOK-MID-BLEND'])

  const missing = await app.inject('/v1/methodology-changes?code=NO-SUCH-INDEX')
  assert.equal(missing.statusCode, 404)
  assert.match(String(missing.headers['content-type']), /^application\/problem\+json/)
  const bad = await app.inject('/v1/methodology-changes?since=yesterday')
  assert.equal(bad.statusCode, 400)
  assert.match(bad.json().detail, /since/)
})
