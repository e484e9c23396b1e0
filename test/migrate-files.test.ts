import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { sql } from 'kysely'
import { connect } from '../src/db/connect.ts'
import { listMigrations, listSqlFiles, migrate, pendingMigrations, type Migration, type SqlFile } from '../src/db/migrate.ts'
import { buildTestApp } from './helpers/app.ts'
import { createServerDatabase, onServer, testDatabase } from './helpers/db.ts'

// sql/functions and sql/reference: each file applied whenever its checksum differs from the recorded one.

const sha = (text: string) => createHash('sha256').update(text).digest('hex')
const edited = (files: SqlFile[], path: string, edit: (sql: string) => string): SqlFile[] =>
  files.map((f) => f.path === path ? { ...f, sql: edit(f.sql), checksum: sha(edit(f.sql)) } : f)
const LOCK_KEY = 'functions/cpx_fixing_lock_key.sql'

test('every file is recorded; an edited file is applied again, alone; applying twice does nothing', async (t) => {
  const database = await testDatabase(t)
  const files = listSqlFiles()
  assert.ok(files.some((f) => f.path === 'functions/cpx_compute_fixings.sql'))
  const recorded = await database.db.selectFrom('schema_sql_files').select(['path', 'checksum']).execute()
  const byPath = (a: { path: string }, b: { path: string }) => a.path < b.path ? -1 : 1
  assert.deepEqual(recorded.sort(byPath), files.map((f) => ({ path: f.path, checksum: f.checksum })).sort(byPath))
  assert.deepEqual(await migrate(database), [])

  const changed = edited(files, LOCK_KEY, (s) => s.replace('select 4242020', 'select 4242021'))
  assert.deepEqual(await pendingMigrations(database, listMigrations(), changed), [`sql/${LOCK_KEY}`])
  assert.deepEqual(await migrate(database, { files: changed }), [`sql/${LOCK_KEY}`])
  assert.equal((await sql<{ k: number }>`select cpx_fixing_lock_key() as k`.execute(database.db)).rows[0]!.k, 4242021)
  assert.deepEqual(await migrate(database, { files: changed }), [])
  assert.deepEqual(await pendingMigrations(database, listMigrations(), changed), [])
  // back to the tree's file: applied again, and the function is the tree's
  assert.deepEqual(await migrate(database), [`sql/${LOCK_KEY}`])
  assert.equal((await sql<{ k: number }>`select cpx_fixing_lock_key() as k`.execute(database.db)).rows[0]!.k, 4242020)
})

test('a file that does not parse fails the migration and leaves everything as it was', async (t) => {
  const database = await testDatabase(t)
  const broken = edited(listSqlFiles(), LOCK_KEY, (s) => s.replace('select 4242020', 'select 4242021 frm nowhere'))
  await assert.rejects(migrate(database, { files: broken }), /sql\/functions\/cpx_fixing_lock_key\.sql: .*syntax error/)
  // a SQL body naming a column that does not exist is caught too (bodies are checked once all files are in)
  const missing = edited(listSqlFiles(), LOCK_KEY, (s) => s.replace('select 4242020', 'select no_such_column from fixings'))
  await assert.rejects(migrate(database, { files: missing }), /cpx_fixing_lock_key\.sql: .*no_such_column/)
  assert.equal((await sql<{ k: number }>`select cpx_fixing_lock_key() as k`.execute(database.db)).rows[0]!.k, 4242020)
  assert.deepEqual(await pendingMigrations(database), [])
})

test('a removed file leaves its function in place and is reported once', async (t) => {
  const database = await testDatabase(t)
  const without = listSqlFiles().filter((f) => f.path !== 'functions/cpx_median_of.sql')
  assert.deepEqual(await migrate(database, { files: without }), ['sql/functions/cpx_median_of.sql (file removed: what it defined stays in the database)'])
  assert.deepEqual(await migrate(database, { files: without }), [])
  assert.equal(Number((await sql<{ m: string }>`select cpx_median_of(array[3, 1, 2]::numeric[]) as m`.execute(database.db)).rows[0]!.m), 2)
  // the file back: applied as a new file
  assert.deepEqual(await migrate(database), ['sql/functions/cpx_median_of.sql'])
})

test('/readyz lists an sql/ file that changed as pending', async (t) => {
  const app = await buildTestApp(t)
  assert.equal((await app.inject('/readyz')).statusCode, 200)
  await sql`update schema_sql_files set checksum = 'old' where path = ${LOCK_KEY}`.execute(app.db)
  const res = await app.inject('/readyz')
  assert.equal(res.statusCode, 503)
  assert.deepEqual(res.json().pending_migrations, [`sql/${LOCK_KEY}`])
})

test('later versioned migrations and sql/ files need no order: each sees what the other makes', async (t) => {
  // A new database: the baseline, the files, then a migration whose trigger needs a file's function and a
  // file whose trigger needs the migration's table (deferred until after it).
  let database
  if (onServer) {
    const { url, drop } = await createServerDatabase()
    database = await connect({ DATABASE_URL: url, DATA_DIR: '' })
    t.after(async () => { await database!.close(); await drop() })
  } else {
    database = await connect({ DATA_DIR: '', memory: true })
    t.after(() => database!.close())
  }
  const later: Migration = {
    version: 9043,
    name: '9043_notes.sql',
    sql: `create table notes (id int primary key, body text not null);
      create trigger notes_append_only before update or delete on notes for each row execute function cpx_quotes_append_only();`,
    checksum: 'c9043',
  }
  const noteFile: SqlFile = {
    path: 'functions/zz_note_count.sql',
    sql: `create or replace function zz_note_count() returns bigint language sql stable as $$ select count(*) from notes $$;
      create or replace function zz_note_stamp() returns trigger language plpgsql as $$ begin new.body := new.body || '.'; return new; end $$;
      create or replace trigger notes_stamp before insert on notes for each row execute function zz_note_stamp();`,
    checksum: 'cnote',
  }
  // a SQL function reading the migration's table is created before it (bodies unchecked), checked after it
  const totalFile: SqlFile = {
    path: 'functions/zz_note_total.sql',
    sql: 'create or replace function zz_note_total() returns bigint language sql stable as $$ select count(*) from notes $$;',
    checksum: 'ctotal',
  }
  const applied = await migrate(database, { migrations: [...listMigrations(), later], files: [...listSqlFiles(), noteFile, totalFile] })
  // Every migration and file once; the real ones may interleave (a real file that needs a later real
  // migration's type is deferred too), so the order is checked where this test makes it matter.
  const all = ['0000_baseline.sql', ...listMigrations().filter((m) => m.version > 0).map((m) => m.name), '9043_notes.sql',
    ...listSqlFiles().map((f) => `sql/${f.path}`), 'sql/functions/zz_note_total.sql', 'sql/functions/zz_note_count.sql']
  assert.deepEqual([...applied].sort(), [...all].sort())
  assert.equal(applied[0], '0000_baseline.sql')
  const at = (name: string) => applied.indexOf(name)
  assert.ok(at('sql/functions/zz_note_total.sql') < at('9043_notes.sql'), 'a file reading a later table is created before it (bodies unchecked)')
  assert.ok(at('9043_notes.sql') < at('sql/functions/zz_note_count.sql'), 'a file whose trigger needs a later table waits for it')
  assert.ok(at('sql/functions/cpx_quotes_append_only.sql') < at('9043_notes.sql'), 'a migration\'s trigger finds the file\'s function')
  await sql`insert into notes values (1, 'hello')`.execute(database.db)
  assert.deepEqual((await sql`select body, zz_note_count() as n, zz_note_total() as t from notes`.execute(database.db)).rows, [{ body: 'hello.', n: 1, t: 1 }])
  await assert.rejects(sql`delete from notes`.execute(database.db), /append-only/)
})
