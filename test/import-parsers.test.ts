import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { decimalText, priceText } from '../src/importers/batch.ts'
import { bareModelName, mapModel } from '../src/importers/models.ts'
import { readSourceFile } from '../src/importers/read-source.ts'
import { SOURCES } from '../src/importers/sources.ts'

// Every parser on a small fixture of its source's format, one trap per row (README of ../shared/data).
const F = 'test/fixtures/importers'
const at = '2026-08-20T00:00:00Z'
const parse = (source: string, file: string) => SOURCES[source]!.parse(readSourceFile(`${F}/${file}`, true), { observedAt: at, fileName: file })
const prices = (b: ReturnType<typeof parse>, provider: string, product: string, tier = 'standard') =>
  Object.fromEntries(b.quotes.filter((q) => q.provider === provider && q.product === product && (q.service_tier ?? 'standard') === tier)
    .map((q) => [q.segment, q.price]))

test('decimals: floats become exact decimal text; sentinels are never prices', () => {
  assert.equal(decimalText(5e-7), '0.0000005')
  assert.equal(decimalText(1.5e-8), '0.000000015')
  assert.equal(decimalText(0.00003), '0.00003')
  assert.equal(decimalText(1e21), '1000000000000000000000')
  assert.deepEqual(priceText('-1'), { reason: 'dynamic_price' })
  assert.deepEqual(priceText('0'), { reason: 'free' })
  assert.deepEqual(priceText(0), { reason: 'free' })
  assert.deepEqual(priceText('-0.5'), { reason: 'negative_price' })
  assert.deepEqual(priceText('NaN'), { reason: 'not_a_number' })
  assert.deepEqual(priceText(undefined), { reason: 'no_price' })
  assert.deepEqual(priceText(2.5e-6), { price: '0.0000025' })
})

test('model names: one model under many source names maps to one product, never a guess', () => {
  for (const name of ['claude-opus-4-8', 'bedrock/us.anthropic.claude-opus-4-8-20260101-v1:0', 'anthropic/claude-opus-4.8',
    'vertex_ai/claude-opus-4-8@default', 'global.anthropic.claude-opus-4-8-v1:0']) {
    assert.equal(bareModelName(name), 'claude-opus-4.8', name)
  }
  assert.equal(bareModelName('fireworks_ai/accounts/fireworks/models/llama-v3p1-70b-instruct'), 'llama-3.1-70b-instruct')
  assert.equal(bareModelName('together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo'), 'llama-3.1-70b-instruct')
  assert.deepEqual(mapModel('openai/gpt-5.5'), {
    product: { code: 'openai/gpt-5.5', kind: 'model', name: 'gpt-5.5', family: 'gpt-5', tier: 'frontier', open_weights: false },
  })
  assert.deepEqual(mapModel('acme/frobnicator-9'), { unmapped: 'frobnicator-9' })
  assert.deepEqual(mapModel('gpt-5.5-pro'), { excluded: true, reason: 'premium_or_context_variant' })
})

test('openrouter: per-token strings; "-1" and "0" skipped and counted; non-text skipped; :batch is the batch tier', () => {
  const b = parse('openrouter', 'openrouter-models.json')
  assert.equal(b.rowsRead, 14)
  assert.deepEqual(b.skipped, { dynamic_price: 2, free: 2, not_text_model: 2, alias: 1, alias_key: 1, excluded_by_mapping: 1 })
  assert.deepEqual(b.unmapped, { 'acme/frobnicator-9': 1 })
  assert.deepEqual(prices(b, 'openrouter', 'openai/gpt-5.5'), { input: '0.000005', output: '0.00003', cached_input: '0.0000005' })
  assert.deepEqual(prices(b, 'openrouter', 'openai/gpt-5.5', 'batch'), { input: '0.0000025', output: '0.000015' })
  // the undated id wins over the dated snapshot with another price
  assert.deepEqual(prices(b, 'openrouter', 'openai/gpt-4o'), { input: '0.0000025', output: '0.00001' })
  assert.ok(b.quotes.every((q) => q.unit === 'token' && q.currency === 'USD' && q.observed_at === at && q.source === 'openrouter'))
  assert.equal(b.providers.get('openrouter')?.kind, 'inference_host')
})

test('litellm: chat only; one key per model and provider; tiers from suffixes; long-context and per-second are not quotes', () => {
  const b = parse('litellm', 'litellm-prices.json')
  assert.equal(b.rowsRead, 16) // sample_spec is not a row
  assert.deepEqual(b.skipped, { alias_key: 3, not_chat_model: 1, not_per_token: 2, zero_cost: 1, no_cost: 1, excluded_by_mapping: 1 })
  assert.deepEqual(b.unmapped, { 'provider vercel_ai_gateway': 1, 'gpt-frobnicator': 1 })
  assert.deepEqual(prices(b, 'openai', 'openai/gpt-5.5'), { input: '0.000005', output: '0.00003', cached_input: '0.0000005' })
  assert.deepEqual(prices(b, 'openai', 'openai/gpt-5.5', 'batch'), { input: '0.0000025', output: '0.000015' })
  assert.deepEqual(prices(b, 'openai', 'openai/gpt-5.5', 'flex'), { input: '0.0000025', output: '0.000015' })
  assert.deepEqual(prices(b, 'openai', 'openai/gpt-5.5', 'priority'), { input: '0.00001', output: '0.00006' })
  // azure/gpt-5.5 beats azure/us/gpt-5.5; Bedrock's unprefixed id beats us.
  assert.deepEqual(prices(b, 'azure-ai', 'openai/gpt-5.5'), { input: '0.000005', output: '0.00003' })
  assert.deepEqual(prices(b, 'aws-bedrock', 'anthropic/claude-opus-4.8'), { input: '0.000005', output: '0.000025' })
  assert.deepEqual(prices(b, 'openrouter', 'meta-llama/llama-3.1-8b-instruct'), { input: '0.000000015', output: '0.00000002' })
  assert.ok(!b.quotes.some((q) => q.price === '0.00001' && q.service_tier === 'standard'), 'no _above_ price as a headline')
  assert.equal(b.quotes.length, 17)
})

test('genai-prices: USD per 1M; dated lists on their start dates; tiered at the base tier; time-of-day and regional skipped', () => {
  const b = parse('genai-prices', 'genai-prices.json')
  assert.equal(b.rowsRead, 11)
  assert.deepEqual(b.skipped, { superseded: 2, future_price: 1, excluded_by_mapping: 2, time_of_day_price: 1, regional_variant: 1 })
  assert.deepEqual(b.unmapped, { 'provider avian': 1 }) // gpt-image-2 is excluded: not a text chat model
  assert.deepEqual(prices(b, 'openai', 'openai/gpt-5.5'), { input: '5', output: '30', cached_input: '0.5' })
  const gpt56 = b.quotes.filter((q) => q.product === 'openai/gpt-5.6')
  assert.deepEqual(gpt56.map((q) => [q.segment, q.price, q.observed_at]), [['input', '2', '2026-07-30T00:00:00Z'], ['output', '12', '2026-07-30T00:00:00Z']])
  assert.deepEqual(prices(b, 'openai', 'openai/gpt-5.4-mini'), { input: '0.75', output: '4.5' }) // the 2027 price is not yet
  assert.deepEqual(prices(b, 'anthropic', 'anthropic/claude-sonnet-4.5'), { input: '3', output: '15' }) // base tier
  assert.deepEqual(prices(b, 'deepseek', 'deepseek/deepseek-chat'), { input: '0.27', output: '1.1' })
  assert.deepEqual(prices(b, 'aws-bedrock', 'anthropic/claude-opus-4.8'), { input: '5', output: '25' })
  assert.ok(b.quotes.every((q) => q.unit === '1m_tokens'))
})

test('llm-prices: a folder of vendor files; price_history periods observed on from_date', () => {
  const b = parse('llm-prices', 'llm-prices')
  assert.equal(b.rowsRead, 7)
  assert.deepEqual(b.skipped, { excluded_by_mapping: 1, undated_past_price: 1, future_price: 1 })
  assert.deepEqual(b.unmapped, { 'openai/gpt-davinci': 1 })
  assert.deepEqual(prices(b, 'openai', 'openai/gpt-5.6'), { input: '2', output: '12', cached_input: '0.2' })
  assert.ok(b.quotes.filter((q) => q.product === 'openai/gpt-5.6').every((q) => q.observed_at === '2026-07-30T00:00:00Z'))
  // Sonnet 5's $2/$10 runs until 2026-09-01: on 2026-08-20 it is the current price
  assert.deepEqual(prices(b, 'anthropic', 'anthropic/claude-sonnet-5'), { input: '2', output: '10' })
})

test('skypilot: instance price with its GPU count; SXM and PCIe from the instance type; one price for all regions is one quote', () => {
  const b = parse('skypilot', 'lambda_vms.csv')
  assert.equal(b.rowsRead, 11)
  assert.deepEqual(b.skipped, { same_price_other_region: 5 })
  assert.deepEqual(b.unmapped, { 'gpu_1x_a100 (A100)': 1, 'gpu_1x_gh200 (GH200)': 1 })
  const rows = b.quotes.map((q) => [q.product, q.segment, q.price, q.gpus_per_instance, q.region ?? null])
  assert.deepEqual(rows, [
    ['h100-sxm', 'on_demand', '3.29', 1, null], ['h100-sxm', 'on_demand', '23.92', 8, null],
    ['h100-pcie', 'on_demand', '2.49', 1, null],
    ['b200-sxm', 'on_demand', '39.92', 8, 'us'], ['b200-sxm', 'on_demand', '41.92', 8, 'eu'], ['b200-sxm', 'spot', '19.96', 8, null],
  ])
  assert.ok(b.quotes.every((q) => q.provider === 'lambda' && q.unit === 'instance_hour'))
  assert.throws(() => SOURCES.skypilot!.parse(readFileSync(`${F}/lambda_vms.csv`, 'utf8'), { observedAt: at, fileName: 'vms.csv' }), /--provider/)
})

test('vast: dph_base, never dph_total; interruptible offers are spot; identical offers counted once', () => {
  const b = parse('vast', 'vast-offers.json')
  assert.equal(b.rowsRead, 7)
  assert.deepEqual(b.skipped, { same_offer_price: 1, no_price: 1 })
  assert.deepEqual(b.unmapped, { 'RTX 4090': 1 })
  assert.deepEqual(b.quotes.map((q) => [q.product, q.segment, q.price, q.gpus_per_instance, q.region]), [
    ['h100-sxm', 'on_demand', '16', 8, 'us'], ['h100-sxm', 'on_demand', '2.05', 1, 'eu'],
    ['h100-pcie', 'on_demand', '3.4', 2, 'us'], ['h100-sxm', 'spot', '5.2', 4, 'apac'],
  ])
})

test('csv: the POST /v1/quotes columns, passed on for validation as they are', () => {
  const b = parse('csv', 'quotes.csv')
  assert.equal(b.rowsRead, 5)
  assert.equal(b.raw.length, 5)
  assert.deepEqual(b.raw[1], {
    provider: 'csv-cloud',
    product: 'h100-sxm',
    segment: 'reserved',
    term_months: 12,
    price: '1825',
    currency: 'USD',
    unit: 'gpu_month',
    observed_at: '2026-11-02T12:00:00Z',
    source: 'csv',
  })
  assert.equal(b.raw[2]!.observed_at, at) // an empty cell takes --observed-at
})

test('parsers refuse a file of another format with a clear message', () => {
  assert.throws(() => SOURCES.openrouter!.parse('{"models": []}', { observedAt: at }), /not an OpenRouter models response/)
  assert.throws(() => SOURCES.vast!.parse('[]', { observedAt: at }), /not a Vast.ai offers response/)
  assert.throws(() => SOURCES['genai-prices']!.parse('{}', { observedAt: at }), /not a genai-prices/)
})
