import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Database } from './connect.ts'

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url))
// Any constant works: every CPX process that migrates takes the same transaction-level lock.
const MIGRATION_LOCK = 4_242_001

export interface Migration { version: number, name: string, sql: string, checksum: string }

export function listMigrations (dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const sql = readFileSync(dir + name, 'utf8')
      return { version: Number(name.slice(0, 4)), name, sql, checksum: createHash('sha256').update(sql).digest('hex') }
    })
}

/**
 * Applies pending migrations in one transaction under an advisory lock, so two processes starting
 * at once against one server do not both migrate: the second waits, then finds nothing to do.
 * A changed migration that was already applied is an error: migrations never change once merged.
 */
export async function migrate (database: Database, migrations = listMigrations()): Promise<string[]> {
  return database.script(async (run) => {
    await run(`select pg_advisory_xact_lock(${MIGRATION_LOCK})`)
    await run(`create table if not exists schema_migrations (
      version integer primary key, name text not null, checksum text not null,
      applied_at timestamptz not null default now())`)
    const applied = new Map((await run('select version, checksum from schema_migrations'))
      .map((r) => [Number(r.version), String(r.checksum)]))
    const done: string[] = []
    for (const m of migrations) {
      const known = applied.get(m.version)
      if (known === m.checksum) continue
      if (known) throw new Error(`migration ${m.name} changed after it was applied`)
      await run(m.sql)
      await run('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [m.version, m.name, m.checksum])
      done.push(m.name)
    }
    return done
  })
}

/** Pending migration names (empty when the schema is current); used by /readyz. */
export async function pendingMigrations (database: Database, migrations = listMigrations()): Promise<string[]> {
  const rows = await database.db.selectFrom('schema_migrations').select(['version']).execute()
  const applied = new Set(rows.map((r) => r.version))
  return migrations.filter((m) => !applied.has(m.version)).map((m) => m.name)
}
