import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { sql } from 'kysely'
import type { App } from '../src/app.ts'
import { loadMappings } from '../src/importers/mapping-set.ts'
import { sampleChatModelNames } from '../src/importers/model-coverage.ts'
import { mapModel } from '../src/importers/models.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { put } from './helpers/golden.ts'

// The dated tier table (#17, migrations 0069 and 0071; docs/methodology.md, "Dated tiers"): seeded rows
// change the tier methodology v2 counts a model under from their date; the v1 engine does not read them
// (v2_only). Runs on the embedded database and (TEST_DATABASE_URL) on a server.

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
  assert.equal(rows.length, 46)
  assert.equal(rows.filter((r) => r.changed_by === 'migration 0069').length, 15)
  assert.equal(rows.filter((r) => r.changed_by === 'migration 0071').length, 31)
  assert.ok(rows.every((r) => r.v2_only && r.reason.length > 20))
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

// 0071's rows, the same proof: on 2026-07-08 and 2026-07-09 (GPT-5.6 released on the 9th) input prices per
// 1M tokens, one host each, the same on both days: grok-4.20 1.25, gemini-3.1-pro 2, gpt-5.4 2.5,
// claude-sonnet-4.6 3, gpt-5.5 5, claude-opus-4.8 5. Under 0071 grok-4.20 is retired from 07-08 (Grok
// 4.5), claude-sonnet-4.6 is mid from 05-27 (Claude 4.8), gpt-5.4 is retired from 07-09 (GPT-5.6).
const D8 = '2026-07-08'
const D9 = '2026-07-09'

async function setup71 (t: Parameters<typeof buildTestApp>[0]): Promise<App> {
  const app = await buildTestApp(t)
  for (const slug of ['openai', 'anthropic', 'google', 'x-ai']) await put(app, `/v1/providers/${slug}`, { name: slug, kind: 'model_lab' })
  const models: Array<[string, string, string]> = [
    ['x-ai/grok-4.20', 'grok', '1.25'], ['google/gemini-3.1-pro', 'gemini-pro', '2'], ['openai/gpt-5.4', 'gpt-5', '2.5'],
    ['anthropic/claude-sonnet-4.6', 'claude-sonnet', '3'], ['openai/gpt-5.5', 'gpt-5', '5'], ['anthropic/claude-opus-4.8', 'claude-opus', '5'],
  ]
  for (const [code, family] of models) {
    await put(app, `/v1/products/${encodeURIComponent(code)}`, { kind: 'model', name: code.split('/')[1], family, tier: 'frontier', open_weights: false })
  }
  const quotes = [D8, D9].flatMap((d) => models.map(([code, , price]) =>
    ({ provider: code.split('/')[0], product: code, segment: 'input', price, currency: 'USD', unit: '1m_tokens', observed_at: `${d}T12:00:00Z`, source: 'survey' })))
  const res = await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes } })
  assert.equal(res.statusCode, 200, res.body)
  await put(app, '/v1/indices/EX-FRONTIER-V2', def('frontier', 2))
  await put(app, '/v1/indices/EX-MID-V2', def('mid', 2))
  await put(app, '/v1/indices/EX-FRONTIER-V1', def('frontier', 1))
  return app
}

async function compute71 (app: App, codes: string[]) {
  const res = await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from: D8, to: D9, indices: codes } })
  assert.equal(res.statusCode, 200, res.body)
  return res.json() as { indices: Array<{ code: string, published: number, unchanged: number, revised: number }> }
}

test('0071: gpt-5.4 leaves v2 frontier on 2026-07-09, grok-4.20 and claude-sonnet-4.6 are out of it on both days; v1 unchanged without the rows', async (t) => {
  const app = await setup71(t)
  await compute71(app, ['EX-FRONTIER-V2', 'EX-MID-V2', 'EX-FRONTIER-V1'])
  // v2 frontier, median over models: 07-08 gemini 2, gpt-5.4 2.5, gpt-5.5 5, opus 5 → (2.5 + 5) / 2 = 3.75;
  // 07-09 gemini 2, gpt-5.5 5, opus 5 → 5
  const f8 = await fixing(app, 'EX-FRONTIER-V2', D8)
  const f9 = await fixing(app, 'EX-FRONTIER-V2', D9)
  assert.deepEqual([f8.value, f8.products], [3.75, ['anthropic/claude-opus-4.8', 'google/gemini-3.1-pro', 'openai/gpt-5.4', 'openai/gpt-5.5']])
  assert.deepEqual([f9.value, f9.products], [5, ['anthropic/claude-opus-4.8', 'google/gemini-3.1-pro', 'openai/gpt-5.5']])
  // v2 mid: claude-sonnet-4.6 alone on both days (gpt-5.4 is retired, not mid)
  assert.deepEqual([(await fixing(app, 'EX-MID-V2', D9)).value, (await fixing(app, 'EX-MID-V2', D9)).products], [3, ['anthropic/claude-sonnet-4.6']])
  // v1 frontier, all six on both days: 1.25, 2, 2.5, 3, 5, 5 → (2.5 + 3) / 2 = 2.75 (screen: deviations
  // 1.5, 0.75, 0.25, 0.25, 2.25, 2.25, MAD 1.125, none beyond 3.5 × 1.4826 × 1.125)
  const v9 = await fixing(app, 'EX-FRONTIER-V1', D9)
  assert.deepEqual([(await fixing(app, 'EX-FRONTIER-V1', D8)).value, v9.value, v9.products.length], [2.75, 2.75, 6])
  // without 0071's rows v1 recomputes to the same fixings and hashes; v2 counts all six again
  const deleted = await sql`delete from model_tiers where changed_by = 'migration 0071'`.execute(app.db)
  assert.equal(Number(deleted.numAffectedRows), 31)
  const again = await compute71(app, ['EX-FRONTIER-V1'])
  assert.deepEqual(again.indices.map((i) => [i.revised, i.unchanged]), [[0, 2]])
  assert.equal((await fixing(app, 'EX-FRONTIER-V1', D9)).hash, v9.hash)
  await compute71(app, ['EX-FRONTIER-V2'])
  assert.deepEqual([(await fixing(app, 'EX-FRONTIER-V2', D8)).value, (await fixing(app, 'EX-FRONTIER-V2', D9)).value], [2.75, 2.75])
})

// The table against the sample files (../shared/data; skipped without them) and against the doc: a few
// decisions' dates are the release or withdrawal dates the files carry (written here from the files and
// read from them again), and every product the seed's rules map `frontier` from the files' chat model
// names has a row or a line in docs/methodology.md's "Stays frontier" table.
const DATA = '../shared/data'
const skip = existsSync(DATA) ? false : 'no ../shared/data on this machine'
const json = (f: string) => JSON.parse(readFileSync(`${DATA}/${f}`, 'utf8')) as unknown
const orCreated = (id: string) => {
  const m = (json('openrouter/openrouter_api_v1_models_2026-08-18_ef05c3be.json') as { data: Array<{ id: string, created: number }> }).data.find((x) => x.id === id)
  assert.ok(m, id)
  return new Date(m.created * 1000).toISOString().slice(0, 10)
}

function docTable (heading: string): string[][] {
  const lines = readFileSync('docs/methodology.md', 'utf8').split('\n')
  const at = lines.findIndex((l) => l.startsWith(heading))
  assert.ok(at >= 0, heading)
  const start = lines.findIndex((l, i) => i > at && l.startsWith('|---'))
  const rows: string[][] = []
  for (let i = start + 1; lines[i]?.startsWith('|'); i++) rows.push(lines[i]!.split('|').slice(1, -1).map((c) => c.trim()))
  return rows
}

test('GET /v1/tiers: decisions dated as the sample files date the releases; every frontier-mapped model has a row or a stated reason to stay', { skip }, async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject('/v1/tiers')
  assert.equal(res.statusCode, 200, res.body)
  const rows = res.json().data as Array<{ product: string, effective_from: string, tier: string, engines: string, changed_by: string }>
  const row = (product: string, from: string) => rows.find((r) => r.product === product && r.effective_from === from)
  // [product, effective_from, tier, the date as the file gives it, the date written here]
  const sonnet5 = (json('llm-prices/anthropic.json') as { models: Array<{ id: string, price_history: Array<{ input: number, from_date: string | null }> }> })
    .models.find((m) => m.id === 'claude-sonnet-5')!.price_history.find((p) => p.input === 3)!.from_date
  const litellm = json('litellm/model_prices_and_context_window_2026-07-24_8442b939.json') as Record<string, { deprecation_date?: string }>
  const decisions: Array<[string, string, string, string | null | undefined, string]> = [
    ['openai/gpt-4.1', '2025-11-13', 'mid', orCreated('openai/gpt-5.1'), '2025-11-13'], // GPT-5.1
    ['openai/o3', '2025-11-13', 'mid', orCreated('openai/gpt-5.1'), '2025-11-13'],
    ['openai/gpt-5.4', '2026-07-09', 'retired', orCreated('openai/gpt-5.6-sol'), '2026-07-09'], // GPT-5.6
    ['anthropic/claude-opus-4.5', '2026-04-16', 'retired', orCreated('anthropic/claude-opus-4.7'), '2026-04-16'], // Claude 4.7
    ['anthropic/claude-opus-4.7', '2026-06-09', 'retired', orCreated('anthropic/claude-fable-5'), '2026-06-09'], // Claude 5
    ['anthropic/claude-sonnet-4.6', '2026-09-01', 'retired', sonnet5, '2026-09-01'], // Sonnet 5 at $3/$15
    ['x-ai/grok-4.20', '2026-07-08', 'retired', orCreated('x-ai/grok-4.5'), '2026-07-08'], // Grok 4.5
    ['x-ai/grok-4', '2026-05-15', 'retired', litellm['xai/grok-4-0709']?.deprecation_date, '2026-05-15'], // withdrawn
    ['google/gemini-3-pro', '2026-03-09', 'retired', litellm['gemini/gemini-3-pro-preview']?.deprecation_date, '2026-03-09'], // withdrawn
    ['deepseek/deepseek-v3.1', '2026-04-24', 'retired', orCreated('deepseek/deepseek-v4-pro'), '2026-04-24'], // V4
    ['qwen/qwen3-max', '2026-05-21', 'mid', orCreated('qwen/qwen3.7-max'), '2026-05-21'], // Qwen3.7-Max
  ]
  for (const [product, from, tier, inFile, written] of decisions) {
    assert.equal(inFile, written, `${product}: the file's date`)
    const r = row(product, from)
    assert.ok(r, `${product} ${from}`)
    assert.deepEqual([r.tier, r.engines, r.changed_by], [tier, 'v2', 'migration 0071'], product)
  }

  // the doc's table is the database's table, row for row
  const docRows = docTable('**The table**').map(([p, from, tier]) => `${p} ${from} ${tier}`).sort()
  assert.deepEqual(docRows, rows.map((r) => `${r.product} ${r.effective_from} ${r.tier}`).sort())
  // every frontier-mapped product of the files: a row, or a line saying why it stays; never both, nothing stale
  const rules = await loadMappings(app.db)
  const frontier = new Set<string>()
  for (const [, name] of sampleChatModelNames(DATA)) {
    const m = mapModel(name, undefined, rules)
    if ('product' in m && m.product.tier === 'frontier') frontier.add(m.product.code)
  }
  const withRow = new Set(rows.map((r) => r.product))
  const stays = docTable('**Stays frontier**').map(([p, why]) => { assert.ok(why && why.length > 10, p); return p! })
  assert.equal(new Set(stays).size, stays.length)
  assert.deepEqual([...frontier].filter((p) => !withRow.has(p) && !stays.includes(p)), [], 'frontier-mapped, neither a row nor a reason to stay')
  assert.deepEqual(stays.filter((p) => withRow.has(p)), [], 'a row and a reason to stay')
  assert.deepEqual(stays.filter((p) => !frontier.has(p)), [], 'listed as staying but not frontier-mapped')
  assert.equal(frontier.size, 60)
})
