import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import type { App } from '../src/app.ts'
import { runScheduledFixings } from '../src/scheduler/fixings-scheduler.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { put } from './helpers/golden.ts'

// Methodology v2 (docs/methodology.md, "Methodology v2"): worked examples computed by hand in the
// comments, through the HTTP API, on the embedded database and (TEST_DATABASE_URL) on a server.

const FRONTIER = { families: null, variants: null, tiers: ['frontier'], open_weights: null, products: null, provider_kinds: null, regions: null, service_tier: 'standard' }

async function catalog (app: App, providers: Array<[string, string]>, models: string[]) {
  for (const [slug, kind] of providers) await put(app, `/v1/providers/${slug}`, { name: slug, kind })
  for (const m of models) await put(app, `/v1/products/${encodeURIComponent(m)}`, { kind: 'model', name: m.split('/')[1], family: m.split('/')[1], tier: 'frontier', open_weights: false })
}

type Q = [provider: string, product: string, segment: string, price: string, day: string, source: string]
async function quotes (app: App, qs: Q[]) {
  const payload = {
    quotes: qs.map(([provider, product, segment, price, day, source]) => ({
      provider, product, segment, price, currency: 'USD', unit: '1m_tokens', observed_at: `${day}T12:00:00Z`, source,
    })),
  }
  const res = await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload })
  assert.equal(res.statusCode, 200, res.body)
}

async function compute (app: App, code: string, from: string, to: string) {
  const res = await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from, to, indices: [code] } })
  assert.equal(res.statusCode, 200, res.body)
}

async function fixing (app: App, code: string, day: string) {
  const { rows } = await sql<Record<string, unknown> & { id: number }>`
    select id::int8 as id, status, value::float8, window_days, n_models, n_providers, n_contributors, n_quotes, n_excluded,
      min::float8, p25::float8, p75::float8, max::float8, hhi::float8, max_provider_impact::float8, hash
    from fixings where index_code = ${code} and date = ${day} order by revision desc limit 1`.execute(app.db)
  return rows[0]!
}

const v2 = (methodology: object, segments: object = { input: 1 }) => ({
  name: 'v2 example',
  kind: 'model',
  filter: FRONTIER,
  segments,
  methodology: { version: 2, windows: [1, 3, 7], ...methodology },
})

test('v2 two-stage worked example: one value per model, the screen inside a model, the median over models', async (t) => {
  const app = await buildTestApp(t)
  await catalog(app, [['h1', 'inference_host'], ['h2', 'inference_host'], ['h3', 'inference_host'], ['h4', 'inference_host'],
    ['h5', 'inference_host'], ['lab-c', 'model_lab']], ['m/a', 'm/b', 'm/c'])
  const D = '2026-03-10'
  // m/a at five hosts (10, 11, 12, 13, 100): its median 12, |r − 12| = 2, 1, 0, 1, 88, MAD 1;
  // 88 > 3.5 × 1.4826 × 1 = 5.1891 → h5 is an outlier within m/a; m/a = median(10, 11, 12, 13) = 11.5.
  // m/b at two hosts (4, 6) = 5; m/c at its lab = 2. Index = median(2, 5, 11.5) = 5.
  await quotes(app, [['h1', 'm/a', 'input', '10', D, 'survey'], ['h2', 'm/a', 'input', '11', D, 'survey'], ['h3', 'm/a', 'input', '12', D, 'survey'],
    ['h4', 'm/a', 'input', '13', D, 'survey'], ['h5', 'm/a', 'input', '100', D, 'survey'],
    ['h1', 'm/b', 'input', '4', D, 'survey'], ['h2', 'm/b', 'input', '6', D, 'survey'], ['lab-c', 'm/c', 'input', '2', D, 'survey']])
  await put(app, '/v1/indices/EX-V2-MODELS', v2({}))
  // the same definition under v1: a median over the 8 (provider, product) pairs, 100 screened out → 10
  await put(app, '/v1/indices/EX-V1-PAIRS', { ...v2({}), methodology: { windows: [1, 3, 7] } })
  await compute(app, 'EX-V2-MODELS', D, D)
  await compute(app, 'EX-V1-PAIRS', D, D)
  assert.equal((await fixing(app, 'EX-V1-PAIRS', D)).value, 10)
  assert.equal((await fixing(app, 'EX-V1-PAIRS', D)).n_models, null)
  const f = await fixing(app, 'EX-V2-MODELS', D)
  // p25 of [2, 5, 11.5] at position 0.5: 3.5; p75 at 1.5: 8.25. hhi: remaining contributors per provider
  // h1 2, h2 2, h3 1, h4 1, lab-c 1 of 7 → 11/49. Without lab-c the index is median(5, 11.5) = 8.25 (the
  // largest move, 3.25); without h1 median(2, 6, 12) = 6; without h2 median(2, 4, 12) = 4.
  assert.deepEqual({ ...f, id: 0, hash: '' }, {
    id: 0,
    hash: '',
    status: 'ok',
    value: 5,
    window_days: 1,
    n_models: 3,
    n_providers: 5,
    n_contributors: 7,
    n_quotes: 7,
    n_excluded: 1,
    min: 2,
    p25: 3.5,
    p75: 8.25,
    max: 11.5,
    hhi: 0.22449,
    max_provider_impact: 3.25,
  })
  const models = (await sql<{ product: string, value: number, n_contributors: number, n_providers: number }>`
    select product, value::float8, n_contributors, n_providers from fixing_models where fixing_id = ${f.id} order by product`.execute(app.db)).rows
  assert.deepEqual(models, [{ product: 'm/a', value: 11.5, n_contributors: 4, n_providers: 4 },
    { product: 'm/b', value: 5, n_contributors: 2, n_providers: 2 }, { product: 'm/c', value: 2, n_contributors: 1, n_providers: 1 }])
  const excluded = (await sql<{ provider: string, reason: string }>`
    select provider, reason from fixing_constituents where fixing_id = ${f.id} and excluded`.execute(app.db)).rows
  assert.deepEqual(excluded, [{ provider: 'h5', reason: 'outlier' }])
  // the stored hash is the SHA-256 of the v2 canonical text rebuilt from the stored rows
  const { rows } = await sql<{ ok: boolean }>`
    select ${f.hash} = 'sha256:' || encode(sha256(convert_to(cpx_fixing_canonical_text_v2(${f.id}::int8), 'UTF8')), 'hex') as ok`.execute(app.db)
  assert.equal(rows[0]!.ok, true)

  // trimmed mean over models (trim 0.34: ⌊0.34 × 3⌋ = 1 from each end → 5) and weighted mean
  // (m/a 2, m/b 1, m/c 1: (2 × 11.5 + 5 + 2) / 4 = 7.5)
  await put(app, '/v1/indices/EX-V2-TRIM', v2({ statistic: 'trimmed_mean', trim: 0.34 }))
  await put(app, '/v1/indices/EX-V2-WEIGHTED', v2({ statistic: 'weighted_mean', model_weights: { 'm/a': 2 } }))
  await compute(app, 'EX-V2-TRIM', D, D)
  await compute(app, 'EX-V2-WEIGHTED', D, D)
  assert.equal((await fixing(app, 'EX-V2-TRIM', D)).value, 5)
  assert.equal((await fixing(app, 'EX-V2-WEIGHTED', D)).value, 7.5)
  // aggregate "contributor": v1's single stage (the screen across all 8: m 10.5, MAD 3.5, 100 is
  // 89.5 > 18.16 away → excluded; median of the other 7 → 10), with 3 models behind it
  await put(app, '/v1/indices/EX-V2-PAIRS', v2({ aggregate: 'contributor' }))
  await compute(app, 'EX-V2-PAIRS', D, D)
  const pairs = await fixing(app, 'EX-V2-PAIRS', D)
  assert.deepEqual([pairs.value, pairs.n_models, pairs.n_contributors, pairs.n_excluded], [10, 3, 7, 1])
})

test('v2 posted prices in force until superseded or max_posted_age_days; depth counts contributors', async (t) => {
  const app = await buildTestApp(t)
  await catalog(app, [['lab-a', 'model_lab'], ['lab-b', 'model_lab'], ['h1', 'inference_host'], ['h2', 'inference_host']], ['m/a', 'm/b'])
  await quotes(app, [
    ['lab-a', 'm/a', 'input', '10', '2026-01-01', 'llm-prices'], ['lab-a', 'm/a', 'output', '40', '2026-01-01', 'llm-prices'],
    ['h2', 'm/b', 'input', '2.4', '2026-01-02', 'openrouter'], ['h2', 'm/b', 'output', '9.6', '2026-01-02', 'openrouter'],
    ['lab-b', 'm/b', 'input', '2', '2026-01-05', 'genai-prices'], ['lab-b', 'm/b', 'output', '8', '2026-01-05', 'genai-prices'],
    ['h1', 'm/a', 'input', '12', '2026-01-10', 'survey'], // an observed market quote, input only
    ['lab-a', 'm/a', 'input', '5', '2026-01-20', 'llm-prices'], ['lab-a', 'm/a', 'output', '20', '2026-01-20', 'llm-prices'], // the cut
  ])
  const CODE = 'EX-V2-POSTED'
  await put(app, `/v1/indices/${CODE}`, v2({ min_quotes: 3, min_providers: 2, min_models: 2, max_posted_age_days: 30 }, { input: 3, output: 1 }))
  await compute(app, CODE, '2026-01-04', '2026-02-01')
  const day = (d: string) => fixing(app, CODE, d)
  // 01-04: lab-a m/a (3 × 10 + 40) / 4 = 17.5 (posted, age 3), h2 m/b (7.2 + 9.6) / 4 = 4.2 (age 2): two
  // complete contributors count 2 toward min_quotes 3, not their 4 quotes → insufficient_data
  assert.deepEqual([(await day('2026-01-04')).status, (await day('2026-01-04')).n_quotes, (await day('2026-01-04')).window_days], ['insufficient_data', 2, 7])
  // 01-05: lab-b m/b (6 + 8) / 4 = 3.5; m/b = median(3.5, 4.2) = 3.85; index median(3.85, 17.5) = 10.675,
  // in the 1-day window: posted prices count in every window
  const d5 = await day('2026-01-05')
  assert.deepEqual([d5.status, d5.value, d5.window_days, d5.n_quotes, d5.n_models], ['ok', 10.675, 1, 3, 2])
  // 01-10: h1's input-only market quote is an incomplete blend: listed, excluded, the value unchanged
  const d10 = await day('2026-01-10')
  assert.deepEqual([d10.value, d10.n_excluded], [10.675, 1])
  // 01-19: still the 01-01 list price, 18 days old
  assert.equal((await day('2026-01-19')).value, 10.675)
  // 01-20: the cut supersedes it: m/a (15 + 20) / 4 = 8.75, index median(3.85, 8.75) = 6.3
  const d20 = await day('2026-01-20')
  assert.equal(d20.value, 6.3)
  const rules = (await sql<{ provider: string, segment: string, kept_by: string, age_days: number, observed_on: string }>`
    select provider, segment, kept_by, age_days, observed_on from fixing_constituent_rules where fixing_id = ${d20.id}
    order by provider, product, segment`.execute(app.db)).rows
  assert.deepEqual(rules, [
    { provider: 'h2', segment: 'input', kept_by: 'posted', age_days: 18, observed_on: '2026-01-02' },
    { provider: 'h2', segment: 'output', kept_by: 'posted', age_days: 18, observed_on: '2026-01-02' },
    { provider: 'lab-a', segment: 'input', kept_by: 'posted', age_days: 0, observed_on: '2026-01-20' },
    { provider: 'lab-a', segment: 'output', kept_by: 'posted', age_days: 0, observed_on: '2026-01-20' },
    { provider: 'lab-b', segment: 'input', kept_by: 'posted', age_days: 15, observed_on: '2026-01-05' },
    { provider: 'lab-b', segment: 'output', kept_by: 'posted', age_days: 15, observed_on: '2026-01-05' },
  ])
  // the read API shows both stages and the rules: lab-a's constituent with its model's value
  const read = await app.inject({ method: 'GET', url: `/v1/indices/${CODE}/values/2026-01-20?include=constituents`, headers: admin })
  assert.equal(read.statusCode, 200, read.body)
  const labA = read.json().constituents.find((c: { provider: string }) => c.provider === 'lab-a')
  assert.deepEqual([labA.value, labA.segments, labA.rules.input, labA.model], [8.75, { input: 5, output: 20 },
    { kept_by: 'posted', age_days: 0, observed_on: '2026-01-20' }, { value: 8.75, weight: 1, n_contributors: 1, n_providers: 1 }])
  // 01-31: h2's 01-02 price is 29 days old, still in force; 02-01: 30 days, expired → two contributors
  // left, below min_quotes 3
  assert.equal((await day('2026-01-31')).value, 6.3)
  assert.deepEqual([(await day('2026-02-01')).status, (await day('2026-02-01')).n_contributors], ['insufficient_data', 2])
  // the market quote keeps the window rule: on 01-10 its constituent says window, age 0; on 01-11 the
  // 1-day window yields (three posted contributors) and a 1-day-old market quote is not in it
  const h1 = async (d: string) => (await sql<{ kept_by: string, age_days: number }>`
    select kept_by, age_days from fixing_constituent_rules where fixing_id = ${(await day(d)).id} and provider = 'h1'`.execute(app.db)).rows
  assert.deepEqual(await h1('2026-01-10'), [{ kept_by: 'window', age_days: 0 }])
  assert.deepEqual([(await day('2026-01-11')).window_days, await h1('2026-01-11')], [1, []])
})

test('v2 fields are validated: 422 naming the field; v1 definitions are stored as before', async (t) => {
  const app = await buildTestApp(t)
  await catalog(app, [['lab-a', 'model_lab']], ['m/a'])
  const bad = async (methodology: object, path: string) => {
    const res = await app.inject({ method: 'PUT', url: '/v1/indices/EX-BAD', headers: admin, payload: { ...v2({}), methodology } })
    assert.equal(res.statusCode, 422, res.body)
    assert.ok(res.json().errors.some((e: { path: string }) => e.path === path), res.body)
  }
  await bad({ aggregate: 'model_then_market' }, 'body/methodology/aggregate') // a v2 field on a v1 definition
  await bad({ version: 1, max_posted_age_days: 45 }, 'body/methodology/max_posted_age_days')
  await bad({ statistic: 'weighted_mean' }, 'body/methodology/statistic')
  await bad({ version: 2, aggregate: 'by_vibes' }, 'body/methodology/aggregate')
  await bad({ version: 2, max_posted_age_days: -1 }, 'body/methodology/max_posted_age_days')
  await bad({ version: 2, max_posted_age_days: 100000 }, 'body/methodology/max_posted_age_days')
  await bad({ version: 2, max_posted_age_days: 2.5 }, 'body/methodology/max_posted_age_days')
  await bad({ version: 3 }, 'body/methodology/version')
  await bad({ version: 2, model_weights: { 'm/a': 2 } }, 'body/methodology/model_weights')
  await bad({ version: 2, statistic: 'weighted_mean', model_weights: { 'm/a': 0 } }, 'body/methodology/model_weights/m/a')
  await bad({ version: 2, statistic: 'weighted_mean', model_weights: { 'm/zz': 1 } }, 'body/methodology/model_weights/m/zz')
  assert.equal((await app.inject({ method: 'GET', url: '/v1/indices/EX-BAD', headers: admin })).statusCode, 404)
  // a v2 definition is stored with its defaults written out; a v1 one without any v2 field
  const ok = await app.inject({ method: 'PUT', url: '/v1/indices/EX-V2', headers: admin, payload: v2({}) })
  assert.equal(ok.statusCode, 201, ok.body)
  assert.deepEqual([ok.json().methodology.aggregate, ok.json().methodology.max_posted_age_days, ok.json().methodology.min_models], ['model_then_market', 45, 3])
  const v1 = await app.inject({ method: 'PUT', url: '/v1/indices/EX-V1', headers: admin, payload: { ...v2({}), methodology: {} } })
  assert.deepEqual(Object.keys(v1.json().methodology).sort(), ['base_date', 'min_providers', 'min_quotes', 'outlier_k', 'statistic', 'trim', 'windows'])
})

test('the scheduler recomputes a v2 day when a posted price older than the widest window arrives late', async (t) => {
  const app = await buildTestApp(t)
  await catalog(app, [['lab-a', 'model_lab'], ['lab-b', 'model_lab'], ['lab-c', 'model_lab']], ['m/a', 'm/b', 'm/c'])
  await quotes(app, [['lab-a', 'm/a', 'input', '10', '2026-02-01', 'llm-prices'], ['lab-b', 'm/b', 'input', '20', '2026-02-01', 'llm-prices']])
  await put(app, '/v1/indices/EX-V2-LATE', v2({ min_models: 2, min_providers: 2, min_quotes: 2 }))
  await compute(app, 'EX-V2-LATE', '2026-02-25', '2026-02-25')
  assert.equal((await fixing(app, 'EX-V2-LATE', '2026-02-25')).value, 15) // median(10, 20), both 24 days old
  // lab-c's list price dated 2026-02-05 (20 days before, beyond the 7-day widest window) arrives now
  await quotes(app, [['lab-c', 'm/c', 'input', '2', '2026-02-05', 'genai-prices']])
  const run = await runScheduledFixings(app.database, { now: new Date('2026-02-26T12:00:00Z'), fixingTime: '00:15' })
  assert.deepEqual(run.late.map((r) => [r.code, r.revised]), [['EX-V2-LATE', 1]])
  const { rows } = await sql<{ revision: number, reason: string, value: number }>`
    select revision, reason, value::float8 from fixings where index_code = 'EX-V2-LATE' and date = '2026-02-25' order by revision`.execute(app.db)
  assert.deepEqual(rows, [{ revision: 1, reason: 'initial', value: 15 }, { revision: 2, reason: 'late_quotes', value: 10 }])
})
