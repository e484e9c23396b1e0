import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { buildApp } from '../src/app.ts'
import { createApiKey, revokeApiKey, SCOPES, scopeAllows, type Scope } from '../src/domain/api-keys.ts'
import { ADMIN_KEY, buildTestApp, testConfig } from './helpers/app.ts'
import { testDatabase } from './helpers/db.ts'

// Every route, from openapi/openapi.json (the published contract) and from the running app (so a route
// missing from the document is still covered). Regenerate the document with `npm run openapi`.
interface Route { method: string, url: string, access?: string }

const PUBLIC = new Set(['/healthz', '/readyz', '/openapi.json'])
const SAMPLE: Record<string, string> = { slug: 'lambda', code: 'H100-SXM-OD', date: '2026-11-02', id: '1', gpu: 'H100-SXM' }
const concrete = (url: string) => url.replace(/[{:](\w+)}?/g, (_m, name: string) => SAMPLE[name] ?? 'x')

function documentedRoutes (): Route[] {
  const spec = JSON.parse(readFileSync('openapi/openapi.json', 'utf8')) as { paths: Record<string, Record<string, unknown>> }
  return Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), url: path.replace(/\{(\w+)\}/g, ':$1') })))
}

function allRoutes (live: Route[]): Route[] {
  const byKey = new Map<string, Route>()
  for (const r of [...documentedRoutes(), ...live]) {
    if (r.method === 'OPTIONS' || r.url.startsWith('/docs') || r.url === '*') continue
    const k = `${r.method} ${r.url}`
    byKey.set(k, { ...byKey.get(k), ...r, access: r.access ?? byKey.get(k)?.access })
  }
  return [...byKey.values()]
}

const isWrite = (r: Route) => r.method !== 'GET' && r.method !== 'HEAD'
const needOf = (r: Route): string => r.access ?? (isWrite(r) ? 'admin' : 'read')

async function keysFor (db: Parameters<typeof createApiKey>[0]) {
  const keys = {} as Record<Scope, string>
  for (const s of SCOPES) keys[s] = (await createApiKey(db, `authz-${s}`, s)).key
  return keys
}

test('every write route refuses no key (401), a bad or revoked key (401) and too small a scope (403)', async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '100000' } })
  const keys = await keysFor(app.db)
  const revoked = await createApiKey(app.db, 'gone', 'admin')
  await revokeApiKey(app.db, revoked.info.prefix)
  const writes = allRoutes(app.routeList).filter(isWrite)
  assert.ok(writes.length >= 1, 'at least one write route exists')
  const checked: string[] = []
  for (const r of writes) {
    const need = needOf(r)
    assert.ok(need === 'ingest' || need === 'admin', `${r.method} ${r.url} is a write that needs only "${need}"`)
    const call = (authorization?: string) => app.inject({ method: r.method as 'POST', url: concrete(r.url), headers: authorization ? { authorization } : {}, payload: {} })
    const none = await call()
    assert.equal(none.statusCode, 401, `${r.method} ${r.url} without a key`)
    assert.match(String(none.headers['content-type']), /^application\/problem\+json/)
    assert.equal(none.json().type, 'https://cpx.dev/problems/unauthorized')
    assert.equal((await call('Bearer cpx_admin_not-a-real-key-at-all')).statusCode, 401, `${r.method} ${r.url} with an unknown key`)
    assert.equal((await call(`Bearer ${revoked.key}`)).statusCode, 401, `${r.method} ${r.url} with a revoked key`)
    assert.equal((await call('Basic YWRtaW46YWRtaW4=')).statusCode, 401, `${r.method} ${r.url} with another scheme`)
    for (const small of SCOPES.filter((s) => SCOPES.indexOf(s) < SCOPES.indexOf(need as Scope))) {
      const res = await call(`Bearer ${keys[small]}`)
      assert.equal(res.statusCode, 403, `${r.method} ${r.url} with a ${small} key`)
      assert.equal(res.json().type, 'https://cpx.dev/problems/forbidden')
    }
    // the right scope gets past authorization (to validation, 404 or success)
    const allowed = await call(`Bearer ${keys[need as Scope]}`)
    assert.ok(![401, 403].includes(allowed.statusCode), `${r.method} ${r.url} with a ${need} key: ${allowed.statusCode}`)
    checked.push(`${r.method} ${r.url} (${need})`)
  }
  t.diagnostic(`write routes checked: ${checked.join(', ')}`)
})

test('with READ_API_KEY_REQUIRED=true every read refuses a missing key; only health, readiness, the document and /docs stay public', async (t) => {
  const app = await buildTestApp(t, { env: { READ_API_KEY_REQUIRED: 'true', RATE_LIMIT_MAX: '100000' } })
  const keys = await keysFor(app.db)
  const reads = allRoutes(app.routeList).filter((r) => !isWrite(r))
  for (const r of reads) {
    const url = concrete(r.url)
    const anonymous = await app.inject({ url })
    if (PUBLIC.has(r.url)) {
      assert.equal(needOf(r), 'public', `${r.url} is declared public`)
      assert.notEqual(anonymous.statusCode, 401, `${r.url} must stay public`)
      continue
    }
    assert.notEqual(needOf(r), 'public', `${r.method} ${r.url} is public but is not a health probe or the docs`)
    assert.equal(anonymous.statusCode, 401, `${r.method} ${r.url} without a key`)
    for (const s of SCOPES) {
      for (const res of [await app.inject({ url, headers: { authorization: `Bearer ${keys[s]}` } }), await app.inject({ url: url + (url.includes('?') ? '&' : '?') + 'api_key=' + keys[s] })]) {
        // an admin read (the mappings) is refused with 403 to a lower key
        if (!scopeAllows(s, needOf(r) as Scope)) assert.equal(res.statusCode, 403, `${r.method} ${r.url} with a ${s} key`)
        else assert.ok(![401, 403].includes(res.statusCode), `${r.method} ${r.url} with a ${s} key: ${res.statusCode}`)
      }
    }
  }
  for (const url of ['/docs/', '/docs/json', '/healthz', '/readyz']) assert.notEqual((await app.inject(url)).statusCode, 401, url)
  // and by default reads are public, but for the admin reads (the mappings), which always need the admin key
  const open = await buildTestApp(t)
  for (const r of reads) {
    const status = (await open.inject({ url: concrete(r.url) })).statusCode
    if (needOf(r) === 'admin') assert.equal(status, 401, `${r.method} ${r.url} needs the admin key`)
    else assert.notEqual(status, 401, `${r.method} ${r.url} is public by default`)
  }
})

test('keys are stored hashed, revocable at once, and never logged (header or ?api_key=)', async (t) => {
  const database = await testDatabase(t)
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
  const app = await buildApp(testConfig({ READ_API_KEY_REQUIRED: 'true', LOG_LEVEL: 'trace' }), { database, logger: { level: 'trace', stream } })
  t.after(() => app.close())
  await app.ready()
  const { key, info } = await createApiKey(app.db, 'logged?', 'ingest')
  const rows = await app.db.selectFrom('api_keys').selectAll().execute()
  assert.ok(!JSON.stringify(rows).includes(key), 'the secret is not stored')
  assert.ok(!JSON.stringify(rows).includes(key.slice(14)), 'not even its tail')

  const secrets = [key, ADMIN_KEY, 'cpx_read_wrong-key-value-0123456789']
  const routes = allRoutes(app.routeList)
  for (const r of routes) {
    for (const secret of secrets) {
      const url = concrete(r.url)
      await app.inject({ method: r.method as 'GET', url, headers: { authorization: `Bearer ${secret}` }, ...(isWrite(r) ? { payload: { quotes: [{ price: 'x' }] } } : {}) })
      await app.inject({ method: r.method as 'GET', url: `${url}?api_key=${encodeURIComponent(secret)}&x=1`, ...(isWrite(r) ? { payload: '{"broken' } : {}), headers: isWrite(r) ? { 'content-type': 'application/json' } : {} })
      await app.inject({ method: r.method as 'GET', url: `${url}?x=1&api_key=${secret}`, headers: { 'x-api-key': secret } })
    }
  }
  assert.ok(lines.length > routes.length * 3, `captured ${lines.length} log lines`)
  const log = lines.join('')
  for (const secret of secrets) {
    assert.ok(!log.includes(secret), `a key appears in the logs: ${lines.find((l) => l.includes(secret))}`)
    assert.ok(!log.includes(encodeURIComponent(secret)))
  }
  assert.match(log, /\[redacted\]/)

  // revocation takes effect as soon as the cache is cleared (the CLI's revoke does this on its process; others within 10 s)
  assert.notEqual((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${key}` } })).statusCode, 401)
  assert.equal(await revokeApiKey(app.db, String(info.id)), 1)
  app.clearKeyCache()
  assert.equal((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${key}` } })).statusCode, 401)
})

test('key checks compare hashes in constant time: no early exit on a matching prefix', async () => {
  // The admin key is compared with timingSafeEqual over SHA-256 digests; stored keys are looked up by
  // their hash, so the database never compares a secret either. Assert the code path, not the clock.
  const source = readFileSync('src/domain/api-keys.ts', 'utf8') + readFileSync('src/plugins/auth.ts', 'utf8')
  assert.match(source, /timingSafeEqual/)
  assert.match(source, /sameSecret\(key, config\.ADMIN_API_KEY\)/)
  assert.doesNotMatch(source, /===\s*config\.ADMIN_API_KEY|config\.ADMIN_API_KEY\s*===/)
})
