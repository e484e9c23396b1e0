import type { TestContext } from 'node:test'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import pg from 'pg'
import { connect, type Database } from '../../src/db/connect.ts'
import { listMigrations, listSqlFiles, migrate } from '../../src/db/migrate.ts'

/** Set by .ci/run (and `npm run test:server`): the suite then runs on that Postgres server. */
export const SERVER_URL = process.env.TEST_DATABASE_URL
export const onServer = Boolean(SERVER_URL)

/** A URL for a new, empty database on the test server. */
export async function createServerDatabase (): Promise<{ url: string, drop: () => Promise<void> }> {
  const base = new URL(SERVER_URL!)
  const name = `${base.pathname.slice(1) || 'cpx'}_${randomBytes(4).toString('hex')}`.slice(0, 60)
  const admin = new pg.Client({ connectionString: SERVER_URL })
  await admin.connect()
  await admin.query(`create database "${name}"`)
  await admin.end()
  const url = new URL(SERVER_URL!)
  url.pathname = '/' + name
  return {
    url: url.toString(),
    async drop () {
      const c = new pg.Client({ connectionString: SERVER_URL })
      await c.connect()
      await c.query(`drop database if exists "${name}" with (force)`)
      await c.end()
    },
  }
}

// PGlite's initdb costs seconds; loading a dump of a migrated database costs about one. The dump is
// keyed by the checksums of the migrations and the sql/ files and kept under node_modules/.cache between runs.
let template: Promise<Blob> | undefined
function migratedTemplate (): Promise<Blob> {
  template ??= (async () => {
    const key = createHash('sha256').update([...listMigrations(), ...listSqlFiles()].map((m) => m.checksum).join()).digest('hex').slice(0, 16)
    const dir = 'node_modules/.cache/cpx'
    const file = `${dir}/pglite-${key}.tar`
    if (existsSync(file)) return new Blob([readFileSync(file)])
    const database = await connect({ DATA_DIR: '', memory: true })
    await migrate(database)
    const dump = await (database as Database & { pglite: { dumpDataDir: (c: 'none') => Promise<Blob> } }).pglite.dumpDataDir('none')
    await database.close()
    mkdirSync(dir, { recursive: true })
    const tmp = `${file}.${process.pid}`
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()))
    renameSync(tmp, file)
    return dump
  })()
  return template
}

/**
 * A fresh, migrated database for one test (or one file): in-memory PGlite by default, a new
 * database on TEST_DATABASE_URL's server when that is set. Closed and dropped after the test.
 */
export async function testDatabase (t: Pick<TestContext, 'after'>): Promise<Database & { url?: string }> {
  if (!onServer) {
    const database = await connect({ DATA_DIR: '', memory: true, loadDataDir: await migratedTemplate() })
    await migrate(database) // a no-op on the template; proves it is current
    t.after(() => database.close())
    return database
  }
  const { url, drop } = await createServerDatabase()
  const database = await connect({ DATABASE_URL: url, DATA_DIR: '' })
  await migrate(database)
  t.after(async () => { await database.close(); await drop() })
  return Object.assign(database, { url })
}
