import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { sql } from 'kysely'
import { computeFixings } from '../src/domain/fixings.ts'
import { readSourceFile } from '../src/importers/read-source.ts'
import { runImport } from '../src/importers/run.ts'
import { SOURCES } from '../src/importers/sources.ts'
import { testDatabase } from './helpers/db.ts'

// Proof on history (#17): the real public samples in ../shared/data loaded through the importers (as
// import-real-data.test.ts does), methodology v2 computed over the days they cover. The price cuts are
// written here from the files themselves, and checked against them, not taken from the engine.
const D = '../shared/data'
const skip = existsSync(D) ? false : 'no ../shared/data on this machine'

// Each file with the day it was observed (the date in its name; dated prices use their own dates).
const FILES: Array<[string, string, string]> = [
  ['litellm', 'litellm/model_prices_and_context_window_2026-07-24_8442b939.json', '2026-07-24'],
  ['llm-prices', 'llm-prices', '2026-08-05'],
  ['openrouter', 'openrouter/openrouter_api_v1_models_2026-08-18_ef05c3be.json', '2026-08-18'],
  ['genai-prices', 'genai-prices/data_v2_2026-08-21_47df840a.json', '2026-08-21'],
]
// llm-prices price_history: a period ending on the date and one starting that day. openai.json: the cuts
// of GPT-5.6 Terra and Luna (genai-prices dates the same prices 2026-07-30; litellm, 2026-07-24, still
// lists the old ones). anthropic.json's Claude Sonnet 5 at $3/$15 from 2026-09-01 is dated after the
// file (2026-08-05) and not imported from it: not a change these files show.
const CUTS = [
  { file: 'openai', id: 'gpt-5.6-terra', product: 'openai/gpt-5.6-terra', tier: 'mid', date: '2026-07-30', before: [2.5, 15], after: [2, 12] },
  { file: 'openai', id: 'gpt-5.6-luna', product: 'openai/gpt-5.6-luna', tier: 'small', date: '2026-07-30', before: [1, 6], after: [0.2, 1.2] },
]
// the default v2 indices (0067, 0068) of each tier
const CODE: Record<string, string> = { frontier: 'TOK-FRONTIER-BLEND', mid: 'TOK-MID-BLEND', small: 'TOK-SMALL-BLEND' }
const LABS = ['TOK-FRONTIER-OPENAI-BLEND', 'TOK-FRONTIER-ANTHROPIC-BLEND', 'TOK-FRONTIER-GOOGLE-BLEND']
const blend = ([i, o]: number[]) => (3 * i! + o!) / 4 // input 3 : output 1
const dayBefore = (d: string) => new Date(Date.parse(d) - 86_400_000).toISOString().slice(0, 10)

test('the cuts written here are the ones the files hold', { skip }, () => {
  for (const c of CUTS) {
    const lab = JSON.parse(readFileSync(`${D}/llm-prices/${c.file}.json`, 'utf8')) as { models: Array<{ id: string, price_history: Array<Record<string, unknown>> }> }
    const h = lab.models.find((m) => m.id === c.id)!.price_history
    const old = h.find((p) => p.to_date === c.date)!
    const cut = h.find((p) => p.from_date === c.date)!
    assert.deepEqual([old.input, old.output, cut.input, cut.output], [...c.before, ...c.after], c.id)
  }
})

test('the default v2 indices on the real history: mid and small move on the day of each price change; frontier and the labs have a value every day', { skip, timeout: 600_000 }, async (t) => {
  const database = await testDatabase(t)
  const { db } = database
  for (const [source, path, day] of FILES) {
    const batch = SOURCES[source]!.parse(readSourceFile(`${D}/${path}`, true), { observedAt: `${day}T00:00:00Z`, fileName: path })
    await runImport(db, batch)
  }
  // the default token indices as migrated, their v2 versions in force from before the samples (0067 states
  // 2027-01-01; the rule is the same for any date) and the new v2 indices of 0068
  await sql`update index_definition_versions set effective_from = '2025-01-01' where effective_from = '2027-01-01'`.execute(db)
  const first = FILES[0]![2]
  const last = FILES[FILES.length - 1]![2]
  const end = [last, ...CUTS.map((c) => c.date)].sort().at(-1)!
  await computeFixings(database, { from: first, to: end, indices: [...Object.values(CODE), ...LABS] })
  const fixing = async (code: string, day: string) => (await sql<{ id: number, status: string, value: number | null }>`
    select id::int8 as id, status, value::float8 from fixings where index_code = ${code} and date = ${day}`.execute(db)).rows[0]!

  for (const c of CUTS) {
    const code = CODE[c.tier]!
    const down = c.after[0]! < c.before[0]!
    const before = await fixing(code, dayBefore(c.date))
    const after = await fixing(code, c.date)
    // the lab's own contributor carries the file's prices, blended 3:1, on each side of the cut
    const lab = async (f: { id: number }) => (await sql<{ value: number }>`
      select value::float8 from fixing_constituents where fixing_id = ${f.id} and provider = ${c.file} and product = ${c.product}`.execute(db)).rows[0]!.value
    assert.equal(await lab(before), blend(c.before), `${c.id} before`)
    assert.equal(await lab(after), blend(c.after), `${c.id} after`)
    const model = async (f: { id: number }) => (await sql<{ value: number }>`
      select value::float8 from fixing_models where fixing_id = ${f.id} and product = ${c.product}`.execute(db)).rows[0]!.value
    assert.ok(down ? await model(after) < await model(before) : await model(after) > await model(before), `${c.id}: the model's value moves with the price`)
    assert.equal(after.status, 'ok')
    // The index is a trimmed mean over models (trim 0.1 of 0067/0068): a model among the floor(0.1·n)
    // dearest or cheapest on the day is outside the mean, and its cut cannot move the index. Otherwise
    // the index must step with the price.
    const ranks = async (f: { id: number }) => (await sql<{ product: string }>`
      select product from fixing_models where fixing_id = ${f.id} order by value, product`.execute(db)).rows.map((r) => r.product)
    const kept = async (f: { id: number }) => {
      const order = await ranks(f)
      const k = Math.floor(order.length * 0.1)
      return order.slice(k, order.length - k).includes(c.product)
    }
    if (await kept(before) || await kept(after)) {
      assert.ok(down ? after.value! < before.value! : after.value! > before.value!, `${code} steps ${down ? 'down' : 'up'} on ${c.date}: ${before.value} → ${after.value}`)
    } else {
      t.diagnostic(`${c.id} is trimmed from ${code} on both sides of ${c.date}: ${(await ranks(after)).join(', ')}`)
      assert.equal(after.value, before.value, `${code}: a trimmed model's cut leaves the index where the other models put it`)
    }
  }
  // the frontier index and each lab's have a value on every day from the first file's date to the last's
  for (const code of [CODE.frontier!, ...LABS]) {
    const { rows } = await sql<{ date: string, status: string }>`
      select date::text, status from fixings where index_code = ${code} and date between ${first} and ${last} order by date`.execute(db)
    assert.equal(rows.length, (Date.parse(last) - Date.parse(first)) / 86_400_000 + 1)
    assert.deepEqual(rows.filter((r) => r.status !== 'ok'), [], code)
  }
})
