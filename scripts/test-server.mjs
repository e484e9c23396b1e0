// npm run test:server: the suite against the local Postgres server, in a fresh database dropped after.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import pg from 'pg'

const base = process.env.TEST_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const name = `cpx_local_${process.pid}`
const admin = new pg.Client({ connectionString: base })
await admin.connect()
await admin.query(`create database "${name}"`)
const url = new URL(base)
url.pathname = '/' + name
const args = process.argv.slice(2)
const r = spawnSync('npx', ['tsx', '--test', '--test-concurrency=1', ...(args.length ? args : readdirSync('test').filter((f) => f.endsWith('.test.ts')).map((f) => 'test/' + f))], {
  stdio: 'inherit', env: { ...process.env, TEST_DATABASE_URL: url.toString() }, shell: false,
})
await admin.query(`drop database if exists "${name}" with (force)`)
await admin.end()
process.exit(r.status ?? 1)
