import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { test } from 'node:test'
import { readSourceFile } from '../src/importers/read-source.ts'
import { runImport } from '../src/importers/run.ts'
import { SOURCES } from '../src/importers/sources.ts'
import { testDatabase } from './helpers/db.ts'

// The importers over the real public samples in ../shared/data (third-party data: read in place,
// never copied into the project). Skipped cleanly where that folder is absent.
const D = '../shared/data'
const skip = existsSync(D) ? false : 'no ../shared/data on this machine'
const parse = (source: string, path: string, observedAt: string) =>
  SOURCES[source]!.parse(readSourceFile(`${D}/${path}`, true), { observedAt, fileName: path })

test('openrouter: 549 models; the five "-1" router pseudo-models and the free ones are skipped and counted', { skip }, () => {
  const b = parse('openrouter', 'openrouter/openrouter_api_v1_models_2026-08-18_ef05c3be.json', '2026-08-18T00:00:00Z')
  assert.equal(b.rowsRead, 549)
  assert.equal(b.skipped.dynamic_price, 5)
  assert.equal(b.skipped.free, 18)
  assert.equal(b.skipped.not_text_model, 148)
  const gpt = b.quotes.filter((q) => q.product === 'openai/gpt-5.5' && q.service_tier === 'standard')
  assert.deepEqual(Object.fromEntries(gpt.map((q) => [q.segment, q.price])), { input: '0.000005', output: '0.00003', cached_input: '0.0000005' })
  assert.ok(b.quotes.length > 250)
})

test('litellm: chat models only, one key per model and provider, service tiers from the suffixes', { skip }, () => {
  const b = parse('litellm', 'litellm/model_prices_and_context_window_2026-07-24_8442b939.json', '2026-07-24T00:00:00Z')
  assert.equal(b.rowsRead, 2984)
  assert.equal(b.skipped.not_chat_model, 699)
  assert.ok(b.skipped.alias_key! > 100)
  const openai = (tier: string) => Object.fromEntries(b.quotes.filter((q) => q.provider === 'openai' && q.product === 'openai/gpt-5.5' &&
    q.service_tier === tier).map((q) => [q.segment, q.price]))
  assert.deepEqual(openai('standard'), { input: '0.000005', output: '0.00003', cached_input: '0.0000005' })
  assert.deepEqual(openai('batch'), { input: '0.0000025', output: '0.000015' })
  assert.deepEqual(openai('priority'), { input: '0.00001', output: '0.00006', cached_input: '0.000001' })
  // Bedrock's unprefixed id ($5) wins over us./eu./jp. (+10%)
  const bedrock = b.quotes.filter((q) => q.provider === 'aws-bedrock' && q.product === 'anthropic/claude-opus-5' && q.service_tier === 'standard')
  assert.deepEqual(Object.fromEntries(bedrock.map((q) => [q.segment, q.price])), { input: '0.000005', output: '0.000025', cached_input: '0.0000005' })
})

test('genai-prices: GPT-5.5 at $5 input and $30 output per 1M; dated prices on their start dates', { skip }, async (t) => {
  const b = parse('genai-prices', 'genai-prices/data_v2_2026-08-21_47df840a.json', '2026-08-21T00:00:00Z')
  assert.equal(b.rowsRead, 1466)
  assert.equal(b.skipped.time_of_day_price, 2)
  assert.equal(b.skipped.future_price, 5)
  const { db } = await testDatabase(t)
  const s = await runImport(db, b)
  assert.equal(s.accepted, b.quotes.length)
  const gpt = await db.selectFrom('quotes').select(['segment', 'usd_price']).where('provider', '=', 'openai')
    .where('product', '=', 'openai/gpt-5.5').orderBy('segment').execute()
  assert.deepEqual(gpt, [{ segment: 'cached_input', usd_price: '0.5000000000' }, { segment: 'input', usd_price: '5.0000000000' },
    { segment: 'output', usd_price: '30.0000000000' }])
  // Claude Opus 4.6: a tiered undated set, superseded by the set dated 2026-03-13
  const o = await db.selectFrom('quotes').select(['segment', 'usd_price', 'observed_at']).where('provider', '=', 'anthropic')
    .where('product', '=', 'anthropic/claude-opus-4.6').where('segment', '=', 'input').execute()
  assert.deepEqual(o, [{ segment: 'input', usd_price: '5.0000000000', observed_at: '2026-03-13T00:00:00Z' }])
  assert.equal((await runImport(db, b)).duplicates, b.quotes.length)
})

test('llm-prices: the vendor folder; price_history periods on their from dates', { skip }, () => {
  const b = parse('llm-prices', 'llm-prices', '2026-08-05T00:00:00Z')
  assert.equal(b.rowsRead, 148)
  // GPT-5.6 Luna's cut: the period ending 2026-07-30 has no from date (undated_past_price); the new one is dated
  const luna = b.quotes.filter((q) => q.product === 'openai/gpt-5.6-luna')
  assert.deepEqual(luna.map((q) => [q.segment, q.price, q.observed_at]), [['input', '0.2', '2026-07-30T00:00:00Z'],
    ['output', '1.2', '2026-07-30T00:00:00Z'], ['cached_input', '0.02', '2026-07-30T00:00:00Z']])
  const sonnet = b.quotes.filter((q) => q.product === 'anthropic/claude-sonnet-5')
  assert.deepEqual(sonnet.map((q) => [q.segment, q.price, q.observed_at]), [['input', '2', '2026-08-05T00:00:00Z'], ['output', '10', '2026-08-05T00:00:00Z']])
})

test('skypilot: Lambda H100 SXM and H100 PCIe per-GPU prices; regions deduplicated', { skip }, async (t) => {
  const b = parse('skypilot', 'skypilot/lambda_vms_v8_gpu_rows_0f407038.csv', '2026-08-01T00:00:00Z')
  assert.equal(b.rowsRead, 255)
  assert.equal(b.skipped.same_price_other_region, 160)
  assert.equal(b.unmapped['gpu_1x_gh200 (GH200)'], 17)
  const { db } = await testDatabase(t)
  const s = await runImport(db, b)
  assert.equal(s.accepted, 10)
  const rows = await db.selectFrom('quotes').select(['product', 'gpus_per_instance', 'price', 'usd_price'])
    .where('provider', '=', 'lambda').where('product', 'in', ['h100-sxm', 'h100-pcie']).orderBy('product').orderBy('gpus_per_instance').execute()
  assert.deepEqual(rows.map((r) => [r.product, r.gpus_per_instance, r.price, r.usd_price]), [
    ['h100-pcie', 1, '3.29', '3.2900000000'],
    ['h100-sxm', 1, '4.29', '4.2900000000'], ['h100-sxm', 2, '8.38', '4.1900000000'],
    ['h100-sxm', 4, '16.36', '4.0900000000'], ['h100-sxm', 8, '31.92', '3.9900000000'],
  ])
})
