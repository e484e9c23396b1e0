import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { sql } from 'kysely'
import { testDatabase } from './helpers/db.ts'

// The exact statistics of migrations/0020 (DESIGN §3.7-3.8): percentile_cont's interpolation in numeric,
// the trimmed mean's ⌊trim·n⌋, and rounding half away from zero.

test('exact percentiles, medians and trimmed means agree with their definitions, in numeric', async (t) => {
  const { db } = await testDatabase(t)
  const one = async (expr: string) => {
    const { rows } = await sql<{ v: string | null }>`select (${sql.raw(expr)})::text as v`.execute(db)
    return rows[0]!.v
  }
  assert.equal(Number(await one("cpx_percentile('{1,2,3,4}'::numeric[], 0.25)")), 1.75)
  assert.equal(Number(await one("cpx_percentile('{2.4,2.9,2.99,3.4}'::numeric[], 0.75)")), 3.0925)
  assert.equal(Number(await one("cpx_median('{2.4,2.9,2.99,3.4}'::numeric[])")), 2.945)
  assert.equal(Number(await one("cpx_median('{7}'::numeric[])")), 7)
  assert.equal(await one("cpx_median('{}'::numeric[])"), null)
  // exact where double precision is not: the golden case 18 median
  assert.equal(await one("round(cpx_median('{2.45,2.79,2.988025,3.35}'::numeric[]), 6)"), '2.889013')
  // ⌊0.1 × 10⌋ = 1 drops one from each end; ⌊0.1 × 5⌋ = 0 drops none
  assert.equal(Number(await one("cpx_trimmed_mean('{1,2,3,4,5,6,7,8,9,100}'::numeric[], 0.1)")), 5.5)
  assert.equal(Number(await one("cpx_trimmed_mean('{1,2,3,4,100}'::numeric[], 0.1)")), 22)
  assert.equal(Number(await one("cpx_statistic('{1,2,3,4,100}'::numeric[], 'median', 0.1)")), 3)
  assert.equal(await one('round(-2.5000005::numeric, 6)'), '-2.500001')
})

test('cpx_median_without (0041) is the median of the list without one element, for every position and length', async (t) => {
  const { db } = await testDatabase(t)
  // one query per generated list: every position j against the list rebuilt without it
  const check = async (values: number[]) => {
    const sorted = values.map((v) => (v / 1000).toFixed(3)).sort((a, b) => Number(a) - Number(b))
    const { rows } = await sql<{ j: number, fast: string | null, slow: string | null }>`
      select j, cpx_median_without(${sorted}::numeric[], j)::text as fast,
        cpx_median((select array_agg(x order by k) from unnest(${sorted}::numeric[]) with ordinality u(x, k) where k <> j))::text as slow
      from generate_series(1, ${sorted.length}::int) j`.execute(db)
    for (const r of rows) assert.equal(r.fast, r.slow, `${sorted.join(',')} without #${r.j}`)
  }
  await check([2990, 2490, 3100]) // odd length: the shorter list is even
  await check([1, 1, 1, 1]) // ties
  await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 9_999_999 }), { minLength: 2, maxLength: 16 }), check), { numRuns: 60 })
})

test('the outlier screen (cpx_window_screen) keeps, counts and concentrates as §3.5-3.8 say', async (t) => {
  const { db } = await testDatabase(t)
  const screen = async (rs: string[], providers: string[], nqs: number[], k = 3.5) => (await sql<{
    m: string, mad: string, screening: boolean, kept: string[], kept_providers: string[], n_contributors: number, n_quotes: number, n_providers: number, hhi: string | null
  }>`select m::text, mad::text, screening, kept::text[], kept_providers, n_contributors, n_quotes, n_providers, round(hhi, 6)::text as hhi
     from cpx_window_screen(${rs}::numeric[], ${providers}::text[], ${nqs}::int[], ${k}::numeric)`.execute(db)).rows[0]!
  // five contributors, one far off: m = 3, MAD = 0.1, 10 > 3.5 × 1.4826 × 0.1 away → excluded
  const a = await screen(['2.9', '2.95', '3', '3.1', '13'], ['a', 'b', 'c', 'c', 'd'], [2, 3, 1, 4, 9])
  assert.deepEqual([Number(a.m), Number(a.mad), a.screening], [3, 0.1, true])
  assert.deepEqual(a.kept.map(Number), [2.9, 2.95, 3, 3.1])
  assert.deepEqual(a.kept_providers, ['a', 'b', 'c', 'c'])
  assert.deepEqual([a.n_contributors, a.n_quotes, a.n_providers], [4, 10, 3])
  assert.equal(a.hhi, '0.375000') // (1² + 1² + 2²) / 4²
  // four contributors: no screen, even with one far off
  const b = await screen(['1', '2', '3', '40'], ['a', 'b', 'c', 'd'], [1, 1, 1, 1])
  assert.equal(b.screening, false)
  assert.equal(b.n_contributors, 4)
  // MAD 0 (most agree): no screen
  const c = await screen(['3', '3', '3', '3', '9'], ['a', 'b', 'c', 'd', 'e'], [1, 1, 1, 1, 1])
  assert.deepEqual([Number(c.mad), c.screening, c.n_contributors], [0, false, 5])
  // no complete contributor at all
  const d = await screen([], [], [])
  assert.deepEqual([d.m, d.screening, d.kept, d.n_contributors, d.n_quotes, d.n_providers, d.hhi], [null, false, null, 0, 0, 0, null])
})
