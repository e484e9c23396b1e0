// npx tsx scripts/compare-v1-v2.ts [data dir]: the table of docs/methodology.md "v1 and v2 on the same real
// history". Loads the real token samples (../shared/data) through the importers into two in-memory
// databases: in one the default token indices keep v1 (their v2 versions are in force from 2027-01-01,
// after the samples), in the other their v2 versions (0067) are made in force from 2025-01-01. Prints, per
// index and month, the days with a value and the mean of their values (USD per 1M tokens).
import { sql } from 'kysely'
import { connect } from '../src/db/connect.ts'
import { migrate } from '../src/db/migrate.ts'
import { computeFixings } from '../src/domain/fixings.ts'
import { readSourceFile } from '../src/importers/read-source.ts'
import { runImport } from '../src/importers/run.ts'
import { SOURCES } from '../src/importers/sources.ts'

const D = process.argv[2] ?? '../shared/data'
const FILES: Array<[string, string, string]> = [
  ['litellm', 'litellm/model_prices_and_context_window_2026-07-24_8442b939.json', '2026-07-24'],
  ['llm-prices', 'llm-prices', '2026-08-05'],
  ['openrouter', 'openrouter/openrouter_api_v1_models_2026-08-18_ef05c3be.json', '2026-08-18'],
  ['genai-prices', 'genai-prices/data_v2_2026-08-21_47df840a.json', '2026-08-21'],
]
const MOVED = ['TOK-FRONTIER-BLEND', 'TOK-FRONTIER-IN', 'TOK-FRONTIER-OUT', 'TOK-OPEN-BLEND', 'TOK-SMALL-BLEND']
const ADDED = ['TOK-MID-BLEND', 'TOK-MID-IN', 'TOK-MID-OUT', 'TOK-FRONTIER-OPENAI-BLEND', 'TOK-FRONTIER-ANTHROPIC-BLEND', 'TOK-FRONTIER-GOOGLE-BLEND']
const FROM = '2026-07-01'
const TO = '2026-10-31'
const MONTHS = ['2026-07', '2026-08', '2026-09', '2026-10']

type Cell = Map<string, { ok: number, mean: number | null }>
async function run (v2: boolean): Promise<Map<string, Cell>> {
  const database = await connect({ DATA_DIR: '', memory: true })
  await migrate(database)
  const { db } = database
  for (const [source, path, day] of FILES) {
    await runImport(db, SOURCES[source]!.parse(readSourceFile(`${D}/${path}`, true), { observedAt: `${day}T00:00:00Z`, fileName: path }))
  }
  if (v2) await sql`update index_definition_versions set effective_from = '2025-01-01' where effective_from = '2027-01-01'`.execute(db)
  const codes = v2 ? [...MOVED, ...ADDED] : MOVED
  await computeFixings(database, { from: FROM, to: TO, indices: codes })
  const { rows } = await sql<{ code: string, month: string, ok: number, mean: number | null }>`
    select index_code as code, to_char(date, 'YYYY-MM') as month, (count(*) filter (where status = 'ok'))::int as ok,
      round(avg(value) filter (where status = 'ok'), 4)::float8 as mean
    from fixings where index_code = any(${codes}::text[]) group by 1, 2`.execute(db)
  await database.close()
  const out = new Map<string, Cell>()
  for (const r of rows) {
    if (!out.has(r.code)) out.set(r.code, new Map())
    out.get(r.code)!.set(r.month, { ok: r.ok, mean: r.mean })
  }
  return out
}

const cell = (c: Cell | undefined, m: string) => {
  const x = c?.get(m)
  return !c ? '(none)' : !x || x.ok === 0 ? '0 / –' : `${x.ok} / ${x.mean!.toFixed(4)}`
}
const [v1, v2] = [await run(false), await run(true)]
process.stdout.write(`| index | ${MONTHS.map((m) => `v1 ${m} | v2 ${m}`).join(' | ')} |\n|---|${MONTHS.map(() => '---|---|').join('')}\n`)
for (const code of [...MOVED, ...ADDED]) {
  process.stdout.write(`| ${code} | ${MONTHS.map((m) => `${cell(v1.get(code), m)} | ${cell(v2.get(code), m)}`).join(' | ')} |\n`)
}
