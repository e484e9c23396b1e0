import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { BASELINE_VERSION, baselineAction } from './baseline.ts'
import type { Database } from './connect.ts'

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url))
export const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url))
/** Applied in this order after the versioned migrations, each file whenever its content changes. */
export const SQL_FOLDERS = ['functions', 'reference']
// Any constant works: every CPX process that migrates takes the same transaction-level lock.
const MIGRATION_LOCK = 4_242_001

export interface Migration { version: number, name: string, sql: string, checksum: string }
/** A file of sql/functions or sql/reference; path is relative to sql/ ('functions/cpx_median.sql'). */
export interface SqlFile { path: string, sql: string, checksum: string }
export interface MigrateOptions { migrations?: Migration[], files?: SqlFile[] }
type Run = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

export function listMigrations (dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const sql = readFileSync(dir + name, 'utf8')
      return { version: Number(name.slice(0, 4)), name, sql, checksum: sha256(sql) }
    })
}

/** Every sql/functions/*.sql, then every sql/reference/*.sql, by name; a missing folder has none. */
export function listSqlFiles (dir = SQL_DIR): SqlFile[] {
  return SQL_FOLDERS.flatMap((folder) => existsSync(dir + folder)
    ? readdirSync(dir + folder).filter((f) => /^[a-z0-9_]+\.sql$/.test(f)).sort().map((f) => {
      const sql = readFileSync(`${dir}${folder}/${f}`, 'utf8')
      return { path: `${folder}/${f}`, sql, checksum: sha256(sql) }
    })
    : [])
}

/**
 * Brings the database to the tree's schema in one transaction under an advisory lock, so two processes
 * starting at once against one server do not both migrate: the second waits, then finds nothing to do.
 * Versioned migrations run once, in order, and never change once merged (a changed one is an error). The
 * baseline runs on an empty database and is only recorded on one that applied 0001–0042 (baseline.ts).
 * Every sql/ file whose checksum differs from the recorded one is applied after them (applySqlFiles), and
 * also before the versioned migrations that follow the baseline, so that they see today's functions; then
 * every applied file's bodies are checked (checkBodies). Returns what it applied, in order: migration names
 * and sql/ paths (docs/database.md).
 */
export async function migrate (database: Database, opts: MigrateOptions = {}): Promise<string[]> {
  const migrations = opts.migrations ?? listMigrations()
  const files = opts.files ?? listSqlFiles()
  return database.script(async (run) => {
    await run(`select pg_advisory_xact_lock(${MIGRATION_LOCK})`)
    await run(`create table if not exists schema_migrations (
      version integer primary key, name text not null, checksum text not null,
      applied_at timestamptz not null default now())`)
    await run(`create table if not exists schema_sql_files (
      path text primary key, checksum text not null, applied_at timestamptz not null default now())`)
    const rows = (await run('select version, name, checksum from schema_migrations'))
      .map((r) => ({ version: Number(r.version), name: String(r.name), checksum: String(r.checksum) }))
    const done: string[] = []
    const baseline = migrations.find((m) => m.version === BASELINE_VERSION)
    if (baseline && baselineAction(rows) === 'record') {
      await record(run, baseline)
      rows.push(baseline)
      done.push(`${baseline.name} (recorded: 0001–0042 were applied)`)
    }
    const recorded = new Map(rows.map((r) => [r.version, r.checksum]))
    const pending = migrations.filter((m) => {
      const known = recorded.get(m.version)
      if (known && known !== m.checksum) throw new Error(`migration ${m.name} changed after it was applied`)
      return !known
    })
    const applied: SqlFile[] = []
    const applyFiles = async (tolerant: boolean) => {
      const now = await applySqlFiles(run, files, { tolerant })
      applied.push(...now)
      done.push(...now.map((f) => `sql/${f.path}`))
    }
    let filesApplied = false
    for (const m of pending) {
      // Versioned migrations after the baseline see today's functions (a trigger may need one).
      if (m.version !== BASELINE_VERSION && !filesApplied) {
        await applyFiles(true)
        filesApplied = true
      }
      await run(m.sql)
      await record(run, m)
      done.push(m.name)
    }
    await applyFiles(false)
    await checkBodies(run, applied)
    done.push(...await forgetRemoved(run, files))
    return done
  })
}

async function record (run: Run, m: Migration) {
  await run('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [m.version, m.name, m.checksum])
}

/**
 * Applies each file whose checksum differs from schema_sql_files' (a new or edited file), with
 * check_function_bodies off, so files need no order among themselves. `tolerant` (before later versioned
 * migrations): a file that fails (its table or type comes in a pending migration) is rolled back to its
 * savepoint and left for the pass after them.
 */
async function applySqlFiles (run: Run, files: SqlFile[], { tolerant }: { tolerant: boolean }): Promise<SqlFile[]> {
  const recorded = await recordedFiles(run)
  const applied: SqlFile[] = []
  // Bodies are checked once everything exists (checkBodies), not in whatever order the files come.
  await run('set local check_function_bodies = off')
  for (const f of files.filter((f) => recorded.get(f.path) !== f.checksum)) {
    if (tolerant) await run('savepoint cpx_sql_file')
    try {
      await run(f.sql)
      if (tolerant) await run('release savepoint cpx_sql_file')
    } catch (err) {
      if (!tolerant) throw new Error(`sql/${f.path}: ${(err as Error).message}`, { cause: err })
      await run('rollback to savepoint cpx_sql_file')
      continue
    }
    await run(`insert into schema_sql_files (path, checksum) values ($1, $2)
      on conflict (path) do update set checksum = excluded.checksum, applied_at = now()`, [f.path, f.checksum])
    applied.push(f)
  }
  // versioned migrations run as they always did: a function they create is checked at once
  await run('set local check_function_bodies = on')
  return applied
}

/** Everything exists now: the applied files once more with bodies checked (a typo or a missing column fails). */
async function checkBodies (run: Run, applied: SqlFile[]) {
  for (const f of applied) {
    try { await run(f.sql) } catch (err) { throw new Error(`sql/${f.path}: ${(err as Error).message}`, { cause: err }) }
  }
}

/**
 * A file removed from the tree leaves what it defined in the database (a versioned migration drops it, if
 * that is wanted): its record is deleted and it is reported once.
 */
async function forgetRemoved (run: Run, files: SqlFile[]): Promise<string[]> {
  const inTree = new Set(files.map((f) => f.path))
  const removed = [...(await recordedFiles(run)).keys()].filter((path) => !inTree.has(path))
  for (const path of removed) await run('delete from schema_sql_files where path = $1', [path])
  return removed.map((path) => `sql/${path} (file removed: what it defined stays in the database)`)
}

async function recordedFiles (run: Run): Promise<Map<string, string>> {
  return new Map((await run('select path, checksum from schema_sql_files')).map((r) => [String(r.path), String(r.checksum)]))
}

/** Pending migrations and sql/ files (empty when the schema is current); used by /readyz. */
export async function pendingMigrations (database: Database, migrations = listMigrations(), files = listSqlFiles()): Promise<string[]> {
  const rows = await database.db.selectFrom('schema_migrations').select(['version', 'name']).execute()
  const applied = new Set(rows.map((r) => r.version))
  const pending = migrations.filter((m) => !applied.has(m.version)).map((m) => m.name)
  const hasFiles = await database.db.selectNoFrom((eb) => eb.fn<string | null>('to_regclass', [eb.val('public.schema_sql_files')]).as('t'))
    .executeTakeFirst()
  const recorded = new Map(hasFiles?.t
    ? (await database.db.selectFrom('schema_sql_files').select(['path', 'checksum']).execute()).map((r) => [r.path, r.checksum])
    : [])
  return [...pending, ...files.filter((f) => recorded.get(f.path) !== f.checksum).map((f) => `sql/${f.path}`)]
}
