import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { test } from 'node:test'
import { sql } from 'kysely'
import { fixingAsOf, fixingRevisions } from '../src/domain/fixings.ts'
import { modelCoverage } from '../src/importers/model-coverage.ts'
import { mapModel } from '../src/importers/models.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { goldenCases, loadCase } from './helpers/golden.ts'

// The tier table over the real public samples (#17): every chat model name is mapped or excluded with a
// stated reason. The samples are read in place at ../shared/data and the test skips where they are absent.
const D = '../shared/data'
const skip = existsSync(D) ? false : 'no ../shared/data on this machine'

test('tier table: zero unmapped chat models in the sample files (Dec 2024–Dec 2026 window)', { skip }, () => {
  const c = modelCoverage(D)
  const unmapped = [...c.bare].filter(([, v]) => v.outcome === 'unmapped').map(([k]) => k)
  assert.deepEqual(unmapped, [])
  assert.ok(c.counts.mapped > 200, `mapped ${c.counts.mapped}`)
})

test('tier table: the gaps named in #17 are mapped, with the flagship tier at release', () => {
  const tier = (name: string) => { const m = mapModel(name); return 'product' in m ? `${m.product.code} ${m.product.tier}` : JSON.stringify(m) }
  assert.equal(tier('o3'), 'openai/o3 frontier')
  assert.equal(tier('openai/o1'), 'openai/o1 frontier')
  assert.equal(tier('o4-mini-2025-04-16'), 'openai/o4-mini small')
  assert.equal(tier('gpt-4'), 'openai/gpt-4 frontier')
  assert.equal(tier('gpt-4-turbo-2024-04-09'), 'openai/gpt-4-turbo frontier') // no longer folded into gpt-4
  assert.equal(tier('gpt-4.5-preview'), 'openai/gpt-4.5 frontier')
  assert.equal(tier('gpt-4o-2024-08-06'), 'openai/gpt-4o frontier')
  assert.equal(tier('claude-3-opus-20240229'), 'anthropic/claude-3-opus frontier')
  assert.equal(tier('anthropic.claude-3-5-sonnet-20241022-v2:0'), 'anthropic/claude-3.5-sonnet frontier')
  assert.equal(tier('claude-3-7-sonnet-latest'), 'anthropic/claude-3.7-sonnet frontier')
  assert.equal(tier('claude-3-sonnet-20240229'), 'anthropic/claude-3-sonnet mid')
  assert.equal(tier('claude-3-5-haiku-20241022'), 'anthropic/claude-3.5-haiku small')
  assert.equal(tier('claude-sonnet-5'), 'anthropic/claude-sonnet-5 frontier')
  assert.equal(tier('deepseek/deepseek-chat'), 'deepseek/deepseek-chat frontier')
  assert.equal(tier('fireworks_ai/accounts/fireworks/models/deepseek-v3p1'), 'deepseek/deepseek-v3.1 frontier')
  assert.deepEqual(mapModel('gemini-1.0-pro'), { excluded: true, reason: 'before_window' })
  assert.deepEqual(mapModel('gpt-3.5-turbo'), { excluded: true, reason: 'before_window' })
  assert.deepEqual(mapModel('ft:gpt-4o-2024-08-06:acme::abc'), { excluded: true, reason: 'fine_tuned' })
  assert.deepEqual(mapModel('text-embedding-3-large'), { excluded: true, reason: 'not_text_chat' })
})

// Dated tiers (#17): golden case 24 (five frontier models' input prices on 2026-11-05, median $3 per 1M:
// 1.25 gemini, 2 deepseek, 3 grok, 5 gpt-5.5, 5 opus) under a tier change recorded in model_tiers. The index
// is v1: its rows are v2_only = false, the rows that apply to v1 as well (migration 0069).
const gold24 = goldenCases().find((c) => c.name === '24-normalize-model')!
const DAY = '2026-11-05'

async function tierCase (t: Parameters<typeof buildTestApp>[0]) {
  const app = await buildTestApp(t)
  await loadCase(app, gold24)
  const payload = { from: DAY, to: DAY, indices: [gold24.index.code] }
  const compute = async () => (await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload }))
    .json() as { indices: Array<Record<string, number>> }
  const setTier = (product: string, from: string, tier: string) => sql`insert into model_tiers (product, effective_from, tier, reason, changed_by, v2_only)
    values (${product}, ${from}, ${tier}, 'test: lab released two newer flagship generations', 'test', false)`.execute(app.db)
  return { app, compute, setTier }
}

test('dated tier: a change effective after the fixing date leaves the fixing as products.tier has it', async (t) => {
  const { app, compute, setTier } = await tierCase(t)
  assert.equal((await compute()).indices[0]!.published, 1)
  assert.equal((await fixingAsOf(app.db, gold24.index.code, DAY))!.value, '3.000000')
  await setTier('google/gemini-2.5-pro', '2026-11-06', 'retired')
  assert.equal((await compute()).indices[0]!.unchanged, 1)
  assert.equal((await fixingRevisions(app.db, gold24.index.code, DAY)).length, 1)
})

test('dated tier: a model retired from frontier on the fixing date revises the fixing, shown in the restatement register', async (t) => {
  const { app, compute, setTier } = await tierCase(t)
  await compute()
  await setTier('google/gemini-2.5-pro', DAY, 'retired')
  assert.equal((await compute()).indices[0]!.revised, 1)
  const revs = await fixingRevisions(app.db, gold24.index.code, DAY)
  // 2, 3, 5, 5: four contributors stand on four quotes, below min_quotes 5, and the one day of data has
  // no wider window to fall back on: withheld
  assert.deepEqual(revs.map((r) => [r.revision, r.reason, r.status, r.value]),
    [[1, 'initial', 'ok', '3.000000'], [2, 'correction', 'insufficient_data', null]])
  const register = await app.inject({ method: 'GET', url: '/v1/revisions' })
  assert.equal(register.statusCode, 200, register.body)
  assert.ok(JSON.stringify(register.json()).includes(gold24.index.code))
  // a small model counted as frontier from 2026-11-01 joins: five contributors again
  await setTier('openai/gpt-5-mini', '2026-11-01', 'frontier')
  const third = await compute()
  const after = (await fixingAsOf(app.db, gold24.index.code, DAY))!
  assert.equal(third.indices[0]!.revised, 1)
  assert.equal(after.value, '3.000000') // 0.25, 2, 3, 5, 5 → 3
})
