import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createApiKey } from '../src/domain/api-keys.ts'
import { admin, buildTestApp } from './helpers/app.ts'

const PROBLEM = /^application\/problem\+json/

test('rate limit: the (n+1)th request of a window is 429 problem+json with Retry-After and IETF RateLimit headers', async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW: '1 minute' } })
  const answers = []
  for (let i = 0; i < 4; i++) answers.push(await app.inject({ url: '/v1/providers', remoteAddress: '10.0.0.1' }))
  assert.deepEqual(answers.map((r) => r.statusCode), [200, 200, 200, 429])
  assert.equal(answers[0]!.headers.ratelimit, '"default";r=2;t=60')
  assert.equal(answers[0]!.headers['ratelimit-policy'], '"default";q=3;w=60')
  const refused = answers[3]!
  assert.match(String(refused.headers['content-type']), PROBLEM)
  assert.equal(refused.json().type, 'https://cpx.dev/problems/rate-limited')
  assert.equal(refused.json().status, 429)
  assert.ok(refused.json().request_id)
  assert.ok(Number(refused.headers['retry-after']) > 0 && Number(refused.headers['retry-after']) <= 60)
  assert.match(String(refused.headers.ratelimit), /^"default";r=0;t=\d+$/)
  assert.equal(refused.headers['ratelimit-limit'], undefined, 'only the current draft headers are sent')
  // another IP has its own bucket
  assert.equal((await app.inject({ url: '/v1/providers', remoteAddress: '10.0.0.2' })).statusCode, 200)
})

test('rate limit: buckets are per API key when one is presented, else per IP; probes are never limited', async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '2', READ_API_KEY_REQUIRED: 'true' } })
  const { key: k1 } = await createApiKey(app.db, 'one', 'read')
  const { key: k2 } = await createApiKey(app.db, 'two', 'read')
  const via = (key: string, ip = '10.1.1.1') => app.inject({ url: `/v1/providers?api_key=${key}`, remoteAddress: ip })
  assert.equal((await via(k1)).statusCode, 200)
  assert.equal((await via(k1, '10.9.9.9')).statusCode, 200)
  assert.equal((await via(k1, '10.8.8.8')).statusCode, 429, 'the key is limited whatever IP it comes from')
  assert.equal((await via(k2)).statusCode, 200, 'another key from the same IP has its own bucket')
  for (let i = 0; i < 5; i++) {
    assert.equal((await app.inject({ url: '/healthz', remoteAddress: '10.1.1.1' })).statusCode, 200)
    assert.equal((await app.inject({ url: '/readyz', remoteAddress: '10.1.1.1' })).statusCode, 200)
  }
})

test('rate limit: rotating made-up keys does not escape the per-IP limit', async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '5', READ_API_KEY_REQUIRED: 'true' } })
  const codes = []
  for (let i = 0; i < 9; i++) {
    codes.push((await app.inject({ url: '/metrics', remoteAddress: '10.2.2.2', headers: { authorization: `Bearer made-up-${i}` } })).statusCode)
  }
  assert.deepEqual(codes.slice(0, 5), [401, 401, 401, 401, 401])
  assert.ok(codes.slice(6).every((c) => c === 429), codes.join())
  // a real key from elsewhere still works
  assert.equal((await app.inject({ url: '/metrics', headers: admin, remoteAddress: '10.3.3.3' })).statusCode, 200)
})

test('security headers on API answers; Swagger UI keeps a CSP that lets its own assets run', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject('/healthz')
  assert.equal(res.headers['x-content-type-options'], 'nosniff')
  assert.equal(res.headers['x-frame-options'], 'DENY')
  assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/)
  assert.equal(res.headers['referrer-policy'], 'no-referrer')
  assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin')
  assert.match(String(res.headers['strict-transport-security']), /max-age=\d+/)
  assert.match(String(res.headers['content-security-policy']), /default-src 'none'/)
  assert.equal(res.headers['x-powered-by'], undefined)
  assert.ok(res.headers['x-request-id'])
  const docs = await app.inject('/docs/')
  assert.equal(docs.statusCode, 200)
  const csp = String(docs.headers['content-security-policy'])
  assert.match(csp, /script-src 'self'/)
  assert.match(csp, /style-src 'self'/)
  for (const src of [...docs.body.matchAll(/(?:src|href)="\.?\/?([^"]+\.(?:js|css))"/g)].map((m) => m[1]!)) {
    const asset = await app.inject('/docs/' + src.replace(/^\.\//, ''))
    assert.equal(asset.statusCode, 200, src)
  }
  assert.equal((await app.inject('/docs/json')).statusCode, 200)
})

test('CORS: reads answer browsers from the configured origins; writes never carry CORS headers', async (t) => {
  const app = await buildTestApp(t, { env: { CORS_ORIGINS: 'https://dash.example.com, https://sheet.example.org' } })
  const ok = await app.inject({ url: '/healthz', headers: { origin: 'https://dash.example.com' } })
  assert.equal(ok.headers['access-control-allow-origin'], 'https://dash.example.com')
  assert.match(String(ok.headers['access-control-expose-headers']), /ETag/)
  const other = await app.inject({ url: '/healthz', headers: { origin: 'https://evil.example.net' } })
  assert.equal(other.headers['access-control-allow-origin'], undefined)
  const preflightRead = await app.inject({ method: 'OPTIONS', url: '/v1/indices', headers: { origin: 'https://dash.example.com', 'access-control-request-method': 'GET' } })
  assert.equal(preflightRead.statusCode, 204)
  assert.equal(preflightRead.headers['access-control-allow-origin'], 'https://dash.example.com')
  const preflightWrite = await app.inject({ method: 'OPTIONS', url: '/v1/quotes', headers: { origin: 'https://dash.example.com', 'access-control-request-method': 'POST' } })
  // the preflight names the read methods only: a browser refuses to send the write
  assert.deepEqual(String(preflightWrite.headers['access-control-allow-methods'] ?? '').split(/\s*,\s*/).filter(Boolean).filter((m) => !['GET', 'HEAD'].includes(m)), [])
  const write = await app.inject({ method: 'POST', url: '/v1/quotes', headers: { ...admin, origin: 'https://dash.example.com' }, payload: { quotes: [] } })
  assert.equal(write.headers['access-control-allow-origin'], undefined)

  const any = await buildTestApp(t) // default CORS_ORIGINS=*
  assert.equal((await any.inject({ url: '/healthz', headers: { origin: 'https://x.example' } })).headers['access-control-allow-origin'], '*')
  const none = await buildTestApp(t, { env: { CORS_ORIGINS: 'none' } })
  assert.equal((await none.inject({ url: '/healthz', headers: { origin: 'https://x.example' } })).headers['access-control-allow-origin'], undefined)
})

test('every write route refuses a body over its limit with 413 problem+json', async (t) => {
  const app = await buildTestApp(t)
  assert.ok(app.bodyLimits.size > 0 || true)
  for (const [route, limit] of app.bodyLimits) {
    if (route.startsWith('OPTIONS')) continue
    const [method, template] = route.split(' ') as [string, string]
    const url = template.replace(/:(\w+)/g, 'x').replace('*', 'x')
    const payload = '{"x":"' + 'a'.repeat(limit) + '"}'
    const res = await app.inject({ method: method as 'POST', url, headers: { ...admin, 'content-type': 'application/json' }, payload })
    assert.equal(res.statusCode, 413, `${route} (limit ${limit})`)
    assert.match(String(res.headers['content-type']), PROBLEM)
    assert.equal(res.json().type, 'https://cpx.dev/problems/payload-too-large')
  }
})

test('server timeouts are set: slow clients cannot hold connections forever', async (t) => {
  const app = await buildTestApp(t)
  assert.ok(app.initialConfig.connectionTimeout! > 0 && app.initialConfig.connectionTimeout! <= 60_000)
  const { requestTimeout } = app.initialConfig as { requestTimeout?: number }
  assert.ok(requestTimeout! > 0 && requestTimeout! <= 120_000)
  assert.ok(app.initialConfig.bodyLimit! <= 16 * 1024 * 1024)
})

test('under pressure the service sheds with 503 problem+json and Retry-After; liveness still answers', async (t) => {
  const app = await buildTestApp(t, { env: { SHED_EVENT_LOOP_DELAY_MS: '30' } })
  // Past the start-up grace, block the event loop, then let the sampler (every 200 ms, overdue now) see the delay.
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const until = Date.now() + 1500
  while (Date.now() < until) { /* busy */ }
  await new Promise((resolve) => setTimeout(resolve, 20))
  const shed = await app.inject('/v1/providers')
  const live = await app.inject('/healthz')
  assert.equal(shed.statusCode, 503)
  assert.match(String(shed.headers['content-type']), PROBLEM)
  assert.equal(shed.json().type, 'https://cpx.dev/problems/overloaded')
  assert.equal(shed.headers['retry-after'], '5')
  assert.equal(live.statusCode, 200)
  // and it recovers by itself once the loop is idle again
  let status = 0
  for (let i = 0; i < 50 && status !== 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    status = (await app.inject('/v1/providers')).statusCode
  }
  assert.equal(status, 200)
})

test('/metrics serves Prometheus text with request counts, limits and database state', async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '1' } })
  await app.inject({ url: '/v1/providers', remoteAddress: '10.4.4.4' })
  await app.inject({ url: '/v1/providers', remoteAddress: '10.4.4.4' })
  const res = await app.inject('/metrics')
  assert.equal(res.statusCode, 200)
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/)
  assert.match(res.body, /^cpx_http_requests_total\{method="GET",route="\/v1\/providers",status="200"\} 1$/m)
  assert.match(res.body, /^cpx_http_requests_total\{method="GET",route="\/v1\/providers",status="429"\} 1$/m)
  assert.match(res.body, /^cpx_rate_limited_total 1$/m)
  assert.match(res.body, /^cpx_database_up 1$/m)
  assert.match(res.body, /^cpx_http_request_duration_seconds_bucket\{method="GET",route="\/v1\/providers",le="\+Inf"\} 2$/m)
  // buckets are cumulative: never decreasing, the last one holding every request that fast
  const buckets = [...res.body.matchAll(/^cpx_http_request_duration_seconds_bucket\{method="GET",route="\/v1\/providers",le="([^"]+)"\} (\d+)$/gm)].map((m) => Number(m[2]))
  assert.ok(buckets.length > 2 && buckets.every((n, i) => i === 0 || n >= buckets[i - 1]!), buckets.join())
  assert.equal(buckets.at(-1), 2)
  for (const line of res.body.trim().split('\n')) assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? -?[\d.e+-]+)$/, line)
})

test('behind a load balancer (TRUST_PROXY) the per-IP limit uses the client address from X-Forwarded-For', async (t) => {
  const trusting = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '1', TRUST_PROXY: '10.0.0.0/8' } })
  const via = (app: typeof trusting, client: string) => app.inject({ url: '/v1/providers', remoteAddress: '10.0.0.99', headers: { 'x-forwarded-for': client } })
  assert.equal((await via(trusting, '203.0.113.1')).statusCode, 200)
  assert.equal((await via(trusting, '203.0.113.2')).statusCode, 200, 'another client behind the same balancer')
  assert.equal((await via(trusting, '203.0.113.1')).statusCode, 429)
  const plain = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '1' } })
  assert.equal((await via(plain, '203.0.113.1')).statusCode, 200)
  assert.equal((await via(plain, '203.0.113.2')).statusCode, 429, 'without TRUST_PROXY a forged header changes nothing')
})

// Five reads from ip, each with a different made-up key, by query and by Bearer in turn: their statuses
// (each answer must be problem+json).
async function madeUpKeyCodes (app: Awaited<ReturnType<typeof buildTestApp>>, ip: string): Promise<number[]> {
  const codes = []
  for (let i = 0; i < 5; i++) {
    const res = i % 2 === 0
      ? await app.inject({ url: `/v1/providers?api_key=made-up-${i}`, remoteAddress: ip })
      : await app.inject({ url: '/v1/providers', remoteAddress: ip, headers: { authorization: `Bearer made-up-${i}` } })
    assert.match(String(res.headers['content-type']), PROBLEM)
    codes.push(res.statusCode)
  }
  return codes
}

// Issue #23: a request is counted against the key it proved to hold, else against its IP; a key that
// fails verification is counted against the IP and never served anonymously.
test('rate limit: once an IP is spent, made-up keys (query or bearer) get 429 or 401, never 200', async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '3' } }) // reads are public
  const ip = '10.5.5.5'
  for (let i = 0; i < 3; i++) assert.equal((await app.inject({ url: '/v1/providers', remoteAddress: ip })).statusCode, 200)
  assert.equal((await app.inject({ url: '/v1/providers', remoteAddress: ip })).statusCode, 429)
  const codes = await madeUpKeyCodes(app, ip)
  assert.ok(codes.every((c) => c === 429), 'the IP is spent: ' + codes.join())
})

test('rate limit: made-up keys on a fresh IP are 401 on a public read and spend the IP budget, then 429', async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '3' } })
  const ip = '10.6.6.6'
  const codes = await madeUpKeyCodes(app, ip)
  assert.deepEqual(codes, [401, 401, 401, 429, 429])
  // the IP's budget is spent for anonymous requests too
  assert.equal((await app.inject({ url: '/v1/providers', remoteAddress: ip })).statusCode, 429)
  // another scheme than Bearer is not a key either: refused, not served anonymously
  const basic = await app.inject({ url: '/v1/providers', remoteAddress: '10.6.6.7', headers: { authorization: 'Basic dXNlcjpwYXNz' } })
  assert.equal(basic.statusCode, 401)
})

test('rate limit: a valid read key after its IP is spent is served from the key\'s own bucket', async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '3' } })
  const { key } = await createApiKey(app.db, 'reader', 'read')
  const ip = '10.7.7.7'
  for (let i = 0; i < 4; i++) await app.inject({ url: '/v1/providers', remoteAddress: ip })
  assert.equal((await app.inject({ url: '/v1/providers', remoteAddress: ip })).statusCode, 429)
  const byBearer = await app.inject({ url: '/v1/providers', remoteAddress: ip, headers: { authorization: `Bearer ${key}` } })
  assert.equal(byBearer.statusCode, 200)
  assert.match(String(byBearer.headers.ratelimit), /^"default";r=2;t=\d+$/, 'the key\'s bucket, not the spent IP\'s')
  assert.equal(byBearer.headers['ratelimit-policy'], '"default";q=3;w=60')
  // the same key by query shares the bucket
  const byQuery = await app.inject({ url: `/v1/providers?api_key=${key}`, remoteAddress: ip })
  assert.equal(byQuery.statusCode, 200)
  assert.match(String(byQuery.headers.ratelimit), /^"default";r=1;t=\d+$/)
  assert.equal((await app.inject({ url: `/v1/providers?api_key=${key}`, remoteAddress: '10.7.7.8' })).statusCode, 200)
  assert.equal((await app.inject({ url: `/v1/providers?api_key=${key}`, remoteAddress: '10.7.7.9' })).statusCode, 429, 'the key\'s own limit')
})

test('rate limit: without a key a request is still limited by its IP, and a valid key does not refill the IP', async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '2' } })
  const { key } = await createApiKey(app.db, 'reader', 'read')
  const ip = '10.8.8.1'
  assert.equal((await app.inject({ url: `/v1/providers?api_key=${key}`, remoteAddress: ip })).statusCode, 200)
  const first = await app.inject({ url: '/v1/providers', remoteAddress: ip })
  assert.equal(first.statusCode, 200)
  assert.equal(first.headers.ratelimit, '"default";r=1;t=60', 'the keyed request was not counted against the IP')
  assert.equal((await app.inject({ url: '/v1/providers', remoteAddress: ip })).statusCode, 200)
  assert.equal((await app.inject({ url: '/v1/providers', remoteAddress: ip })).statusCode, 429)
})

test('rate limit: a made-up key is refused the same way on writes and on public routes, counted against the IP', async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '2' } })
  const ip = '10.9.1.1'
  const bad = { authorization: 'Bearer made-up-write' }
  const write = await app.inject({ method: 'POST', url: '/v1/quotes', remoteAddress: ip, headers: bad, payload: { quotes: [] } })
  assert.equal(write.statusCode, 401)
  assert.match(String(write.headers['content-type']), PROBLEM)
  assert.equal(write.headers.ratelimit, '"default";r=1;t=60', 'counted against the IP')
  const doc = await app.inject({ url: '/openapi.json?api_key=made-up-doc', remoteAddress: ip })
  assert.equal(doc.statusCode, 401, 'a public route does not serve a bad key anonymously either')
  assert.equal((await app.inject({ url: '/openapi.json', remoteAddress: ip })).statusCode, 429, 'the IP is spent')
  // the probes never look at a key and are never limited
  assert.equal((await app.inject({ url: '/healthz', remoteAddress: ip, headers: bad })).statusCode, 200)
  // the IP has failed 2 key checks: a key that needs a lookup is refused without one; the bootstrap
  // admin key (and a cached key) needs none and is still served from its own bucket
  const { key } = await createApiKey(app.db, 'writer', 'ingest')
  assert.equal((await app.inject({ method: 'POST', url: '/v1/quotes', remoteAddress: ip, headers: { authorization: `Bearer ${key}` }, payload: { quotes: [] } })).statusCode, 429)
  assert.equal((await app.inject({ method: 'POST', url: '/v1/quotes', remoteAddress: ip, headers: admin, payload: { quotes: [] } })).statusCode, 200)
  assert.equal((await app.inject({ method: 'POST', url: '/v1/quotes', remoteAddress: '10.9.1.2', headers: { authorization: `Bearer ${key}` }, payload: { quotes: [] } })).statusCode, 200)
  assert.equal((await app.inject({ method: 'POST', url: '/v1/quotes', remoteAddress: ip, headers: { authorization: `Bearer ${key}` }, payload: { quotes: [] } })).statusCode, 200, 'now cached: no lookup needed')
})
