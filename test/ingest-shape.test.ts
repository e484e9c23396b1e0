import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { canonicalPrice, fastQuoteRow, QuoteInput } from '../src/domain/quote-input.ts'

// The JS half of validation, without a database: the price canonicalizer, and the fast path that
// must never accept a row the zod schema refuses (nor change what an accepted row stores).

test('canonicalPrice keeps decimal strings exactly, expands exponents as text, refuses sentinels', () => {
  const ok: Array<[unknown, string]> = [
    ['2.99', '2.99'], ['2.990', '2.990'], [2.99, '2.99'], [0.0000021, '0.0000021'], ['0.0000021', '0.0000021'],
    [2.1e-7, '0.00000021'], ['2.1e-7', '0.00000021'], ['1E3', '1000'], ['1.5e1', '15'], [98.32, '98.32'], ['007.5', '7.5'],
    ['123456789012.5', '123456789012.5'], ['0.00000000000000000001', '0.00000000000000000001'],
  ]
  for (const [v, want] of ok) assert.deepEqual(canonicalPrice(v), { price: want }, String(v))
  for (const v of [-1, '-1', 0, '0', '0.000', '-0', NaN, Infinity, -Infinity, 'NaN', 'Infinity', '-inf', 'abc', '', ' 1', '1.', '.5',
    '1e31', '1e-31', 1e300, '1234567890123', '0.000000000000000000001', true, null, undefined, {}, [1], '0x10', '1_000']) {
    assert.ok('reason' in canonicalPrice(v), `accepted ${String(v)}`)
  }
})

const pick = (...xs: unknown[]) => fc.constantFrom(...xs)
const field = (...xs: unknown[]) => fc.option(pick(...xs), { nil: undefined })
const rowArb = fc.record({
  provider: field('lambda', 'Lambda', '', 'a-b', 7),
  product: field('h100-sxm', 'openai/gpt-5.5', 'a/b/c', 'H100'),
  segment: field('on_demand', 'reserved', 'input', 'weekly', null),
  term_months: field(1, 12, 0, 1.5, '12', null, 121),
  service_tier: field('standard', 'batch', 'turbo', null),
  price: field('2.99', 2.99, '-1', 0, 'abc', '1e-7', 1e300, '', null, NaN),
  currency: field('USD', 'CNY', 'usd', 'XYZ', 'EURO'),
  unit: field('gpu_hour', 'instance_hour', 'gpu_month', 'token', '1k_tokens', '1m_tokens', 'hour'),
  gpus_per_instance: field(8, 0, 2.5, null, '8', 1025),
  region: field('us', 'mars', null),
  observed_at: field('2026-11-02T12:00:00Z', '2026-11-02t12:00:00z', '2026-11-02 12:00:00+08:00', '2026-11-02T12:00:00', '2026-13-01T00:00:00Z', '2999-01-01T00:00:00Z', 5),
  source: field('importer', '', 'x'.repeat(501), null, 3),
}, { requiredKeys: [] })
// Valid rows with up to two fields changed or removed: most runs sit near the boundary.
const valid = [
  { provider: 'lambda', product: 'h100-sxm', segment: 'on_demand', price: '2.99', currency: 'USD', unit: 'gpu_hour', observed_at: '2026-11-02T12:00:00Z' },
  { provider: 'lambda', product: 'h100-sxm', segment: 'reserved', term_months: 12, price: 20, currency: 'CNY', unit: 'instance_hour', gpus_per_instance: 8, observed_at: '2026-11-02T12:00:00+08:00' },
  { provider: 'openai', product: 'openai/gpt-5.5', segment: 'input', service_tier: 'batch', price: 0.0000021, currency: 'USD', unit: 'token', region: 'us', observed_at: '2026-11-02 12:00:00Z', source: 'x' },
]
const nearValid = fc.tuple(fc.constantFrom(...valid), rowArb).map(([base, o]) => ({ ...base, ...Object.fromEntries(Object.entries(o).slice(0, 2)) }))

test('the fast path accepts only what the schema accepts, and stores the same row', () => {
  const now = Date.parse('2026-11-25T00:00:00Z')
  let accepted = 0
  fc.assert(fc.property(fc.oneof(nearValid, rowArb, nearValid.map((r) => ({ ...r, extra: 1 }))), (raw) => {
    const fast = fastQuoteRow(raw, 0, now)
    if (!fast) return
    accepted++
    const z = QuoteInput.safeParse(raw)
    assert.ok(z.success, `fast path accepted a row zod refuses: ${JSON.stringify(raw)}`)
    assert.equal(fast.price, (canonicalPrice(z.data.price) as { price: string }).price)
    assert.equal(fast.provider, z.data.provider)
  }), { numRuns: 20_000 })
  assert.ok(accepted > 0, 'the generator reaches valid rows')
})
