import assert from 'node:assert/strict'
import { test } from 'node:test'
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
