// Throwaway databases for one benchmark run: a fresh database on the Postgres server, or a fresh
// PGlite data directory. Both are migrated with the project's own migrations and removed after.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { connect, type Database } from '../src/db/connect.ts'
import { migrate } from '../src/db/migrate.ts'

export interface BenchDatabase {
  kind: 'server' | 'embedded'
  label: string
  /** server: the database URL; embedded: unset */
  url?: string
  /** embedded: the DATA_DIR the service opens */
  dataDir?: string
  open: () => Promise<Database>
  drop: () => Promise<void>
}

export async function serverDatabase (baseUrl: string, suffix: string): Promise<BenchDatabase> {
  const name = `cpx_bench_${process.pid}_${suffix}`
  const admin = new pg.Client({ connectionString: baseUrl })
  await admin.connect()
  await admin.query(`drop database if exists "${name}" with (force)`)
  await admin.query(`create database "${name}"`)
  await admin.end()
  const url = new URL(baseUrl)
  url.pathname = '/' + name
  const bench: BenchDatabase = {
    kind: 'server',
    label: name,
    url: url.toString(),
    open: () => connect({ DATABASE_URL: url.toString(), DATA_DIR: '' }),
    async drop () {
      const c = new pg.Client({ connectionString: baseUrl })
      await c.connect()
      await c.query(`drop database if exists "${name}" with (force)`)
      await c.end()
    },
  }
  const database = await bench.open()
  await migrate(database)
  await database.close()
  return bench
}

export async function embeddedDatabase (suffix: string): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), `cpx-bench-${process.pid}-${suffix}-`))
  const bench: BenchDatabase = {
    kind: 'embedded',
    label: dataDir,
    dataDir,
    open: () => connect({ DATA_DIR: dataDir }),
    async drop () { rmSync(dataDir, { recursive: true, force: true }) },
  }
  const database = await bench.open()
  await migrate(database)
  await database.close()
  return bench
}
