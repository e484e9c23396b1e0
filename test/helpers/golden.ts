import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { sql } from 'kysely'
import type { App } from '../../src/app.ts'
import { admin } from './app.ts'

// Golden cases (../shared/golden/v1, DESIGN §3): loaded through the public HTTP API, compared figure by
// figure. In CI (CI or TEST_DATABASE_URL set) the shared folder must exist; elsewhere the copy under
// test/fixtures/golden/v1 stands in for it.

const SHARED = new URL('../../../shared/golden/v1/', import.meta.url).pathname
const FIXTURES = new URL('../fixtures/golden/v1/', import.meta.url).pathname

export function goldenDir (): string {
  if (existsSync(SHARED)) return SHARED
  if (process.env.CI || process.env.TEST_DATABASE_URL) throw new Error(`golden cases missing: ${SHARED} does not exist`)
  return FIXTURES
}

export interface GoldenConstituent {
  provider: string, product: string, value: number | null, segments: Record<string, number>, n_quotes: number, quotes: number[], excluded: boolean, reason: string | null
}
export interface GoldenFixing extends Record<string, unknown> { date: string, constituents: GoldenConstituent[] }
export interface GoldenCase {
  name: string
  providers: Array<Record<string, unknown> & { slug: string }>
  products: Array<Record<string, unknown> & { code: string }>
  fx_rates: unknown[]
  quotes: Array<Record<string, unknown>>
  index: Record<string, unknown> & { code: string }
  fixings: GoldenFixing[]
  normalized?: Array<{ quote: number, usd_price?: string, rejected?: string }>
}

export function goldenCases (): GoldenCase[] {
  const dir = goldenDir()
  return readdirSync(dir).filter((f) => /^\d\d-.*\.json$/.test(f)).sort()
    .map((f) => JSON.parse(readFileSync(dir + f, 'utf8')) as GoldenCase)
}

export async function put (app: App, url: string, payload: unknown) {
  const res = await app.inject({ method: 'PUT', url, headers: admin, payload: payload as object })
  assert.ok(res.statusCode < 300, `PUT ${url}: ${res.statusCode} ${res.body}`)
  return res
}

/** Loads a case's catalog, quotes and index; returns the stored quote id of each quote position. */
export async function loadCase (app: App, c: GoldenCase): Promise<Map<number, number>> {
  for (const { slug, ...body } of c.providers) await put(app, `/v1/providers/${slug}`, body)
  for (const { code, ...body } of c.products) await put(app, `/v1/products/${encodeURIComponent(code)}`, body)
  if (c.fx_rates.length) await put(app, '/v1/fx-rates', { rates: c.fx_rates })
  const ids = new Map<number, number>()
  const rejected = new Set((c.normalized ?? []).filter((n) => n.rejected).map((n) => n.quote))
  // One quote a request, so the id of each position is known and a rejected row refuses only itself.
  for (const [i, q] of c.quotes.entries()) {
    const res = await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes: [q] } })
    if (rejected.has(i)) { assert.equal(res.statusCode, 422, `quote ${i} should be refused: ${res.body}`); continue }
    assert.ok(res.statusCode < 300, `quote ${i}: ${res.statusCode} ${res.body}`)
    const { rows } = await sql<{ id: number }>`select max(id)::int8 as id from quotes`.execute(app.db)
    ids.set(i, rows[0]!.id)
  }
  const { code, ...index } = c.index
  await put(app, `/v1/indices/${code}`, index)
  return ids
}

const FIGURES = ['value', 'level', 'window_days', 'n_providers', 'n_contributors', 'n_quotes', 'n_excluded',
  'min', 'p25', 'p75', 'max', 'hhi', 'max_provider_impact'] as const

/** Same after rounding to 6 decimals: the stored figure is a numeric string, the golden one a JSON number. */
export function assertFigure (got: unknown, want: unknown, where: string) {
  if (want === null || want === undefined) { assert.equal(got, null, `${where}: expected null, got ${String(got)}`); return }
  assert.notEqual(got, null, `${where}: expected ${String(want)}, got null`)
  assert.ok(Math.abs(Number(got) - Number(want)) < 5e-7, `${where}: expected ${String(want)}, got ${String(got)}`)
}

interface StoredFixing extends Record<string, unknown> {
  status: string
  constituents: Array<{ provider: string, product: string, value: string | null, segments: Record<string, unknown>, n_quotes: number, quote_ids: number[], excluded: boolean, reason: string | null }>
}

export function assertFixing (got: StoredFixing | undefined, want: GoldenFixing, ids: Map<number, number>, where: string) {
  assert.ok(got, `${where}: no fixing stored`)
  assert.equal(got.status, want.status, `${where}: status`)
  for (const f of FIGURES) assertFigure(got[f], want[f], `${where} ${f}`)
  const byKey = new Map(got.constituents.map((c) => [`${c.provider}|${c.product}`, c]))
  assert.equal(got.constituents.length, want.constituents.length, `${where}: number of constituents`)
  for (const w of want.constituents) {
    const at = `${where} constituent ${w.provider}/${w.product}`
    const g = byKey.get(`${w.provider}|${w.product}`)
    assert.ok(g, `${at}: missing`)
    assertFigure(g.value, w.value, `${at} value`)
    assert.deepEqual(Object.keys(g.segments).sort(), Object.keys(w.segments).sort(), `${at} segments`)
    for (const [s, v] of Object.entries(w.segments)) assertFigure(g.segments[s], v, `${at} segment ${s}`)
    assert.equal(g.n_quotes, w.n_quotes, `${at} n_quotes`)
    assert.deepEqual([...g.quote_ids].map(Number).sort((a, b) => a - b), w.quotes.map((p) => ids.get(p)!).sort((a, b) => a - b), `${at} quote_ids`)
    assert.equal(g.excluded, w.excluded, `${at} excluded`)
    assert.equal(g.reason, w.reason, `${at} reason`)
  }
}
