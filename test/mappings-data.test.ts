import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { unmappedNames } from '../src/domain/mappings.ts'
import { mappingsSeedSql } from '../src/importers/mapping-seed.ts'
import { CODE_MAPPINGS, loadMappings, seedRows } from '../src/importers/mapping-set.ts'
import { startRun, storePayload } from '../src/importers/provenance.ts'
import { admin, buildTestApp } from './helpers/app.ts'

// Mappings as data (#18): the rules live in the mappings table, seeded from the code tables by 0066.

test('seed: migrations/0066_mappings_seed.sql is exactly what scripts/write-mappings-seed.ts writes', () => {
  assert.equal(readFileSync('migrations/0066_mappings_seed.sql', 'utf8'), mappingsSeedSql(),
    'the seed drifted from src/importers/mappings.ts / models.ts: run npx tsx scripts/write-mappings-seed.ts')
})

test('seed: the migrated database holds the code tables, and loads back into the same structures', async (t) => {
  const app = await buildTestApp(t)
  const loaded = await loadMappings(app.db)
  assert.deepEqual(seedRows(loaded), seedRows(CODE_MAPPINGS))
  assert.equal(loaded.models.length, CODE_MAPPINGS.models.length)
  assert.equal(loaded.providers.openrouter?.name, 'OpenRouter')
  assert.equal(loaded.sourceProviders.litellm?.gemini, 'google')
  assert.equal(loaded.instanceTypes[0]![0].source, '_h100_sxm5$')
  assert.equal(loaded.exclusions.at(-1)?.reason, 'lab_not_indexed')
})

test('admin API: auth, list by kind, get, 404', async (t) => {
  const app = await buildTestApp(t)
  assert.equal((await app.inject('/v1/mappings')).statusCode, 401)
  const list = await app.inject({ url: '/v1/mappings?kind=vast_gpu', headers: admin })
  assert.equal(list.statusCode, 200)
  assert.equal(list.json().data.length, 11)
  assert.deepEqual(list.json().data[0], { ...list.json().data[0], kind: 'vast_gpu', key: 'H100 SXM', position: 10, value: { product: 'h100-sxm' }, updated_by: 'seed' })
  const one = await app.inject({ url: '/v1/mappings/source_provider/litellm:gemini', headers: admin })
  assert.deepEqual(one.json().value, { provider: 'google' })
  assert.equal((await app.inject({ url: '/v1/mappings/provider/nobody', headers: admin })).statusCode, 404)
  const badKind = await app.inject({ url: '/v1/mappings?kind=colour', headers: admin })
  assert.equal(badKind.statusCode, 400)
  assert.match(badKind.body, /kind/)
})

test('PUT: each value is checked for its kind, naming the field; nothing is stored or logged', async (t) => {
  const app = await buildTestApp(t)
  const put = (url: string, payload: unknown) => app.inject({ method: 'PUT', url, headers: admin, payload: payload as object })
  const who = { changed_by: 'ops@example.com', reason: 'test' }
  let r = await put('/v1/mappings/model_rule/openai.gpt-6.frontier', { ...who, value: { match: '^gpt-6($', lab: 'openai', family: 'gpt-6', tier: 'huge', open_weights: false } })
  assert.equal(r.statusCode, 422)
  assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8')
  const paths = r.json().errors.map((e: { path: string }) => e.path)
  assert.deepEqual(paths.sort(), ['value/match', 'value/tier'])
  r = await put('/v1/mappings/vast_gpu/RTX 5090', { ...who, value: { product: 'rtx-5090' } })
  assert.equal(r.statusCode, 422)
  assert.deepEqual(r.json().errors, [{ path: 'value/product', reason: 'no gpu_product mapping rtx-5090: create it first' }])
  r = await put('/v1/mappings/provider/Bad_Slug', { ...who, value: { name: 'X', kind: 'neocloud' } })
  assert.equal(r.statusCode, 422)
  assert.equal(r.json().errors[0].path, 'key')
  r = await put('/v1/mappings/provider/acme', { value: { name: 'Acme', kind: 'neocloud' } })
  assert.equal(r.statusCode, 400)
  assert.match(r.body, /changed_by/)
  const anon = await app.inject({ method: 'PUT', url: '/v1/mappings/provider/acme', payload: { ...who, value: { name: 'Acme', kind: 'neocloud' } } })
  assert.equal(anon.statusCode, 401)
  const changes = await app.inject({ url: '/v1/mappings/changes', headers: admin })
  assert.deepEqual(changes.json(), { data: [], next_cursor: null })
})

test('PUT: an unmapped model becomes mapped at the next import, with no code change; the change log says who and why', async (t) => {
  const app = await buildTestApp(t)
  const payload = Buffer.from(JSON.stringify({ data: [{ id: 'openai/gpt-6', name: 'OpenAI: GPT-6', pricing: { prompt: '0.00001', completion: '0.00004' }, architecture: { modality: 'text->text' } }] }))
  const run = async (observedAt: string) => {
    const start = { source: 'openrouter', importer: 'openrouter', trigger: 'import' as const, url: null }
    return (await storePayload(app.db, await startRun(app.db, start), start, { bytes: payload, observedAt }))!
  }
  const before = await run('2026-12-01T00:00:00Z')
  assert.deepEqual(before.unmapped, { 'openai/gpt-6': 1 })
  assert.equal(before.accepted, 0)
  // what `cpx mappings unmapped` lists: the names the latest run of each source could not map
  assert.deepEqual((await unmappedNames(app.db)).map((u) => ({ ...u, last_run: undefined })), [{ source: 'openrouter', name: 'openai/gpt-6', rows: 1, last_run: undefined }])

  const value = { match: '^gpt-6$', lab: 'openai', family: 'gpt-6', tier: 'frontier', open_weights: false }
  const put = await app.inject({ method: 'PUT', url: '/v1/mappings/model_rule/openai.gpt-6.frontier', headers: admin, payload: { value, changed_by: 'ops@example.com', reason: 'GPT-6 launched' } })
  assert.equal(put.statusCode, 201)
  assert.equal(put.json().position, 480) // after the 47 seeded rules (10 … 470)
  assert.equal(put.json().updated_by, 'ops@example.com')

  const after = await run('2026-12-02T00:00:00Z')
  assert.deepEqual(after.unmapped, {})
  assert.deepEqual(await unmappedNames(app.db), [])
  assert.equal(after.accepted, 2)
  assert.deepEqual(after.created_products, ['openai/gpt-6'])
  const product = await app.db.selectFrom('products').select(['family', 'tier']).where('code', '=', 'openai/gpt-6').executeTakeFirstOrThrow()
  assert.deepEqual(product, { family: 'gpt-6', tier: 'frontier' })

  // the same value again changes nothing; a new tier is a second change with the old value kept
  const again = await app.inject({ method: 'PUT', url: '/v1/mappings/model_rule/openai.gpt-6.frontier', headers: admin, payload: { value, changed_by: 'ops@example.com', reason: 'no-op' } })
  assert.equal(again.statusCode, 200)
  await app.inject({ method: 'PUT', url: '/v1/mappings/model_rule/openai.gpt-6.frontier', headers: admin, payload: { value: { ...value, tier: 'mid' }, changed_by: 'lead@example.com', reason: 'GPT-7 is out' } })
  const page1 = await app.inject({ url: '/v1/mappings/changes?limit=1', headers: admin })
  const [latest] = page1.json().data
  assert.deepEqual({ ...latest, id: undefined, changed_at: undefined }, {
    id: undefined,
    changed_at: undefined,
    kind: 'model_rule',
    key: 'openai.gpt-6.frontier',
    old_value: value,
    new_value: { ...value, tier: 'mid' },
    old_position: 480,
    new_position: 480,
    changed_by: 'lead@example.com',
    reason: 'GPT-7 is out',
  })
  const page2 = await app.inject({ url: `/v1/mappings/changes?limit=1&cursor=${page1.json().next_cursor}`, headers: admin })
  assert.equal(page2.json().data[0].old_value, null)
  assert.equal(page2.json().data[0].reason, 'GPT-6 launched')
  assert.equal(page2.json().next_cursor, null)
  await assert.rejects(app.db.deleteFrom('mapping_changes').execute(), /append-only/)
})

test('DELETE: a rule removed is logged with its last value, who and why, and the next import no longer maps with it; a provider still named is 409', async (t) => {
  const app = await buildTestApp(t)
  const payload = Buffer.from(JSON.stringify({ data: [{ id: 'openai/gpt-6', name: 'OpenAI: GPT-6', pricing: { prompt: '0.00001', completion: '0.00004' }, architecture: { modality: 'text->text' } }] }))
  const run = async (observedAt: string) => {
    const start = { source: 'openrouter', importer: 'openrouter', trigger: 'import' as const, url: null }
    return (await storePayload(app.db, await startRun(app.db, start), start, { bytes: payload, observedAt }))!
  }
  const value = { match: '^gpt-6$', lab: 'openai', family: 'gpt-6', tier: 'frontier', open_weights: false }
  const url = '/v1/mappings/model_rule/openai.gpt-6.frontier'
  assert.equal((await app.inject({ method: 'PUT', url, headers: admin, payload: { value, changed_by: 'ops@example.com', reason: 'GPT-6 launched' } })).statusCode, 201)
  assert.equal((await run('2026-12-01T00:00:00Z')).accepted, 2)

  const q = '?changed_by=lead%40example.com&reason=GPT-6%20was%20a%20rumour'
  assert.equal((await app.inject({ method: 'DELETE', url: url + q })).statusCode, 401)
  const noReason = await app.inject({ method: 'DELETE', url: url + '?changed_by=lead', headers: admin })
  assert.equal(noReason.statusCode, 400)
  assert.match(noReason.body, /reason/)
  assert.equal((await app.inject({ url, headers: admin })).statusCode, 200, 'a refused delete leaves the rule')

  const del = await app.inject({ method: 'DELETE', url: url + q, headers: admin })
  assert.equal(del.statusCode, 200, del.body)
  assert.deepEqual({ ...del.json<Record<string, unknown>>(), id: undefined, changed_at: undefined }, {
    id: undefined,
    changed_at: undefined,
    kind: 'model_rule',
    key: 'openai.gpt-6.frontier',
    old_value: value,
    new_value: null,
    old_position: 480,
    new_position: null,
    changed_by: 'lead@example.com',
    reason: 'GPT-6 was a rumour',
  })
  assert.equal((await app.inject({ url, headers: admin })).statusCode, 404)
  assert.equal((await app.inject({ method: 'DELETE', url: url + q, headers: admin })).statusCode, 404)
  const [latest] = (await app.inject({ url: '/v1/mappings/changes?limit=1', headers: admin })).json().data
  assert.equal(latest.id, del.json().id)

  // the next import no longer maps the name; the quotes stored before keep their product
  const after = await run('2026-12-02T00:00:00Z')
  assert.deepEqual([after.accepted, after.unmapped], [0, { 'openai/gpt-6': 1 }])
  const kept = await app.db.selectFrom('quotes').select('id').where('product', '=', 'openai/gpt-6').execute()
  assert.equal(kept.length, 2)

  // litellm:gemini names the provider google: deleting google is refused, nothing changes
  const named = await app.inject({ method: 'DELETE', url: '/v1/mappings/provider/google' + q, headers: admin })
  assert.equal(named.statusCode, 409)
  assert.match(named.headers['content-type'] as string, /application\/problem\+json/)
  assert.match(named.json().detail, /source_provider mapping .* names it/)
  assert.equal((await app.inject({ url: '/v1/mappings/provider/google', headers: admin })).statusCode, 200)
})
