import assert from 'node:assert/strict'
import { test } from 'node:test'
import { generateDemo } from '../src/demo/dataset.ts'
import { loadDemo, loadDemoOnFirstStart, shouldLoadDemo } from '../src/demo/load.ts'
import { testDatabase } from './helpers/db.ts'

const END = '2026-11-01'

test('the demo dataset is deterministic, synthetic-labelled, 180 days up to the end day', () => {
  const a = generateDemo({ end: END })
  const b = generateDemo({ end: END })
  assert.deepEqual(a, b)
  assert.notDeepEqual(generateDemo({ end: END, seed: 7 }).quotes, a.quotes)
  assert.equal(a.from, '2026-05-06')
  assert.ok(a.quotes.every((q) => q.source === 'demo'))
  assert.ok(a.quotes.every((q) => q.observed_at >= '2026-05-06' && q.observed_at < '2026-11-02'))
  assert.ok(a.quotes.length > 3000 && a.quotes.length < 40000, String(a.quotes.length))
  const currencies = new Set(a.quotes.map((q) => q.currency))
  for (const c of currencies) if (c !== 'USD') assert.ok(a.fxRates.some((r) => r.currency === c && r.date === '2026-04-29'), c)
})

test('the demo covers every default index with enough providers, around real price levels', () => {
  const { quotes, providers, products } = generateDemo({ end: END })
  const kind = Object.fromEntries(providers.map((p) => [p.slug, p.kind]))
  const product = Object.fromEntries(products.map((p) => [p.code, p]))
  const day = quotes.filter((q) => q.observed_at.startsWith('2026-05-06'))
  const providersOf = (filter: (q: typeof day[number]) => boolean) => new Set(day.filter(filter).map((q) => q.provider)).size
  const gpu = (code: string, segment: string, kinds = ['neocloud', 'marketplace']) =>
    (q: typeof day[number]) => q.product === code && q.segment === segment && kinds.includes(kind[q.provider]!)
  for (const [code, segment] of [['h100-sxm', 'on_demand'], ['h100-sxm', 'spot'], ['h100-sxm', 'reserved'], ['h100-pcie', 'on_demand'],
    ['h200-sxm', 'on_demand'], ['a100-80gb-sxm', 'on_demand'], ['b200-sxm', 'on_demand']]) {
    assert.ok(providersOf(gpu(code!, segment!)) >= 5, `${code} ${segment}`)
  }
  assert.ok(providersOf(gpu('h100-sxm', 'on_demand', ['hyperscaler'])) >= 4)
  const model = (test: (p: typeof products[number]) => boolean, kinds?: string[]) => (q: typeof day[number]) =>
    product[q.product]?.kind === 'model' && test(product[q.product]!) && q.service_tier === 'standard' && (!kinds || kinds.includes(kind[q.provider]!))
  assert.ok(providersOf(model((p) => p.kind === 'model' && p.tier === 'frontier')) >= 5)
  assert.ok(providersOf(model((p) => p.kind === 'model' && p.open_weights, ['inference_host'])) >= 5)
  assert.ok(providersOf(model((p) => p.kind === 'model' && p.tier === 'small')) >= 5)
  const price = (provider: string, code: string, segment: string) => day.find((q) => q.provider === provider && q.product === code && q.segment === segment)!
  assert.equal(price('lambda', 'h100-sxm', 'on_demand').price, '2.99')
  assert.deepEqual([price('azure', 'h100-sxm', 'on_demand').price, price('azure', 'h100-sxm', 'on_demand').gpus_per_instance], ['98.32', 8])
  assert.equal(price('openai', 'openai/gpt-5.5', 'input').price, '5')
  assert.equal(price('openai', 'openai/gpt-5.5', 'output').price, '30')
})

test('demo load: every default index gets a value and a history; a second load changes nothing; the same dataset gives the same hashes', async (t) => {
  const a = await testDatabase(t)
  const first = await loadDemo(a, { end: END, days: 21 })
  assert.equal(first.accepted, first.quotes)
  assert.ok(first.fixings.indices.every((i) => i.published === 21 && (i.insufficient === 0 || /^H100-SXM-R(1|3|6|24|36)$/.test(i.code))), JSON.stringify(first.fixings.indices))
  t.diagnostic(`demo load of 21 days: ${first.quotes} quotes in ${first.ms} ms`)
  const again = await loadDemo(a, { end: END, days: 21 })
  assert.deepEqual([again.accepted, again.duplicates], [0, first.quotes])
  assert.equal(await shouldLoadDemo(a, true), false)

  const latest = await a.db.selectFrom('fixings').select(['index_code', 'status', 'value', 'hash', 'revision'])
    .where('date', '=', END).orderBy('index_code').execute()
  assert.equal(latest.length, 24)
  for (const f of latest) assert.equal(f.status, 'ok', f.index_code)
  assert.ok(latest.every((f) => f.revision === 1))
  const value = (code: string) => Number(latest.find((f) => f.index_code === code)!.value)
  assert.ok(value('H100-SXM-OD') > 2 && value('H100-SXM-OD') < 4, String(value('H100-SXM-OD')))
  assert.ok(value('H100-SXM-OD-HYPERSCALER') > 9 && value('H100-SXM-OD-HYPERSCALER') < 13)
  assert.ok(value('TOK-FRONTIER-IN') > 2 && value('TOK-FRONTIER-OUT') > value('TOK-FRONTIER-IN'))

  const b = await testDatabase(t)
  await loadDemo(b, { end: END, days: 21 })
  const hashes = async (d: typeof a) => (await d.db.selectFrom('fixings').select(['index_code', 'date', 'hash'])
    .orderBy('index_code').orderBy('date').execute())
  assert.deepEqual(await hashes(b), await hashes(a))
})

test('the full demo: 180 days of fixings for every default index, the price cut and the outlier in them', async (t) => {
  const d = await testDatabase(t)
  const r = await loadDemo(d, { end: END })
  t.diagnostic(`full demo load on ${d.kind}: ${r.quotes} quotes, fixings in ${r.fixings.ms} ms, ${r.ms} ms in all`)
  assert.equal(r.fixings.indices.length, 24)
  // the curve's other terms (0060) have seven quoters, some of them listing now and then: a day
  // without enough of them is insufficient_data (never interpolated), on at most a tenth of the days
  const TERMS = /^H100-SXM-R(1|3|6|24|36)$/
  for (const i of r.fixings.indices) {
    if (TERMS.test(i.code)) assert.ok(i.published === 180 && i.insufficient <= 18, JSON.stringify(i))
    else assert.deepEqual([i.code, i.published, i.insufficient], [i.code, 180, 0])
  }
  const value = async (code: string, date: string) => Number((await d.db.selectFrom('fixings').select('value')
    .where('index_code', '=', code).where('date', '=', date).executeTakeFirstOrThrow()).value)
  // Claude Opus $15/$75 → $5/$25 on day 60 (2026-07-05): the frontier blend steps down
  assert.ok(await value('TOK-FRONTIER-BLEND', '2026-07-04') > await value('TOK-FRONTIER-BLEND', '2026-07-05'))
  // the TensorDock listing at ~4x for a week from day 150 (2026-10-03) is excluded as an outlier
  const excluded = await d.db.selectFrom('fixing_constituents as c').innerJoin('fixings as f', 'f.id', 'c.fixing_id')
    .select(['f.date']).where('f.index_code', '=', 'H100-SXM-OD').where('c.provider', '=', 'tensordock')
    .where('c.reason', '=', 'outlier').orderBy('f.date').execute()
  assert.deepEqual(excluded.map((x) => x.date), ['2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07', '2026-10-08', '2026-10-09'])
})

test('the server loads the demo only into an empty embedded database, and not with DEMO_DATA=false', async (t) => {
  const d = await testDatabase(t)
  assert.equal(await shouldLoadDemo(d, false), false)
  assert.equal(await shouldLoadDemo(d, true), d.kind === 'embedded')
  const logged: unknown[] = []
  const app = { database: d, log: { info: (...args: unknown[]) => { logged.push(args) } } }
  assert.equal(await loadDemoOnFirstStart(app, { DEMO_DATA: false }), undefined)
  assert.equal(logged.length, 0)
})
