import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { loadDemo } from '../src/demo/load.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { testDatabase } from './helpers/db.ts'

// Issue #17: the default token indices move to methodology v2 from 2027-01-01 (migration 0067), new v2
// indices for the mid tier and per lab (0068), the labs filter (v2 only). docs/methodology.md,
// "Effective dates" and "The token indices move to v2".
const E = '2027-01-01'
const MOVED = ['TOK-FRONTIER-BLEND', 'TOK-FRONTIER-IN', 'TOK-FRONTIER-OUT', 'TOK-OPEN-BLEND', 'TOK-SMALL-BLEND']

test('the migrated catalog: each default token index has a v2 version in force from 2027-01-01, v1 before it', async (t) => {
  const { db } = await testDatabase(t)
  const versions = await db.selectFrom('index_definition_versions')
    .select(['code', 'methodology_version', sql<string | null>`methodology->>'version'`.as('edition'),
      sql<string | null>`effective_from::text`.as('from'), sql<string>`filter->>'provider_kinds'`.as('kinds')])
    .where('code', 'in', MOVED).orderBy('code').orderBy('methodology_version').execute()
  assert.deepEqual(versions.map((v) => [v.code, v.methodology_version, v.edition, v.from]),
    MOVED.slice().sort().flatMap((c) => [[c, 1, null, null], [c, 2, '2', E]]))
  assert.deepEqual(versions.filter((v) => v.code === 'TOK-OPEN-BLEND').map((v) => v.kinds), ['["inference_host"]', '["inference_host", "model_lab"]'])
  const inForce = async (day: string) => (await sql<{ code: string, methodology_version: number }>`
    select code, methodology_version from cpx_definitions_in_force(${MOVED}::text[], ${day}::date) order by code`.execute(db)).rows
  assert.deepEqual((await inForce('2026-12-31')).map((r) => r.methodology_version), [1, 1, 1, 1, 1])
  assert.deepEqual((await inForce(E)).map((r) => r.methodology_version), [2, 2, 2, 2, 2])
  const added = await db.selectFrom('index_definitions').select(['code', sql<string>`methodology->>'version'`.as('edition')])
    .where('code', 'in', ['TOK-MID-BLEND', 'TOK-MID-IN', 'TOK-MID-OUT', 'TOK-FRONTIER-OPENAI-BLEND', 'TOK-FRONTIER-ANTHROPIC-BLEND', 'TOK-FRONTIER-GOOGLE-BLEND']).execute()
  assert.deepEqual(added.map((r) => r.edition), ['2', '2', '2', '2', '2', '2'])
  assert.equal(Number((await db.selectFrom('index_definitions').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n), 24)
})

// Quotes cannot be dated in the future, so this moves the stated date back to a day of the demo window:
// the rule is the same for any date.
const F = '2026-11-20'
test('across the effective date: the days before keep v1 and its hashes, the days from it are v2; a lab index reads its lab only', { timeout: 300_000 }, async (t) => {
  const a = await testDatabase(t)
  await sql`update index_definition_versions set effective_from = ${F}::date where effective_from = ${E}::date`.execute(a.db)
  await loadDemo(a, { end: '2026-11-22', days: 7 })
  // b: the same data with the catalog as it was before 0067 (version 1 current, no dated version)
  const b = await testDatabase(t)
  await sql`update index_definitions d set filter = v.filter, methodology = v.methodology, methodology_version = 1
    from index_definition_versions v where v.code = d.code and v.methodology_version = 1 and v.code = any(${MOVED}::text[])`.execute(b.db)
  await sql`delete from index_definition_versions where effective_from is not null`.execute(b.db)
  await loadDemo(b, { end: '2026-11-22', days: 7 })
  const rows = async (d: typeof a) => await d.db.selectFrom('fixings')
    .select(['index_code', sql<string>`date::text`.as('date'), 'methodology_version', sql<number | null>`n_models`.as('n_models'), 'hash', 'status', 'revision'])
    .where('index_code', 'in', MOVED).orderBy('index_code').orderBy('date').execute()
  const ra = await rows(a)
  const rb = await rows(b)
  assert.equal(ra.length, 5 * 7)
  for (const [i, x] of ra.entries()) {
    const y = rb[i]!
    assert.deepEqual([x.index_code, x.date, x.revision, x.status], [y.index_code, y.date, 1, 'ok'])
    if (x.date < F) assert.deepEqual([x.methodology_version, x.n_models, x.hash], [1, null, y.hash], `${x.index_code} ${x.date}`)
    else {
      assert.equal(x.methodology_version, 2, `${x.index_code} ${x.date}`)
      assert.ok(x.n_models !== null && x.n_models >= 3, `${x.index_code} ${x.date}`)
      assert.notEqual(x.hash, y.hash)
    }
  }
  // the v2 hash of a day reproduces from the stored rows, the v1 one as before
  const texts = (await sql<{ ok: boolean }>`
    select f.hash = 'sha256:' || encode(sha256(convert_to(case when f.n_models is null then cpx_fixing_canonical_text(f.id)
      else cpx_fixing_canonical_text_v2(f.id) end, 'UTF8')), 'hex') as ok
    from fixings f where f.index_code = any(${MOVED}::text[])`.execute(a.db)).rows
  assert.ok(texts.length === 35 && texts.every((r) => r.ok))
  const labs = (await sql<{ lab: string }>`
    select distinct split_part(c.product, '/', 1) as lab from fixings f join fixing_constituents c on c.fixing_id = f.id
    where f.index_code = 'TOK-FRONTIER-OPENAI-BLEND'`.execute(a.db)).rows
  assert.deepEqual(labs.map((r) => r.lab), ['openai'])
})

test('the labs filter: v2 only, known labs only, 422 naming body/filter/labs', async (t) => {
  const app = await buildTestApp(t)
  await app.database.db.insertInto('products').values({ code: 'anthropic/claude-opus-9', kind: 'model', name: 'Claude Opus 9', family: 'claude-opus', tier: 'frontier', open_weights: false }).execute()
  const body = (methodology: object, labs: unknown) => ({ name: 'labs', kind: 'model', filter: { tiers: ['frontier'], labs }, segments: { input: 1 }, methodology })
  const bad = async (payload: object, reason: RegExp) => {
    const res = await app.inject({ method: 'PUT', url: '/v1/indices/EX-LABS', headers: admin, payload })
    assert.equal(res.statusCode, 422, res.body)
    assert.ok(res.json().errors.some((e: { path: string, reason: string }) => e.path === 'body/filter/labs' && reason.test(e.reason)), res.body)
  }
  await bad(body({}, ['openai']), /methodology v2 filter/)
  await bad(body({ version: 2 }, ['nolab']), /unknown lab nolab/)
  const empty = await app.inject({ method: 'PUT', url: '/v1/indices/EX-LABS', headers: admin, payload: body({ version: 2 }, []) })
  assert.equal(empty.statusCode, 400, empty.body)
  const ok = await app.inject({ method: 'PUT', url: '/v1/indices/EX-LABS', headers: admin, payload: body({ version: 2 }, ['anthropic']) })
  assert.equal(ok.statusCode, 201, ok.body)
  assert.deepEqual(ok.json().filter.labs, ['anthropic'])
  // a v1 definition without labs is stored as before (no labs key)
  const v1 = await app.inject({ method: 'PUT', url: '/v1/indices/EX-V1', headers: admin, payload: { ...body({}, undefined), filter: { tiers: ['frontier'] } } })
  assert.equal(v1.statusCode, 201, v1.body)
  assert.equal('labs' in v1.json().filter, false)
})
