import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { connect } from '../src/db/connect.ts'
import { migrate } from '../src/db/migrate.ts'
import { createApiKey, revokeApiKey } from '../src/domain/api-keys.ts'
import { ADMIN_KEY } from './helpers/app.ts'
import { createServerDatabase, onServer } from './helpers/db.ts'
import { startInstance, type Instance } from './helpers/instances.ts'

// Three CPX processes on one server database, as behind a load balancer (docs/operations.md): whatever
// one of them publishes — a fixing, a definition, a revision — or whoever revokes a key, all three
// answer accordingly within a second (LISTEN/NOTIFY), with the same ETags for the same bytes.

const golden = JSON.parse(readFileSync('/work/shared/golden/v1/01-basic-median.json', 'utf8'))
const CODE = 'H100-SXM-OD'
const DAY = '2026-11-02'
const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }

interface Answer { status: number, etag: string | null, body: string }
async function get (i: Instance, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(i.url + path, { headers })
  return { status: res.status, etag: res.headers.get('etag'), body: await res.text() }
}
async function send (i: Instance, method: string, path: string, body: unknown): Promise<Answer> {
  const res = await fetch(i.url + path, { method, headers: admin, body: JSON.stringify(body) })
  const answer = { status: res.status, etag: res.headers.get('etag'), body: await res.text() }
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${answer.body}`)
  return answer
}

/** Waits until every instance's answer to `path` passes `check`; fails past `ms`. Returns the answers. */
async function allWithin (instances: Instance[], path: string, check: (a: Answer) => boolean, ms = 1000, headers?: Record<string, string>): Promise<Answer[]> {
  const until = Date.now() + ms
  for (;;) {
    const answers = await Promise.all(instances.map((i) => get(i, path, headers)))
    if (answers.every(check)) return answers
    if (Date.now() > until) assert.fail(`${path} not answered as expected by every instance within ${ms} ms: ${answers.map((a) => `${a.status} ${a.body.slice(0, 160)}`).join(' | ')}`)
    await sleep(10)
  }
}

const sameEtags = (answers: Answer[]) => {
  assert.ok(answers[0]!.etag)
  assert.deepEqual(answers.map((a) => a.etag), answers.map(() => answers[0]!.etag))
  assert.deepEqual(answers.map((a) => a.body), answers.map(() => answers[0]!.body))
}

test('three instances on one server database: a publish, a definition change, a revision and a revocation reach all three within a second', { skip: !onServer && 'needs TEST_DATABASE_URL (a server database)' }, async (t) => {
  const { url, drop } = await createServerDatabase()
  const database = await connect({ DATABASE_URL: url, DATA_DIR: '' })
  await migrate(database)
  t.after(async () => { await database.close(); await drop() }) // registered first: runs after the instances stop
  const env = { DATABASE_URL: url, ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_MAX: '100000' }
  const instances = await Promise.all([1, 2, 3].map(() => startInstance(t, env)))
  const [a, b, c] = instances as [Instance, Instance, Instance]

  for (const { slug, ...body } of golden.providers) await send(a, 'PUT', `/v1/providers/${slug}`, body)
  for (const { code, ...body } of golden.products) await send(a, 'PUT', `/v1/products/${encodeURIComponent(code)}`, body)
  await send(a, 'POST', '/v1/quotes', { quotes: golden.quotes })

  // Every instance caches its answers before the publication: the index list, one index, latest, the day.
  const list = '/v1/indices'
  const one = `/v1/indices/${CODE}`
  const latest = `/v1/indices/${CODE}/latest`
  const day = `/v1/indices/${CODE}/values/${DAY}?include=constituents`
  const revisions = `/v1/indices/${CODE}/values/${DAY}/revisions`
  const before = await allWithin(instances, list, (x) => x.status === 200)
  sameEtags(before)
  for (const i of instances) {
    assert.equal((await get(i, latest)).status, 404)
    assert.equal((await get(i, day)).status, 404)
  }
  await allWithin(instances, one, (x) => x.status === 200 && JSON.parse(x.body).latest === null)

  // A publish through b: all three serve it within a second, with the same bytes and ETags.
  const computed = JSON.parse((await send(b, 'POST', '/v1/indices/compute', { from: DAY, to: DAY, indices: [CODE] })).body)
  assert.equal(computed.indices[0].published, 1)
  const published = await allWithin(instances, latest, (x) => x.status === 200)
  sameEtags(published)
  const fixing = JSON.parse(published[0]!.body)
  assert.deepEqual([fixing.date, fixing.revision, fixing.value], [DAY, 1, golden.fixings[0].value])
  sameEtags(await allWithin(instances, list, (x) => JSON.parse(x.body).data.find((d: { code: string }) => d.code === CODE).latest?.hash === fixing.hash))
  sameEtags(await allWithin(instances, one, (x) => JSON.parse(x.body).latest?.hash === fixing.hash))
  sameEtags(await allWithin(instances, day, (x) => x.status === 200))
  const listEtag = (await get(a, list)).etag!
  assert.equal((await get(c, list, { 'if-none-match': listEtag })).status, 304) // a's ETag revalidates against c

  // A definition change through the admin API of c: the new name on all three within a second.
  const definition = JSON.parse((await get(a, one)).body)
  const { code: _code, latest: _latest, unit: _unit, methodology_version: _v, created_at: _c, updated_at: _u, ...body } = definition
  await send(c, 'PUT', one, { ...body, name: 'H100 SXM on demand (renamed)' })
  sameEtags(await allWithin(instances, one, (x) => JSON.parse(x.body).name === 'H100 SXM on demand (renamed)'))
  sameEtags(await allWithin(instances, list, (x) => JSON.parse(x.body).data.find((d: { code: string }) => d.code === CODE).name === 'H100 SXM on demand (renamed)'))

  // A late quote and a recompute through a revise the day: revision 2 everywhere within a second.
  await send(a, 'PUT', '/v1/providers/fluidstack', { name: 'Fluidstack', kind: 'neocloud' })
  await send(a, 'POST', '/v1/quotes', { quotes: [{ provider: 'fluidstack', product: 'h100-sxm', segment: 'on_demand', price: '3.05', currency: 'USD', unit: 'gpu_hour', observed_at: `${DAY}T16:00:00Z` }] })
  const recomputed = JSON.parse((await send(a, 'POST', '/v1/indices/compute', { from: DAY, to: DAY, indices: [CODE] })).body)
  assert.equal(recomputed.indices[0].revised, 1)
  sameEtags(await allWithin(instances, latest, (x) => JSON.parse(x.body).revision === 2))
  sameEtags(await allWithin(instances, day, (x) => JSON.parse(x.body).revision === 2))
  sameEtags(await allWithin(instances, revisions, (x) => JSON.parse(x.body).data.length === 2))
  sameEtags(await allWithin(instances, `/v1/revisions?code=${CODE}`, (x) => JSON.parse(x.body).data.length === 1))

  // A key revoked by another process (as `cpx keys revoke` does): refused by all three within a second,
  // though each had verified and cached it.
  const { key, info } = await createApiKey(database.db, 'reader', 'read')
  const keyed = { authorization: `Bearer ${key}` }
  await allWithin(instances, latest, (x) => x.status === 200, 1000, keyed)
  assert.equal(await revokeApiKey(database.db, info.prefix), 1)
  await allWithin(instances, latest, (x) => x.status === 401, 1000, keyed)
})
