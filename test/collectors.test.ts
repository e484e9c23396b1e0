import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { connect, type Database } from '../src/db/connect.ts'
import { collectCommand, sourcesCommand } from '../src/cli/sources.ts'
import { importCommand } from '../src/cli/import.ts'
import { mappingsCommand } from '../src/cli/mappings.ts'
import { sourceHealthOfFixing } from '../src/domain/sources.ts'
import { parsePayload } from '../src/importers/provenance.ts'
import { readSourceBytes } from '../src/importers/read-source.ts'
import { collectNow, runDueSources, startCollector } from '../src/scheduler/collector.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { onServer, testDatabase } from './helpers/db.ts'
import { serveFixture } from './helpers/http.ts'

// Collectors against a local fixture server that replays the real public payloads in ../shared/data
// (read in place, never copied) and injects each fault of issue #18. Both databases.
const D = '../shared/data'
const skip = existsSync(D) ? false : 'no ../shared/data on this machine'
const file = (p: string) => skip ? Buffer.alloc(0) : readFileSync(`${D}/${p}`)
const OPENROUTER = file('openrouter/openrouter_api_v1_models_2026-08-18_ef05c3be.json')
const LITELLM = file('litellm/model_prices_and_context_window_2026-07-24_8442b939.json')
const SKYPILOT = file('skypilot/lambda_vms_v8_gpu_rows_0f407038.csv')
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

type Fault = 'none' | '500' | 'timeout' | 'malformed' | 'renamed' | 'unit' | 'doubled'

/** Each fault as the feed would send it: the payload's own bytes, changed the way a real feed changes. */
function faulty (body: Buffer, fault: Fault): Buffer {
  const text = body.toString('utf8')
  if (fault === 'malformed') return body.subarray(0, Math.floor(body.length / 2))
  if (fault === 'renamed') return Buffer.from(text.replaceAll('"pricing"', '"price_info"'))
  if (fault === 'unit') return Buffer.from(text.replace(/"(prompt|completion)": ?"([0-9.e-]+)"/g, '"$1": "$2 USD"'))
  if (fault === 'doubled') {
    const json = JSON.parse(text) as { data: unknown[] }
    return Buffer.from(JSON.stringify({ ...json, data: [...json.data, ...json.data] }, null, 2))
  }
  return body
}

async function fixtureServer (t: TestContext) {
  const state = { fault: 'none' as Fault, hits: 0 }
  const routes: Record<string, { body: Buffer, type: string }> = {
    '/api/v1/models': { body: OPENROUTER, type: 'application/json' },
    '/litellm/model_prices_and_context_window.json': { body: LITELLM, type: 'application/json' },
    '/catalogs/v8/lambda/vms.csv': { body: SKYPILOT, type: 'text/csv' },
  }
  const base = await serveFixture(t, (req, res) => {
    state.hits++
    const route = routes[req.url ?? '']
    if (!route) { res.writeHead(404).end(); return }
    if (state.fault === '500') { res.writeHead(500).end('{"error":"upstream"}'); return }
    if (state.fault === 'timeout') return // never answers (serveFixture's close ends the socket)
    res.writeHead(200, { 'content-type': route.type }).end(faulty(route.body, state.fault))
  })
  return { state, base }
}

/** The seeded public sources would reach the internet: disabled in every test. */
const quiet = (database: Database) => database.db.updateTable('sources').set({ enabled: false }).execute()
const count = async (database: Database, table: 'quotes' | 'source_payloads' | 'fixings') =>
  Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
const putSource = (app: Awaited<ReturnType<typeof buildTestApp>>, name: string, body: object) =>
  app.inject({ method: 'PUT', url: `/v1/sources/${name}`, headers: admin, payload: body })

test('a collected payload: one run, the bytes kept under their SHA-256, every new quote carries the run; the same bytes again store nothing', { skip }, async (t) => {
  const app = await buildTestApp(t)
  await quiet(app.database)
  const feed = await fixtureServer(t)
  const created = await putSource(app, 'fixture-openrouter', { importer: 'openrouter', url: `${feed.base}/api/v1/models`, interval_seconds: 600 })
  assert.equal(created.statusCode, 201, created.body)
  assert.equal(created.json().stale, true) // enabled and never succeeded: the alarm is on

  const run = (await app.inject({ method: 'POST', url: '/v1/sources/fixture-openrouter/collect', headers: admin })).json()
  assert.equal(run.status, 'ok', run.error)
  assert.equal(run.trigger, 'manual')
  assert.equal(run.http_status, 200)
  assert.equal(run.bytes, OPENROUTER.length)
  assert.equal(run.sha256, sha(OPENROUTER))
  assert.equal(run.payload_kept, true)
  assert.equal(run.rows_read, 549)
  assert.equal(run.accepted, run.quotes)
  assert.ok(run.accepted > 250)
  assert.equal(run.skipped.dynamic_price, 5)

  const payload = await app.inject({ url: `/v1/payloads/${run.sha256}` })
  assert.equal(payload.statusCode, 200)
  assert.ok(payload.rawPayload.equals(OPENROUTER), 'the kept bytes are the bytes served')
  assert.equal(payload.headers['repr-digest'], `sha-256=:${createHash('sha256').update(OPENROUTER).digest('base64')}:`)
  const stored = await app.database.db.selectFrom('quotes').select(['id', 'run_id']).execute()
  assert.equal(stored.length, run.accepted)
  assert.ok(stored.every((q) => String(q.run_id) === run.id))
  const one = (await app.inject({ url: `/v1/quotes/${stored[0]!.id}` })).json()
  assert.equal(one.run_id, run.id)
  assert.equal(one.run.sha256, run.sha256)
  assert.equal((await app.inject({ url: '/v1/quotes/999999999' })).statusCode, 404)

  // the same bytes the same day: a good run that stores nothing new
  const again = (await app.inject({ method: 'POST', url: '/v1/sources/fixture-openrouter/collect', headers: admin })).json()
  assert.deepEqual([again.status, again.unchanged, again.accepted, again.sha256], ['ok', true, 0, run.sha256])
  assert.equal(await count(app.database, 'quotes'), run.accepted)
  assert.equal(await count(app.database, 'source_payloads'), 1)

  const source = (await app.inject({ url: '/v1/sources/fixture-openrouter' })).json()
  assert.deepEqual([source.stale, source.runs, source.failures, source.quotes_accepted, source.last_failure], [false, 2, 0, run.accepted, null])
  assert.ok(source.last_success_age_seconds >= 0 && source.last_success_age_seconds < 60)
  const list = (await app.inject({ url: '/v1/sources' })).json()
  assert.ok(list.data.some((s: { name: string }) => s.name === 'openrouter'), 'the seeded defaults are listed')

  // runs, newest first, one page at a time with a signed cursor
  const page1 = (await app.inject({ url: '/v1/sources/fixture-openrouter/runs?limit=1' })).json()
  assert.deepEqual(page1.data.map((r: { id: string }) => r.id), [again.id])
  const page2 = (await app.inject({ url: `/v1/sources/fixture-openrouter/runs?limit=1&cursor=${page1.next_cursor}` })).json()
  assert.deepEqual([page2.data.map((r: { id: string }) => r.id), page2.next_cursor], [[run.id], null])
  assert.equal((await app.inject({ url: '/v1/sources/nosuch/runs' })).statusCode, 404)
})

test('provenance to the byte: a fixing constituent → its quote → the run → the payload SHA-256; re-parsing the kept bytes gives the same quotes', { skip }, async (t) => {
  const app = await buildTestApp(t)
  await quiet(app.database)
  const feed = await fixtureServer(t)
  assert.equal((await putSource(app, 'fixture-litellm', { importer: 'litellm', url: `${feed.base}/litellm/model_prices_and_context_window.json` })).statusCode, 201)
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
  const [result] = await collectNow(app.database, ['fixture-litellm'], { now: () => new Date(`${day}T12:00:00Z`) })
  assert.equal(result?.status, 'ok', result?.error)
  const computed = await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from: day, to: day, indices: ['TOK-FRONTIER-BLEND'] } })
  assert.equal(computed.statusCode, 200, computed.body)
  const fixing = (await app.inject({ url: `/v1/indices/TOK-FRONTIER-BLEND/values/${day}?include=constituents` })).json()
  assert.equal(fixing.status, 'ok', JSON.stringify(fixing).slice(0, 300))
  const constituent = fixing.constituents.find((c: { excluded: boolean }) => !c.excluded)
  const quote = (await app.inject({ url: `/v1/quotes/${constituent.quote_ids[0]}` })).json()
  assert.deepEqual([quote.provider, quote.product], [constituent.provider, constituent.product])
  const run = quote.run
  assert.equal(run.id, String(result!.run_id))
  const bytes = (await app.inject({ url: `/v1/payloads/${run.sha256}` })).rawPayload
  assert.equal(sha(bytes), run.sha256)
  assert.equal(sha(bytes), sha(LITELLM))

  // the kept bytes, parsed again as the run parsed them, give exactly the quotes the run stored
  const batch = parsePayload(run.importer, bytes, { observedAt: run.observed_at, provider: run.provider, url: run.url })
  const key = (q: { provider: string, product: string, segment: string, service_tier?: string | null, price: string, observed_at: string }) =>
    [q.provider, q.product, q.segment, q.service_tier ?? 'standard', q.price, new Date(q.observed_at).toISOString()].join('|')
  const stored = await app.database.db.selectFrom('quotes').select(['provider', 'product', 'segment', 'service_tier', 'price', 'observed_at'])
    .where('run_id', '=', Number(run.id)).execute()
  assert.equal(stored.length, run.accepted)
  assert.deepEqual(new Set(stored.map(key)), new Set(batch.quotes.map(key)))
  assert.ok(batch.quotes.some((q) => key(q) === key(quote)))

  // the latest answer names its feeds; when every one is stale, it says so (and its ETag changes)
  const fixingId = (await app.database.db.selectFrom('fixings').select('id').where('index_code', '=', 'TOK-FRONTIER-BLEND').where('date', '=', day)
    .executeTakeFirstOrThrow()).id
  assert.deepEqual(await sourceHealthOfFixing(app.database.db, fixingId), { sources: ['fixture-litellm'], all_stale: false })
  await app.database.db.updateTable('sources').set({ stale_after_seconds: 3600 }).where('name', '=', 'fixture-litellm').execute()
  await app.database.db.updateTable('source_runs').set({ finished_at: new Date(Date.now() - 7200_000).toISOString() }).where('source', '=', 'fixture-litellm').execute()
  const latest = await app.inject({ url: '/v1/indices/TOK-FRONTIER-BLEND/latest' })
  assert.deepEqual(latest.json().source_health, { sources: ['fixture-litellm'], all_stale: true })
  assert.equal(latest.headers.etag, `"${fixing.hash.replace(/^sha256:/, '')}-stale"`)
  assert.equal((await app.inject({ url: '/v1/sources/fixture-litellm' })).json().stale, true)
})

const FAULTS: Array<[Fault, string, RegExp]> = [
  ['500', 'http_status', /HTTP 500.*after 3 attempts/],
  ['timeout', 'timeout', /no complete answer within 300 ms/],
  ['malformed', 'malformed', /malformed JSON/],
  ['renamed', 'schema_change', /yields no quotes.*no_price/],
  ['unit', 'schema_change', /yields no quotes.*not_a_number/],
  ['doubled', 'too_large', /over this source's cap/],
]

test('every fault is a failed run with one reason: nothing stored, data and fixings untouched, the next run succeeds', { skip }, async (t) => {
  const app = await buildTestApp(t)
  await quiet(app.database)
  const feed = await fixtureServer(t)
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
  const now = () => new Date(`${day}T06:00:00Z`)
  const cap = Math.round(OPENROUTER.length * 1.5) // the doubled payload is over it
  await putSource(app, 'fixture-openrouter', { importer: 'openrouter', url: `${feed.base}/api/v1/models`, timeout_ms: 300, retries: 2, max_bytes: cap })
  const good = await collectNow(app.database, ['fixture-openrouter'], { now, retryBaseMs: 5 })
  assert.equal(good[0]?.status, 'ok')
  await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from: day, to: day } })
  const before = {
    quotes: await count(app.database, 'quotes'),
    payloads: await count(app.database, 'source_payloads'),
    fixings: await app.database.db.selectFrom('fixings').select(['index_code', 'date', 'revision', 'hash']).orderBy('id').execute(),
  }
  for (const [fault, kind, reason] of FAULTS) {
    feed.state.fault = fault
    feed.state.hits = 0
    const [r] = await collectNow(app.database, ['fixture-openrouter'], { now, retryBaseMs: 5 })
    const run = (await app.inject({ url: `/v1/runs/${r!.run_id}` })).json()
    assert.deepEqual([run.status, run.error_kind], ['failed', kind], `${fault}: ${run.error}`)
    assert.match(run.error, reason, fault)
    assert.equal(run.accepted, null, fault)
    assert.equal(run.payload_kept, false, `${fault}: a failed run keeps no bytes`)
    // only the faults that may pass are retried (5xx, timeouts): three attempts each
    assert.equal(feed.state.hits, fault === '500' || fault === 'timeout' ? 3 : 1, fault)
    assert.equal(await count(app.database, 'quotes'), before.quotes, fault)
    assert.equal(await count(app.database, 'source_payloads'), before.payloads, fault)
    assert.deepEqual(await app.database.db.selectFrom('fixings').select(['index_code', 'date', 'revision', 'hash']).orderBy('id').execute(), before.fixings, fault)
  }
  const source = (await app.inject({ url: '/v1/sources/fixture-openrouter' })).json()
  assert.deepEqual([source.failures, source.last_failure.kind], [FAULTS.length, 'too_large'])
  const metrics = (await app.inject({ url: '/metrics' })).body
  assert.match(metrics, /cpx_source_runs_total\{source="fixture-openrouter",status="failed"\} 6/)
  assert.match(metrics, /cpx_source_failures_total\{source="fixture-openrouter",kind="schema_change"\} 2/)
  assert.match(metrics, /cpx_source_last_success_age_seconds\{source="fixture-openrouter"\} \d/)
  assert.match(metrics, /cpx_source_stale\{source="fixture-openrouter"\} 0/)

  // the feed heals: the next run succeeds (the same bytes as the good run: nothing new to store)
  feed.state.fault = 'none'
  const [healed] = await collectNow(app.database, ['fixture-openrouter'], { now, retryBaseMs: 5 })
  assert.equal(healed?.status, 'ok')
  assert.equal(await count(app.database, 'quotes'), before.quotes)
})

test('a header comes from the environment variable the source names; a secret is refused as a header value and never stored', async (t) => {
  const app = await buildTestApp(t)
  await quiet(app.database)
  const secret = await putSource(app, 'keyed', { importer: 'vast', url: 'http://127.0.0.1:9/x', header_env: { authorization: 'Bearer sk-live-123' } })
  assert.equal(secret.statusCode, 400)
  assert.match(secret.json().detail, /header_env\/authorization.*NAME of an environment variable/)
  const bad = await putSource(app, 'keyed', { importer: 'nosuch', url: 'ftp://x' })
  assert.equal(bad.statusCode, 400)
  assert.deepEqual(bad.json().errors.map((e: { path: string }) => e.path).sort(), ['body/importer', 'body/url'])
  assert.equal((await app.inject({ method: 'PUT', url: '/v1/sources/keyed', payload: { importer: 'vast', url: 'http://127.0.0.1:9/x' } })).statusCode, 401)
  const ok = await putSource(app, 'keyed', { importer: 'vast', url: 'http://127.0.0.1:9/x', header_env: { authorization: 'CPX_TEST_UNSET_VARIABLE' }, retries: 0 })
  assert.equal(ok.statusCode, 201)
  const run = (await app.inject({ method: 'POST', url: '/v1/sources/keyed/collect', headers: admin })).json()
  assert.deepEqual([run.status, run.error_kind], ['failed', 'config'])
  assert.match(run.error, /CPX_TEST_UNSET_VARIABLE, which is not set/)
  assert.equal((await app.inject({ method: 'DELETE', url: '/v1/sources/keyed', headers: admin })).statusCode, 204)
  assert.equal((await app.inject({ url: '/v1/sources/keyed' })).statusCode, 404)
  assert.equal((await app.inject({ url: '/v1/sources/keyed/runs' })).json().data.length, 1, 'a removed source keeps its runs')
})

test('two instances on one database run each scheduled run once', { skip }, async (t) => {
  const first = await testDatabase(t)
  await quiet(first)
  // on the server: a second connection pool, as a second instance has; embedded: one database, two collectors
  const second = onServer ? await connect({ DATABASE_URL: first.url!, DATA_DIR: '' }) : first
  if (second !== first) t.after(() => second.close())
  const feed = await fixtureServer(t)
  for (const [name, importer, path] of [['a-openrouter', 'openrouter', '/api/v1/models'], ['b-skypilot', 'skypilot', '/catalogs/v8/lambda/vms.csv'],
    ['c-litellm', 'litellm', '/litellm/model_prices_and_context_window.json']]) {
    await first.db.insertInto('sources').values({ name: name!, importer: importer!, url: feed.base + path!, interval_seconds: 3600 }).execute()
  }
  const at = new Date(Date.now() + 1000)
  const [x, y] = await Promise.all([runDueSources(first, { at }), runDueSources(second, { at })])
  assert.equal(x.length + y.length, 3)
  assert.deepEqual([...x, ...y].map((r) => r.source).sort(), ['a-openrouter', 'b-skypilot', 'c-litellm'])
  assert.ok([...x, ...y].every((r) => r.status === 'ok'))
  assert.equal(feed.state.hits, 3)
  // not due again until an interval has passed; then due once more
  const [x2, y2] = await Promise.all([runDueSources(first, { at: new Date(at.getTime() + 60_000) }), runDueSources(second, { at: new Date(at.getTime() + 60_000) })])
  assert.equal(x2.length + y2.length, 0)
  const later = new Date(at.getTime() + 3601_000)
  const [x3, y3] = await Promise.all([runDueSources(first, { at: later }), runDueSources(second, { at: later })])
  assert.equal(x3.length + y3.length, 3)
  const runs = await first.db.selectFrom('source_runs').select(['source', 'status']).execute()
  assert.equal(runs.length, 6)
})

/** Runs a `cpx` command in process against `env` (DATABASE_URL or DATA_DIR); stdout and stderr captured. */
async function cpx (command: (args: string[]) => Promise<number>, env: Record<string, string>, args: string[]) {
  const saved = { DATA_DIR: process.env.DATA_DIR, DATABASE_URL: process.env.DATABASE_URL }
  const [write, writeErr] = [process.stdout.write, process.stderr.write]
  let out = ''
  let err = ''
  delete process.env.DATABASE_URL
  Object.assign(process.env, env)
  // the test runner reports through stdout too (serialized Buffers): those pass through
  process.stdout.write = ((s: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof s !== 'string') return (write as (...a: unknown[]) => boolean).call(process.stdout, s, ...rest)
    out += s
    return true
  }) as typeof write
  process.stderr.write = ((s: string) => { err += s; return true }) as typeof writeErr
  try {
    return { code: await command(args), out, err }
  } finally {
    process.stdout.write = write
    process.stderr.write = writeErr
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v }
  }
}

test('cpx import is a run too (bytes kept, quotes carry it); cpx sources set refuses a secret; cpx collect runs a source and exits 1 on a failed run', { skip }, async (t) => {
  const feed = await fixtureServer(t)
  let env: Record<string, string>
  let database: Database & { url?: string }
  if (onServer) {
    database = await testDatabase(t)
    env = { DATABASE_URL: database.url! }
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'cpx-collect-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    env = { DATA_DIR: dir }
    database = await connect({ DATA_DIR: dir })
    t.after(() => database.close())
  }
  const path = `${D}/skypilot/lambda_vms_v8_gpu_rows_0f407038.csv`
  const imported = await cpx(importCommand, env, ['skypilot', '--file', path, '--observed-at', '2026-11-02T00:00:00Z', '--json'])
  assert.equal(imported.code, 0, imported.err)
  if (!onServer) { await database.close(); database = await connect({ DATA_DIR: env.DATA_DIR! }) }
  const run = await database.db.selectFrom('source_runs').selectAll().executeTakeFirstOrThrow()
  assert.deepEqual([run.source, run.trigger, run.status, run.url, run.sha256, run.accepted], ['skypilot', 'import', 'ok', path, sha(SKYPILOT), JSON.parse(imported.out).accepted])
  const kept = await database.db.selectFrom('source_payloads').select('bytes').where('sha256', '=', run.sha256!).executeTakeFirstOrThrow()
  assert.ok(Buffer.from(kept.bytes).equals(SKYPILOT))
  assert.equal((await database.db.selectFrom('quotes').select('id').where('run_id', '=', run.id).execute()).length, run.accepted)
  if (!onServer) await database.close()

  const secret = await cpx(sourcesCommand, env, ['set', 'lambda-feed', '--importer', 'skypilot', '--url', `${feed.base}/catalogs/v8/lambda/vms.csv`, '--header', 'authorization=Bearer abc'])
  assert.equal(secret.code, 1)
  assert.match(secret.err, /header_env\/authorization: must be the NAME of an environment variable/)
  const set = await cpx(sourcesCommand, env, ['set', 'lambda-feed', '--importer', 'skypilot', '--url', `${feed.base}/catalogs/v8/lambda/vms.csv`, '--retries', '0', '--disabled'])
  assert.equal(set.code, 0, set.err)
  const collected = await cpx(collectCommand, env, ['lambda-feed'])
  assert.equal(collected.code, 0, collected.err)
  assert.match(collected.out, /lambda-feed: run \d+ ok/)
  feed.state.fault = '500'
  const failed = await cpx(collectCommand, env, ['lambda-feed', '--json'])
  assert.equal(failed.code, 1)
  assert.equal(JSON.parse(failed.out)[0].error, 'http_status: HTTP 500 Internal Server Error')
  const shown = await cpx(sourcesCommand, env, ['show', 'lambda-feed'])
  assert.match(shown.out, /disabled .* last failure .*http_status: HTTP 500/)
})

/** A scratch git repository and a `git -C repo` that commits at a given time. */
function gitRepo (t: TestContext) {
  const repo = mkdtempSync(join(tmpdir(), 'cpx-history-'))
  t.after(() => rmSync(repo, { recursive: true, force: true }))
  const sh = (args: string[], date?: string) => execFileSync('git', ['-C', repo, ...args], {
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.test', ...(date ? { GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date } : {}) },
  }).toString('utf8').trim()
  return { repo, sh }
}

/** The database a CLI command runs on (its environment) and a way to open it afterwards. */
async function cliDatabase (t: TestContext): Promise<{ env: Record<string, string>, open: () => Promise<Database> }> {
  if (onServer) {
    const database = await testDatabase(t)
    return { env: { DATABASE_URL: database.url! }, open: async () => database }
  }
  const dir = mkdtempSync(join(tmpdir(), 'cpx-history-db-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return { env: { DATA_DIR: dir }, open: () => connect({ DATA_DIR: dir }) }
}

test('cpx import --git-history: one run per commit of the file, observed at the commit time, the commit on the run; a re-run imports nothing again', async (t) => {
  const { repo, sh } = gitRepo(t)
  sh(['init', '-q'])
  const original = readFileSync('test/fixtures/importers/litellm-prices.json', 'utf8')
  writeFileSync(join(repo, 'prices.json'), original)
  sh(['add', '.'])
  sh(['commit', '-qm', 'v1'], '2026-05-01T10:00:00Z')
  writeFileSync(join(repo, 'README'), 'not the price file')
  sh(['add', '.'])
  sh(['commit', '-qm', 'readme'], '2026-05-10T10:00:00Z')
  // a price change: gpt-5.5 input 5 → 4 USD per 1M at openai
  writeFileSync(join(repo, 'prices.json'), original.replace('"input_cost_per_token": 5e-06, "output_cost_per_token": 3e-05, "cache_read_input_token_cost"', '"input_cost_per_token": 4e-06, "output_cost_per_token": 3e-05, "cache_read_input_token_cost"'))
  sh(['commit', '-qam', 'v2'], '2026-06-01T08:30:00Z')
  const commits = sh(['log', '--reverse', '--format=%H', '--', 'prices.json']).split('\n')

  const { env, open } = await cliDatabase(t)
  const first = await cpx(importCommand, env, ['litellm', '--git-history', repo, '--path', 'prices.json', '--json'])
  assert.equal(first.code, 0, first.err)
  const results = JSON.parse(first.out)
  assert.deepEqual(results.map((r: { commit: string, committed_at: string, status: string }) => [r.commit, r.committed_at, r.status]),
    [[commits[0], '2026-05-01T10:00:00.000Z', 'ok'], [commits[1], '2026-06-01T08:30:00.000Z', 'ok']])
  assert.ok(results[0].accepted > 0)

  const database = await open()
  const runs = await database.db.selectFrom('source_runs').select(['id', 'git_commit', 'observed_at', 'url', 'trigger']).orderBy('id').execute()
  assert.deepEqual(runs.map((r) => [r.git_commit, r.observed_at, r.url, r.trigger]),
    [[commits[0], '2026-05-01T10:00:00Z', 'prices.json', 'import'], [commits[1], '2026-06-01T08:30:00Z', 'prices.json', 'import']])
  const gpt = await database.db.selectFrom('quotes').select(['observed_at', 'usd_price', 'run_id']).where('provider', '=', 'openai')
    .where('product', '=', 'openai/gpt-5.5').where('segment', '=', 'input').where('service_tier', '=', 'standard').orderBy('observed_at').execute()
  assert.deepEqual(gpt.map((q) => [q.observed_at, q.usd_price, q.run_id]), [['2026-05-01T10:00:00Z', '5.0000000000', runs[0]!.id], ['2026-06-01T08:30:00Z', '4.0000000000', runs[1]!.id]])
  const quotes = await count(database, 'quotes')
  if (!onServer) await database.close()

  const again = await cpx(importCommand, env, ['litellm', '--git-history', repo, '--path', 'prices.json', '--since', '2026-05-15', '--json'])
  assert.equal(again.code, 0, again.err)
  assert.deepEqual(JSON.parse(again.out).map((r: { status: string }) => r.status), ['imported_before'])
  const after = await open()
  assert.equal(await count(after, 'quotes'), quotes)
  assert.equal((await after.db.selectFrom('source_runs').select('id').execute()).length, 2)
  if (!onServer) await after.close()
  const bad = await cpx(importCommand, env, ['litellm', '--git-history', repo, '--path', 'prices.json', '--since', '2026-02-30'])
  assert.deepEqual([bad.code, bad.err], [1, 'cpx import: --since must be a date YYYY-MM-DD\n'])
})

test('cpx import llm-prices --git-history: a folder source, one run per commit of its folder, every vendor file at that commit in one payload', async (t) => {
  const { repo, sh } = gitRepo(t)
  const vendor = (f: string) => readFileSync(`test/fixtures/importers/llm-prices/${f}`, 'utf8')
  sh(['init', '-q'])
  mkdirSync(join(repo, 'data'))
  writeFileSync(join(repo, 'data/openai.json'), vendor('openai.json'))
  writeFileSync(join(repo, 'data/notes.txt'), 'not a vendor file')
  sh(['add', '.'])
  sh(['commit', '-qm', 'openai'], '2026-08-01T09:00:00Z')
  const atFirst = readSourceBytes(join(repo, 'data'), true)
  writeFileSync(join(repo, 'README'), 'outside the folder')
  sh(['add', '.'])
  sh(['commit', '-qm', 'readme'], '2026-08-05T09:00:00Z')
  writeFileSync(join(repo, 'data/anthropic.json'), vendor('anthropic.json'))
  sh(['add', '.'])
  sh(['commit', '-qm', 'anthropic'], '2026-08-20T09:00:00Z')
  const atSecond = readSourceBytes(join(repo, 'data'), true)
  const commits = sh(['log', '--reverse', '--format=%H', '--', 'data']).split('\n')
  assert.equal(commits.length, 2)

  const { env, open } = await cliDatabase(t)
  // the folder is the default path of llm-prices (data/), so --path may be left out
  const first = await cpx(importCommand, env, ['llm-prices', '--git-history', repo, '--json'])
  assert.equal(first.code, 0, first.err)
  assert.deepEqual(JSON.parse(first.out).map((r: { commit: string, status: string }) => [r.commit, r.status]), [[commits[0], 'ok'], [commits[1], 'ok']])
  const database = await open()
  const runs = await database.db.selectFrom('source_runs').select(['id', 'git_commit', 'sha256', 'url', 'observed_at']).orderBy('id').execute()
  // each run kept what `cpx import llm-prices --file data/` reads from the folder as it was at that commit
  assert.deepEqual(runs.map((r) => [r.git_commit, r.sha256, r.url, r.observed_at]),
    [[commits[0], sha(atFirst), 'data', '2026-08-01T09:00:00Z'], [commits[1], sha(atSecond), 'data', '2026-08-20T09:00:00Z']])
  const vendors = async (run: number) => (await database.db.selectFrom('quotes').select('provider').distinct().where('run_id', '=', run).orderBy('provider').execute()).map((q) => q.provider)
  assert.deepEqual(await vendors(runs[0]!.id), ['openai'])
  // the second commit's payload holds both vendors: anthropic is new, openai's current prices are observed again
  assert.deepEqual(await vendors(runs[1]!.id), ['anthropic', 'openai'])
  if (!onServer) await database.close()
  const again = await cpx(importCommand, env, ['llm-prices', '--git-history', repo, '--path', 'data/', '--json'])
  assert.deepEqual(JSON.parse(again.out).map((r: { status: string }) => r.status), ['imported_before', 'imported_before'])
})

test('the collector loop runs a due source, leaves it until its next time, and stops without leaving a run open', { skip }, async (t) => {
  const database = await testDatabase(t)
  await quiet(database)
  const feed = await fixtureServer(t)
  await database.db.insertInto('sources').values({ name: 'loop-lambda', importer: 'skypilot', url: `${feed.base}/catalogs/v8/lambda/vms.csv`, interval_seconds: 3600 }).execute()
  const logged: string[] = []
  const log = { info: (_o: object, m: string) => { logged.push(m) }, warn: (_o: object, m: string) => { logged.push(m) }, error: (_o: object, m: string) => { logged.push(m) } }
  const collector = startCollector({ database, tickMs: 20, log })
  const deadline = Date.now() + 20_000
  while (!logged.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  await new Promise((resolve) => setTimeout(resolve, 200)) // several more ticks: not due again
  await collector.stop()
  assert.deepEqual(logged, ['source run done'])
  const runs = await database.db.selectFrom('source_runs').select(['status', 'trigger', 'sha256']).execute()
  assert.deepEqual(runs, [{ status: 'ok', trigger: 'schedule', sha256: sha(SKYPILOT) }])
  assert.equal(feed.state.hits, 1)
})

test('cpx import --run: a kept payload parsed again after a mapping change, as a new run, without fetching; the quotes stored before are duplicates', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cpx-reparse-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'models.json')
  const model = (id: string, prompt: string, completion: string) => ({ id, name: id, pricing: { prompt, completion }, architecture: { modality: 'text->text' } })
  writeFileSync(file, JSON.stringify({ data: [model('openai/gpt-5.5', '0.000005', '0.00003'), model('openai/gpt-6', '0.00001', '0.00004')] }))
  const { env, open } = await cliDatabase(t)
  const first = await cpx(importCommand, env, ['openrouter', '--file', file, '--observed-at', '2026-11-02T06:00:00Z', '--json'])
  assert.equal(first.code, 0, first.err)
  const s1 = JSON.parse(first.out)
  assert.deepEqual([s1.accepted, s1.unmapped], [2, { 'openai/gpt-6': 1 }])
  let database = await open()
  const run1 = await database.db.selectFrom('source_runs').select(['id', 'sha256']).orderBy('id', 'desc').executeTakeFirstOrThrow()
  if (!onServer) await database.close()

  const rule = JSON.stringify({ match: '^gpt-6$', lab: 'openai', family: 'gpt-6', tier: 'frontier', open_weights: false })
  const set = await cpx(mappingsCommand, env, ['set', 'model_rule', 'openai.gpt-6.frontier', rule, '--reason', 'GPT-6 launched', '--by', 'ops@example.com'])
  assert.equal(set.code, 0, set.err)
  const again = await cpx(importCommand, env, ['--run', String(run1.id), '--json'])
  assert.equal(again.code, 0, again.err)
  const s2 = JSON.parse(again.out)
  assert.deepEqual([s2.accepted, s2.duplicates, s2.unmapped, s2.created_products], [2, 2, {}, ['openai/gpt-6']])

  database = await open()
  const runs = await database.db.selectFrom('source_runs').select(['id', 'sha256', 'observed_at', 'source', 'importer']).orderBy('id').execute()
  assert.equal(runs.length, 2)
  const run2 = runs[1]!
  assert.deepEqual([run2.sha256, run2.observed_at, run2.source, run2.importer], [run1.sha256, '2026-11-02T06:00:00Z', 'openrouter', 'openrouter'], 'the same bytes, observed when the first run observed them')
  const gpt6 = await database.db.selectFrom('quotes').select(['segment', 'usd_price', 'run_id', 'observed_at']).where('product', '=', 'openai/gpt-6').orderBy('segment').execute()
  assert.deepEqual(gpt6.map((q) => [q.segment, q.usd_price, q.run_id, q.observed_at]),
    [['input', '10.0000000000', run2.id, '2026-11-02T06:00:00Z'], ['output', '40.0000000000', run2.id, '2026-11-02T06:00:00Z']])
  if (!onServer) await database.close()

  const refused = [
    [['--run', 'abc'], /ID must be a run id/],
    [['--run', '999999'], /no run 999999/],
    [['litellm', '--run', String(run1.id)], /is a openrouter run, not litellm/],
    [['--run', String(run1.id), '--file', file], /no --file/],
  ] as const
  for (const [args, reason] of refused) {
    const r = await cpx(importCommand, env, [...args])
    assert.equal(r.code, 1, args.join(' '))
    assert.match(r.err, reason)
  }
  // cpx mappings delete: logged like a set; a second delete (nothing there) and one without --reason are refused
  const del = await cpx(mappingsCommand, env, ['delete', 'model_rule', 'openai.gpt-6.frontier', '--reason', 'GPT-6 was a rumour', '--by', 'ops@example.com'])
  assert.equal(del.code, 0, del.err)
  assert.match(del.out, /deleted model_rule openai\.gpt-6\.frontier \(was \{.*"match":"\^gpt-6\$".* at 480; change \d+\): the next import no longer uses it/)
  const gone = await cpx(mappingsCommand, env, ['delete', 'model_rule', 'openai.gpt-6.frontier', '--reason', 'again'])
  assert.equal(gone.code, 2)
  assert.match(gone.err, /No model_rule mapping openai\.gpt-6\.frontier/)
  const why = await cpx(mappingsCommand, env, ['delete', 'model_rule', 'openai.gpt-5.frontier'])
  assert.equal(why.code, 1)
  assert.match(why.err, /reason/)
})
