import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { admin, buildTestApp } from './helpers/app.ts'

// GET /v1/tiers: the dated tier table as data (migrations 0069 and 0071 and any row added later), by product then day.
test('GET /v1/tiers lists the dated tier table; product and on narrow it; bad input is a 400 naming the field', async (t) => {
  const app = await buildTestApp(t)
  const all = await app.inject('/v1/tiers')
  assert.equal(all.statusCode, 200, all.body)
  const rows = all.json().data as { product: string, effective_from: string, tier: string, engines: string, reason: string, changed_by: string }[]
  assert.equal(rows.length, 46)
  assert.deepEqual(rows.slice(0, 3).map((r) => [r.product, r.effective_from, r.tier]),
    [['anthropic/claude-3-opus', '2025-02-24', 'retired'], ['anthropic/claude-3.5-sonnet', '2025-05-22', 'retired'], ['anthropic/claude-3.7-sonnet', '2025-08-05', 'retired']])
  assert.ok(rows.every((r) => r.engines === 'v2' && ['migration 0069', 'migration 0071'].includes(r.changed_by) && r.reason.length > 0))

  const gpt4o = (await app.inject('/v1/tiers?product=openai/gpt-4o')).json().data
  assert.deepEqual(gpt4o.map((r: Record<string, string>) => [r.effective_from, r.tier]), [['2025-04-14', 'mid']])
  assert.match(gpt4o[0].reason, /GPT-4\.1/)

  // on a day: the row in force per product — on 2025-01-01 only the two GPT-4 models had left frontier
  const early = (await app.inject('/v1/tiers?on=2025-01-01')).json().data
  assert.deepEqual(early.map((r: Record<string, string>) => r.product), ['openai/gpt-4', 'openai/gpt-4-turbo'])
  // a later row for the same product supersedes the earlier one on and after its day, and says it is for both engines
  await sql`insert into model_tiers (product, effective_from, tier, reason, changed_by, v2_only)
    values ('openai/gpt-4o', '2026-01-01', 'retired', 'test: superseded at $2.50/$10 by GPT-5', 'test', false)`.execute(app.db)
  const inForce = async (on: string) => (await app.inject(`/v1/tiers?product=openai/gpt-4o&on=${on}`)).json().data.map((r: Record<string, string>) => [r.effective_from, r.tier, r.engines])
  assert.deepEqual(await inForce('2025-12-31'), [['2025-04-14', 'mid', 'v2']])
  assert.deepEqual(await inForce('2026-01-01'), [['2026-01-01', 'retired', 'v1 and v2']])
  assert.deepEqual(await inForce('2025-04-13'), [])

  for (const [q, field] of [['on=2025-02-30', 'on'], ['product=GPT%204o', 'product']] as const) {
    const bad = await app.inject(`/v1/tiers?${q}`)
    assert.equal(bad.statusCode, 400, q)
    assert.match(String(bad.headers['content-type']), /^application\/problem\+json/)
    assert.match(bad.json().detail, new RegExp(field))
  }
})

test('PUT /v1/tiers/{product}/{effective_from}: admin only, a new dated row (201), never an edit (409), the body checked by field', async (t) => {
  const app = await buildTestApp(t)
  // openai/gpt-5.5 has no seeded row (it stays frontier: docs/methodology.md)
  const url = '/v1/tiers/openai%2Fgpt-5.5/2026-12-14'
  const body = { tier: 'mid', reason: 'test: second newer OpenAI flagship generation after GPT-5.5; stays on sale at $5/$30', changed_by: 'ops@example.com' }
  assert.equal((await app.inject({ method: 'PUT', url, payload: body })).statusCode, 401)
  const created = await app.inject({ method: 'PUT', url, headers: admin, payload: body })
  assert.equal(created.statusCode, 201, created.body)
  const row = created.json()
  assert.deepEqual({ ...row, changed_at: undefined }, { product: 'openai/gpt-5.5', effective_from: '2026-12-14', tier: 'mid', engines: 'v2', reason: body.reason, changed_by: 'ops@example.com', changed_at: undefined })
  assert.deepEqual((await app.inject('/v1/tiers?product=openai/gpt-5.5')).json().data, [row])
  const again = await app.inject({ method: 'PUT', url, headers: admin, payload: { ...body, tier: 'retired' } })
  assert.equal(again.statusCode, 409)
  assert.match(again.json().detail, /never edited/)
  assert.equal((await app.inject('/v1/tiers?product=openai/gpt-5.5')).json().data[0].tier, 'mid', 'the 409 changed nothing')
  for (const [payload, field] of [[{ ...body, tier: 'huge' }, 'tier'], [{ ...body, reason: ' ' }, 'reason'], [{ ...body, extra: 1 }, 'extra']] as const) {
    const bad = await app.inject({ method: 'PUT', url: '/v1/tiers/openai%2Fgpt-5.5/2026-12-15', headers: admin, payload })
    assert.equal(bad.statusCode, 400, JSON.stringify(payload))
    assert.match(bad.json().detail, new RegExp(field))
  }
  assert.equal((await app.inject({ method: 'PUT', url: '/v1/tiers/openai%2Fgpt-5.5/2026-02-30', headers: admin, payload: body })).statusCode, 400)
  const both = await app.inject({ method: 'PUT', url: '/v1/tiers/openai%2Fgpt-5.5/2026-12-16', headers: admin, payload: { ...body, tier: 'retired', engines: 'v1 and v2' } })
  assert.equal(both.json().engines, 'v1 and v2')
  const { rows } = await sql<{ v2_only: boolean }>`select v2_only from model_tiers where product = 'openai/gpt-5.5' order by effective_from`.execute(app.db)
  assert.deepEqual(rows.map((r) => r.v2_only), [true, false])
  // the slash unencoded (generators that do not encode path parameters): the same operation, admin only
  const plain = '/v1/tiers/openai/gpt-5.5/2026-12-17'
  assert.equal((await app.inject({ method: 'PUT', url: plain, payload: body })).statusCode, 401)
  const split = await app.inject({ method: 'PUT', url: plain, headers: admin, payload: { ...body, tier: 'retired' } })
  assert.equal(split.statusCode, 201, split.body)
  assert.deepEqual([split.json().product, split.json().effective_from, split.json().tier], ['openai/gpt-5.5', '2026-12-17', 'retired'])
  assert.equal((await app.inject({ method: 'PUT', url: plain, headers: admin, payload: body })).statusCode, 409)
  const badCode = await app.inject({ method: 'PUT', url: '/v1/tiers/OpenAI/GPT 5/2026-12-17', headers: admin, payload: body })
  assert.equal(badCode.statusCode, 400)
  assert.match(badCode.json().detail, /product/)
})
