import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { buildApp } from '../src/app.ts'
import { connect, type Database } from '../src/db/connect.ts'
import { testConfig } from './helpers/app.ts'
import { createServerDatabase, onServer } from './helpers/db.ts'
import { ENV } from './helpers/ingest-seed.ts'

// API keys end to end: `cpx keys create` prints a key that works over HTTP with its scope, a smaller
// scope gets 403, no key 401, and after `cpx keys revoke` the key gets 401. Problems are problem+json.

function cli (env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, LOG_LEVEL: 'silent', ADMIN_API_KEY: '', ...env }, encoding: 'utf8',
  })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

test('cpx keys create / list / revoke, and what each key may do over HTTP', { timeout: 180_000 }, async (t) => {
  // The CLI and the app share one database: a server database, or an embedded one on disk (opened
  // by one process at a time).
  let env: Record<string, string>
  let open: () => Promise<Database>
  if (onServer) {
    const { url, drop } = await createServerDatabase()
    env = { DATABASE_URL: url }
    open = () => connect({ DATABASE_URL: url, DATA_DIR: '' })
    t.after(drop)
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'cpx-keys-'))
    env = { DATA_DIR: dir }
    open = () => connect({ DATA_DIR: dir })
    t.after(() => rmSync(dir, { recursive: true, force: true }))
  }
  const withApp = async (fn: (inject: (method: string, url: string, key?: string, payload?: object) => Promise<{ statusCode: number, type: string, json: () => { type: string, detail: string } }>) => Promise<void>) => {
    const database = await open()
    const app = await buildApp(testConfig(ENV), { database })
    try {
      await fn(async (method, url, key, payload) => {
        const r = await app.inject({ method: method as 'GET', url, payload, headers: key ? { authorization: `Bearer ${key}` } : {} })
        return { statusCode: r.statusCode, type: String(r.headers['content-type']), json: () => r.json() }
      })
    } finally { await app.close(); await database.close() }
  }

  const ingest = cli(env, 'keys', 'create', '--scope', 'ingest', '--name', 'loader')
  assert.equal(ingest.code, 0, ingest.err)
  const ingestKey = ingest.out.trim()
  assert.match(ingestKey, /^cpx_ingest_[A-Za-z0-9_-]{20,}$/)
  assert.match(ingest.err, /shown once/)
  const read = cli(env, 'keys', 'create', '--scope', 'read', '--name', 'dashboard')
  assert.equal(read.code, 0, read.err)
  const readKey = read.out.trim()
  const list = cli(env, 'keys', 'list')
  assert.equal(list.code, 0, list.err)
  assert.match(list.out, /loader/)
  assert.ok(!list.out.includes(ingestKey), 'the list never shows a secret')

  const provider = { name: 'Lambda', kind: 'neocloud' }
  await withApp(async (inject) => {
    const none = await inject('PUT', '/v1/providers/lambda', undefined, provider)
    assert.equal(none.statusCode, 401)
    assert.match(none.type, /application\/problem\+json/)
    assert.equal(none.json().type, 'https://cpx.dev/problems/unauthorized')
    const wrong = await inject('PUT', '/v1/providers/lambda', 'cpx_ingest_not-a-real-key-at-all', provider)
    assert.equal(wrong.statusCode, 401)
    const small = await inject('POST', '/v1/quotes', readKey, { quotes: [] })
    assert.equal(small.statusCode, 403)
    assert.match(small.type, /application\/problem\+json/)
    assert.match(small.json().detail, /scope ingest/)
    assert.equal((await inject('PUT', '/v1/providers/lambda', ingestKey, provider)).statusCode, 201)
    assert.equal((await inject('PUT', '/v1/products/h100-sxm', ingestKey, { kind: 'gpu', name: 'H100', family: 'h100', variant: 'sxm' })).statusCode, 201)
    assert.equal((await inject('PUT', '/v1/fx-rates', ingestKey, { rates: [{ date: '2026-11-02', currency: 'CNY', usd_per_unit: '0.14', source: 'x' }] })).statusCode, 200)
    const posted = await inject('POST', '/v1/quotes', ingestKey, { quotes: [{ provider: 'lambda', product: 'h100-sxm', segment: 'on_demand', price: '2.99', currency: 'USD', unit: 'gpu_hour', observed_at: '2026-11-02T12:00:00Z' }] })
    assert.equal(posted.statusCode, 200)
    // Reads are public by default.
    assert.equal((await inject('GET', '/v1/quotes')).statusCode, 200)
  })

  const revoked = cli(env, 'keys', 'revoke', ingestKey.slice(0, 14))
  assert.equal(revoked.code, 0, revoked.err + revoked.out)
  assert.match(revoked.out, /revoked 1 key/)
  await withApp(async (inject) => {
    const r = await inject('POST', '/v1/quotes', ingestKey, { quotes: [] })
    assert.equal(r.statusCode, 401)
    assert.match(r.json().detail, /unknown or revoked/)
  })
})
