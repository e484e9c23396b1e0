import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import type { App } from '../src/app.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { put } from './helpers/golden.ts'

// The dated tier table (#17, migration 0069; docs/methodology.md, "Dated tiers"): seeded rows change the
// tier methodology v2 counts a model under from their date; the v1 engine does not read them (v2_only).
// Runs on the embedded database and (TEST_DATABASE_URL) on a server.

const filter = (tier: string) => ({ families: null, variants: null, tiers: [tier], open_weights: null, products: null, provider_kinds: null, regions: null, service_tier: 'standard' })
const LOOSE = { statistic: 'median', windows: [1], min_providers: 1, min_quotes: 1 }
const def = (tier: string, version: 1 | 2) => ({
  name: `${tier} v${version}`,
  kind: 'model',
  filter: filter(tier),
  segments: { input: 1 },
  methodology: version === 2 ? { ...LOOSE, version: 2, min_models: 1 } : LOOSE,
})

const BEFORE = '2025-04-13'
const FROM = '2025-04-14' // openai/gpt-4o → mid (GPT-4.1 released)

async function setup (t: Parameters<typeof buildTestApp>[0]): Promise<App> {
  const app = await buildTestApp(t)
  for (const [slug, kind] of [['openai', 'model_lab'], ['anthropic', 'model_lab'], ['google', 'model_lab'], ['together', 'inference_host']]) {
    await put(app, `/v1/providers/${slug}`, { name: slug, kind })
  }
  const models: Array<[string, string, string]> = [
    ['openai/gpt-4o', 'gpt-4', 'frontier'], ['openai/gpt-4.1', 'gpt-4', 'frontier'],
    ['anthropic/claude-3.7-sonnet', 'claude-sonnet', 'frontier'], ['google/gemini-2.5-pro', 'gemini-pro', 'frontier'],
    ['meta-llama/llama-3.3-70b-instruct', 'llama-3', 'mid'],
  ]
  for (const [code, family, tier] of models) {
    await put(app, `/v1/products/${encodeURIComponent(code)}`, { kind: 'model', name: code.split('/')[1], family, tier, open_weights: code.startsWith('meta') })
  }
  // input prices per 1M tokens, the same on both days; gpt-4.1 is quoted from its release day only
  const q = (provider: string, product: string, price: string, day: string) =>
    ({ provider, product, segment: 'input', price, currency: 'USD', unit: '1m_tokens', observed_at: `${day}T12:00:00Z`, source: 'survey' })
  const quotes = [BEFORE, FROM].flatMap((d) => [
    q('openai', 'openai/gpt-4o', '2.5', d), q('anthropic', 'anthropic/claude-3.7-sonnet', '3', d),
    q('google', 'google/gemini-2.5-pro', '1.25', d), q('together', 'meta-llama/llama-3.3-70b-instruct', '0.88', d),
  ])
  quotes.push(q('openai', 'openai/gpt-4.1', '2', FROM))
  const res = await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes } })
  assert.equal(res.statusCode, 200, res.body)
  await put(app, '/v1/indices/EX-FRONTIER-V2', def('frontier', 2))
  await put(app, '/v1/indices/EX-MID-V2', def('mid', 2))
  await put(app, '/v1/indices/EX-FRONTIER-V1', def('frontier', 1))
  await put(app, '/v1/indices/EX-MID-V1', def('mid', 1))
  return app
}

async function compute (app: App, codes: string[]) {
  const res = await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from: BEFORE, to: FROM, indices: codes } })
  assert.equal(res.statusCode, 200, res.body)
  return res.json() as { indices: Array<{ code: string, published: number, unchanged: number, revised: number }> }
}

async function fixing (app: App, code: string, day: string) {
  const { rows } = await sql<{ status: string, value: number | null, n_contributors: number, products: string[], hash: string }>`
    select f.status, f.value::float8 as value, f.n_contributors, f.hash,
      array(select c.product from fixing_constituents c where c.fixing_id = f.id and not c.excluded order by c.product) as products
    from fixings f where f.index_code = ${code} and f.date = ${day}::date order by f.revision desc limit 1`.execute(app.db)
  return rows[0]!
}

test('the seeded table: dated rows with reasons, v2 only, for products that no import has created yet', async (t) => {
  const app = await buildTestApp(t)
  const rows = (await sql<{ product: string, from: string, tier: string, changed_by: string, v2_only: boolean, reason: string }>`
    select product, effective_from::text as from, tier, changed_by, v2_only, reason from model_tiers order by product`.execute(app.db)).rows
  assert.equal(rows.length, 15)
  assert.ok(rows.every((r) => r.changed_by === 'migration 0069' && r.v2_only && r.reason.length > 20))
  const at = (p: string) => rows.find((r) => r.product === p)
  assert.deepEqual([at('openai/gpt-4o')?.from, at('openai/gpt-4o')?.tier], ['2025-04-14', 'mid'])
  assert.deepEqual([at('openai/gpt-4')?.from, at('openai/gpt-4')?.tier], ['2024-12-17', 'retired'])
  assert.deepEqual([at('openai/o1')?.from, at('openai/o1')?.tier], ['2025-08-07', 'retired'])
  // no product exists on a fresh database: the table does not reference products (0069 dropped the key)
  assert.equal(Number((await sql<{ n: number }>`select count(*) as n from products where code = 'openai/gpt-4o'`.execute(app.db)).rows[0]!.n), 0)
  const tier = async (fn: string, day: string) =>
    (await sql<{ t: string | null }>`select ${sql.raw(fn)}('openai/gpt-4o', ${day}::date) as t`.execute(app.db)).rows[0]!.t
  assert.equal(await tier('cpx_product_tier', BEFORE), null) // no row yet and no product
  assert.equal(await tier('cpx_product_tier', FROM), 'mid')
  assert.equal(await tier('cpx_product_tier_v1', FROM), null) // v1 does not read the v2-only row
})

test('gpt-4o leaves v2 frontier on 2025-04-14 and joins v2 mid; v1 counts it as frontier on both days', async (t) => {
  const app = await setup(t)
  await compute(app, ['EX-FRONTIER-V2', 'EX-MID-V2', 'EX-FRONTIER-V1', 'EX-MID-V1'])
  // v2 frontier, one model value each (one host per model), median over models:
  //   04-13: gemini 1.25, gpt-4o 2.5, claude 3 → 2.5
  //   04-14: gemini 1.25, gpt-4.1 2, claude 3 → 2 (gpt-4o is mid from this day)
  const f13 = await fixing(app, 'EX-FRONTIER-V2', BEFORE)
  const f14 = await fixing(app, 'EX-FRONTIER-V2', FROM)
  assert.deepEqual([f13.status, f13.value, f13.products], ['ok', 2.5, ['anthropic/claude-3.7-sonnet', 'google/gemini-2.5-pro', 'openai/gpt-4o']])
  assert.deepEqual([f14.status, f14.value, f14.products], ['ok', 2, ['anthropic/claude-3.7-sonnet', 'google/gemini-2.5-pro', 'openai/gpt-4.1']])
  // v2 mid: 04-13 llama 0.88 alone → 0.88; 04-14 llama 0.88 and gpt-4o 2.5 → (0.88 + 2.5) / 2 = 1.69
  const m13 = await fixing(app, 'EX-MID-V2', BEFORE)
  const m14 = await fixing(app, 'EX-MID-V2', FROM)
  assert.deepEqual([m13.value, m13.products], [0.88, ['meta-llama/llama-3.3-70b-instruct']])
  assert.deepEqual([m14.value, m14.products], [1.69, ['meta-llama/llama-3.3-70b-instruct', 'openai/gpt-4o']])
  // v1 frontier over (provider, product) pairs, gpt-4o on both days:
  //   04-13: 1.25, 2.5, 3 → 2.5; 04-14: 1.25, 2, 2.5, 3 → (2 + 2.5) / 2 = 2.25
  //   (screen: median 2.25, |r − 2.25| = 1, 0.25, 0.25, 0.75, MAD 0.5, 1 < 3.5 × 1.4826 × 0.5: none out)
  const v13 = await fixing(app, 'EX-FRONTIER-V1', BEFORE)
  const v14 = await fixing(app, 'EX-FRONTIER-V1', FROM)
  assert.deepEqual([v13.value, v13.products], [2.5, ['anthropic/claude-3.7-sonnet', 'google/gemini-2.5-pro', 'openai/gpt-4o']])
  assert.deepEqual([v14.value, v14.products], [2.25, ['anthropic/claude-3.7-sonnet', 'google/gemini-2.5-pro', 'openai/gpt-4.1', 'openai/gpt-4o']])
  // v1 mid: llama alone on both days
  assert.deepEqual([(await fixing(app, 'EX-MID-V1', FROM)).value, (await fixing(app, 'EX-MID-V1', FROM)).products], [0.88, ['meta-llama/llama-3.3-70b-instruct']])
})

test('v1 output is the same with and without the seeded rows: a recompute without them changes no fixing', async (t) => {
  const app = await setup(t)
  await compute(app, ['EX-FRONTIER-V1', 'EX-MID-V1'])
  const before = await fixing(app, 'EX-FRONTIER-V1', FROM)
  await sql`delete from model_tiers`.execute(app.db)
  const again = await compute(app, ['EX-FRONTIER-V1', 'EX-MID-V1'])
  assert.deepEqual(again.indices.map((i) => [i.revised, i.unchanged]), [[0, 2], [0, 2]])
  assert.equal((await fixing(app, 'EX-FRONTIER-V1', FROM)).hash, before.hash)
  // the v2 index does move without them: gpt-4o is frontier on 04-14 again
  await compute(app, ['EX-FRONTIER-V2'])
  assert.equal((await fixing(app, 'EX-FRONTIER-V2', FROM)).value, 2.25) // 1.25, 2, 2.5, 3
})
