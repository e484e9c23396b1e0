import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { createClient as generate } from '@hey-api/openapi-ts'
import { ADMIN_KEY, buildTestApp } from './helpers/app.ts'
import { listenApp } from './helpers/http.ts'
import { days, insertFixings } from './helpers/read-fixings.ts'

// A client from another generator, @hey-api/openapi-ts (fetch client + SDK), generated from the committed
// openapi/openapi.json into a scratch directory (never committed) and driven against a listening server.

interface Answer { data?: unknown, error?: { type?: string, status?: number }, response: Response }
type Op = (options?: Record<string, unknown>) => Promise<Answer>

const CODE = 'H100-SXM-OD'

test('@hey-api/openapi-ts client: indices, latest, history, a day, a typed 404, a write without and with a key', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cpx-hey-api-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  await generate({ input: './openapi/openapi.json', output: { path: dir }, plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'], logs: { level: 'silent', file: false } })
  const types = readFileSync(join(dir, 'types.gen.ts'), 'utf8')
  assert.match(types, /export type Fixing = \{/)

  const app = await buildTestApp(t)
  const dates = days('2026-09-01', 30)
  await insertFixings(app.database, dates.map((date, i) => ({ code: CODE, date, value: (2.5 + i / 100).toFixed(6), published_at: `${date}T23:59:00Z` })))
  const address = await listenApp(app)
  const sdk = await import(pathToFileURL(join(dir, 'sdk.gen.ts')).href) as Record<string, Op>
  const { client } = await import(pathToFileURL(join(dir, 'client.gen.ts')).href) as { client: { setConfig: (c: Record<string, unknown>) => void } }
  client.setConfig({ baseUrl: address })

  const indices = await sdk.listIndices!()
  assert.equal(indices.response.status, 200)
  assert.ok((indices.data as { data: { code: string }[] }).data.some((i) => i.code === CODE))

  const latest = await sdk.getLatestFixing!({ path: { code: CODE } })
  assert.deepEqual([(latest.data as { date: string }).date, (latest.data as { value: number }).value], ['2026-09-30', 2.79])

  const seen: string[] = []
  let cursor: string | undefined
  do {
    const page = await sdk.listFixings!({ path: { code: CODE }, query: { from: '2026-09-01', limit: 7, cursor } })
    const body = page.data as { data: { date: string }[], next_cursor: string | null }
    seen.push(...body.data.map((f) => f.date))
    cursor = body.next_cursor ?? undefined
  } while (cursor)
  assert.deepEqual(seen, dates)

  const day = await sdk.getFixing!({ path: { code: CODE, date: '2026-09-10' } })
  assert.equal((day.data as { value: number }).value, 2.59)

  const missing = await sdk.getLatestFixing!({ path: { code: 'NOPE' } })
  assert.equal(missing.response.status, 404)
  assert.equal(missing.error?.type, 'https://cpx.dev/problems/index-not-found')

  const body = { name: 'Example Cloud', kind: 'neocloud' }
  const anonymous = await sdk.putProvider!({ path: { slug: 'example-cloud' }, body })
  assert.equal(anonymous.response.status, 401)
  assert.equal(anonymous.error?.status, 401)
  const keyed = await sdk.putProvider!({ path: { slug: 'example-cloud' }, body, headers: { authorization: `Bearer ${ADMIN_KEY}` } })
  assert.ok([200, 201].includes(keyed.response.status))
  assert.equal((keyed.data as { slug: string }).slug, 'example-cloud')
})
