import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { test, type TestContext } from 'node:test'
import { sql } from 'kysely'
import { BEFORE_BASELINE } from '../src/db/baseline.ts'
import { connect, type Database } from '../src/db/connect.ts'
import { listMigrations, listSqlFiles, migrate, pendingMigrations, type Migration } from '../src/db/migrate.ts'
import { renderSchema, renderTables } from '../src/db/schema-text.ts'
import { loadDemo } from '../src/demo/load.ts'
import { computeFixings } from '../src/domain/fixings.ts'
import { ingestQuotes } from '../src/domain/quotes.ts'
import { createServerDatabase, onServer } from './helpers/db.ts'

// The baseline carries a database made by the code before it (commit 86630c5: migrations 0001–0042 and
// their migrate.ts, read from git) forward unchanged, and a new database gets the same schema from it.

const OLD = '86630c5'

type OldMigrate = { migrate: (d: Database, m: Migration[]) => Promise<string[]>, listMigrations: (dir: string) => Migration[] }

/** migrate.ts and migrations/ as they were at 86630c5, written to a temporary folder; undefined without git (not in CI). */
function oldCode (t: TestContext): Promise<OldMigrate> & { dir: string } | undefined {
  let show: (path: string) => string
  try {
    show = (path) => execFileSync('git', ['show', `${OLD}:${path}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    show('src/db/migrate.ts')
  } catch (err) {
    if (process.env.CI) throw new Error(`git show ${OLD} failed (CI needs git and this checkout's history)`, { cause: err })
    t.skip('git or its history is not available')
    return undefined
  }
  const dir = mkdtempSync(`${tmpdir()}/cpx-old-`)
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(`${dir}/migrations`)
  writeFileSync(`${dir}/migrate.ts`, show('src/db/migrate.ts'))
  for (const name of BEFORE_BASELINE) writeFileSync(`${dir}/migrations/${name}`, show(`migrations/${name}`))
  return Object.assign(import(`${dir}/migrate.ts`) as Promise<OldMigrate>, { dir })
}

/** An empty database (embedded or on the test server), closed and dropped after the test. */
async function emptyDatabase (t: TestContext): Promise<Database> {
  if (!onServer) {
    const d = await connect({ DATA_DIR: '', memory: true })
    t.after(() => d.close())
    return d
  }
  const { url, drop } = await createServerDatabase()
  const d = await connect({ DATABASE_URL: url, DATA_DIR: '' })
  t.after(async () => { await d.close(); await drop() })
  return Object.assign(d, { url })
}

/**
 * Every row of every table but the migrator's own, in primary-key order; with `shape`, only those tables
 * and columns (what a database had before an upgrade, so columns and tables added later are left out).
 */
async function allRows (d: Database, shape?: Record<string, string[]>): Promise<Record<string, Array<Record<string, unknown>>>> {
  return d.script(async (run) => {
    const tables = shape
      ? Object.keys(shape)
      : (await run(`select c.relname::text as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r' and c.relname not in ('schema_migrations', 'schema_sql_files') order by 1`)).map((r) => String(r.t))
    const out: Record<string, Array<Record<string, unknown>>> = {}
    for (const t of tables) {
      const columns = shape ? shape[t]!.map((c) => `"${c}"`).join(', ') : '*'
      out[t] = await run(`select ${columns} from ${t} order by 1, 2, 3`)
    }
    return out
  })
}

/** Every table (but the migrator's own) with its columns, in order: what to read again after an upgrade. */
async function shapeOf (d: Database): Promise<Record<string, string[]>> {
  const rows = await d.script((run) => run(`select c.table_name::text as t, c.column_name::text as c from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
    where c.table_schema = 'public' and c.table_name not in ('schema_migrations', 'schema_sql_files') order by 1, c.ordinal_position`))
  const out: Record<string, string[]> = {}
  for (const r of rows) (out[String(r.t)] ??= []).push(String(r.c))
  return out
}

/** Each function's definition: its source, settings, result and comment. */
async function functionDefs (d: Database) {
  return d.script((run) => run(`select p.proname::text, pg_get_function_identity_arguments(p.oid) as args, md5(p.prosrc) as src,
      p.proconfig, pg_get_function_result(p.oid) as result, obj_description(p.oid, 'pg_proc') as comment
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' order by 1, 2`))
}

/** The stored hash of every revision equals the hash the (new) engine computes for it now. */
async function assertHashesReproduced (d: Database, from: string, to: string) {
  const rows = await d.script((run) => run(`select count(*)::int as n, count(*) filter (where f.hash = c.hash)::int as same
    from cpx_compute_fixings((select array_agg(code) from index_definitions), '${from}', '${to}') c
    join cpx_fixings_as_of(c.index_code, '${from}', '${to}') f on f.date = c.date`))
  assert.ok(Number(rows[0]!.n) > 0)
  assert.equal(rows[0]!.same, rows[0]!.n)
}

/** pg_dump --schema-only without its version lines; undefined when pg_dump is not installed. */
function pgDumpSchema (url: string): string | undefined {
  try {
    return execFileSync('pg_dump', ['--schema-only', '--no-owner', '--no-privileges', url], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .split('\n').filter((l) => !l.startsWith('-- Dumped') && !l.startsWith('\\restrict') && !l.startsWith('\\unrestrict')).join('\n')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

test('a database made by the migrations before the baseline, with fixings, is carried forward unchanged; a new one has its schema', { timeout: 600_000 }, async (t) => {
  const old = oldCode(t)
  if (!old) return
  const { migrate: oldMigrate, listMigrations: oldList } = await old
  const before = await emptyDatabase(t)
  assert.equal((await oldMigrate(before, oldList(`${old.dir}/migrations/`))).length, BEFORE_BASELINE.length)
  // Today's ingest writes quotes.run_id (0043), which the old schema lacks: the column exists only while
  // this test fills the old database with today's code, and is dropped before anything is compared.
  await sql`alter table quotes add column run_id bigint`.execute(before.db)
  const demo = await loadDemo(before, { end: '2026-10-31', days: 30 })
  assert.ok(demo.accepted > 1000)
  // late quotes, 20% lower, make second revisions
  const late = await before.db.selectFrom('quotes')
    .select(['provider', 'product', 'segment', 'term_months', 'service_tier', 'region', 'currency', 'unit', 'gpus_per_instance'])
    .select(sql<string>`(price * 0.8)::text`.as('price'))
    .where('observed_day', '=', '2026-10-30').orderBy('id').limit(40).execute()
  const lateRows = late.map((q) => ({ ...q, observed_at: '2026-10-30T23:59:00Z', source: 'late' }))
  assert.equal((await ingestQuotes(before.db, lateRows)).accepted, lateRows.length)
  await computeFixings(before, { from: '2026-10-25', to: '2026-10-31' })
  await sql`alter table quotes drop column run_id`.execute(before.db)
  const tablesBefore = await renderTables(before)
  const shapeBefore = await shapeOf(before)
  const rowsBefore = await allRows(before, shapeBefore)
  const revisions = await before.db.selectFrom('fixings').select(({ fn }) => [fn.countAll<number>().as('n'), fn.max('revision').as('r')]).executeTakeFirstOrThrow()
  assert.ok(Number(revisions.n) > 300)
  assert.ok(Number(revisions.r) >= 2, 'some days have a second revision')

  // The upgrade: the baseline recorded (0001–0042 were applied), then what came after it — later versioned
  // migrations and every sql/ file — as on any database at the baseline.
  const later = listMigrations().filter((m) => m.version > 0).map((m) => m.name)
  const files = listSqlFiles().map((f) => `sql/${f.path}`)
  assert.deepEqual([...await pendingMigrations(before)].sort(), ['0000_baseline.sql', ...later, ...files].sort())
  const applied = await migrate(before)
  assert.equal(applied[0], '0000_baseline.sql (recorded: 0001–0042 were applied)')
  assert.deepEqual([...applied.slice(1)].sort(), [...later, ...files].sort())
  assert.deepEqual(await migrate(before), [])
  assert.deepEqual(await pendingMigrations(before), [])
  if (!later.length) assert.equal(await renderTables(before), tablesBefore, 'the upgrade changes no table, index, constraint or trigger')
  // Later migrations only add: every row that was there is still there, unchanged. They may add rows (new
  // default indices, 0060 and 0068), and a definition that gets a new methodology version (0067) has its
  // current row replaced, while the version it had stays in index_definition_versions.
  const kept = async () => {
    const rowsAfter = await allRows(before, shapeBefore)
    const versioned = new Set((rowsAfter.index_definition_versions ?? []).filter((v) => Number(v.methodology_version) > 1).map((v) => String(v.code)))
    for (const [table, rows] of Object.entries(rowsBefore)) {
      const after = new Set(rowsAfter[table]!.map((r) => JSON.stringify(r)))
      for (const row of rows) {
        if (table === 'index_definitions' && versioned.has(String(row.code))) continue
        assert.ok(after.has(JSON.stringify(row)), `the upgrade keeps ${table} row ${JSON.stringify(row).slice(0, 200)}`)
      }
    }
  }
  await kept()

  // the new engine reproduces every stored hash, and publishing again stores nothing
  await assertHashesReproduced(before, demo.from, demo.to)
  // (the indices that existed: the default indices added later publish their first fixings here)
  const existed = new Set(rowsBefore.index_definitions!.map((r) => String(r.code)))
  const again = await computeFixings(before, { from: demo.from, to: demo.to })
  assert.equal(again.indices.filter((i) => existed.has(i.code)).reduce((s, i) => s + i.published + i.revised, 0), 0)
  await kept()

  // a new database: the baseline, then what came after it; the same schema as the upgraded one, functions included
  const fresh = await emptyDatabase(t)
  const made = await migrate(fresh)
  assert.equal(made[0], '0000_baseline.sql')
  assert.deepEqual([...made.slice(1)].sort(), [...later, ...files].sort())
  assert.equal(await renderTables(fresh), await renderTables(before))
  if (!later.length) assert.equal(await renderTables(fresh), tablesBefore)
  assert.equal(await renderSchema(fresh), await renderSchema(before))
  assert.deepEqual(await functionDefs(fresh), await functionDefs(before))
  // the definitions the migrations seed (versions 1 and the versions of later migrations, 0067) are the
  // same on both; the old database may hold more versions of its own
  const seeded = (d: Database) => d.db.selectFrom('index_definition_versions').select(['code', 'methodology_version', 'filter', 'segments', 'term_months', 'methodology']).orderBy('code').orderBy('methodology_version').execute()
  const freshSeed = await seeded(fresh)
  const ofMigrations = new Set(freshSeed.map((r) => `${r.code} ${r.methodology_version}`))
  assert.deepEqual(freshSeed, (await seeded(before)).filter((r) => ofMigrations.has(`${r.code} ${r.methodology_version}`)))
  // and it computes the same fixings from the same quotes
  await loadDemo(fresh, { end: '2026-10-31', days: 30 })
  const hashes = (d: Database) => d.db.selectFrom('fixings').select(['index_code', 'date', 'hash']).where('revision', '=', 1).orderBy('index_code').orderBy('date').execute()
  // (of the indices the old database had: the term quotes of today's demo feed only indices added later)
  const ofOld = async (d: Database) => (await hashes(d)).filter((r) => existed.has(r.index_code))
  assert.deepEqual(await ofOld(fresh), await ofOld(before))

  if (onServer) {
    const urlOf = (d: Database) => (d as Database & { url?: string }).url
    const a = pgDumpSchema(urlOf(before)!)
    const b = pgDumpSchema(urlOf(fresh)!)
    if (a !== undefined) assert.equal(b, a, 'pg_dump --schema-only of the upgraded and the new database')
  }
})

test('a database with only part of 0001–0042 is refused, unchanged, with the version to upgrade through', async (t) => {
  const old = oldCode(t)
  if (!old) return
  const { migrate: oldMigrate, listMigrations: oldList } = await old
  const d = await emptyDatabase(t)
  await oldMigrate(d, oldList(`${old.dir}/migrations/`).filter((m) => m.version <= 22))
  await assert.rejects(migrate(d), /applied 0022_fixing_revisions\.sql but not 0023_engine_chosen_window\.sql, .*Upgrade it through 0042_first_publication\.sql first with CPX at commit 86630c5/)
  const rows = await d.db.selectFrom('schema_migrations').select('name').orderBy('version').execute()
  assert.deepEqual(rows.map((r) => r.name), BEFORE_BASELINE.slice(0, 8))
  const files = await d.script((run) => run("select to_regclass('schema_sql_files') as t"))
  assert.equal(files[0]!.t, null)
})
