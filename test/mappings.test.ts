import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { test } from 'node:test'
import { modelCoverage } from '../src/importers/model-coverage.ts'
import { mapModel } from '../src/importers/models.ts'

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
