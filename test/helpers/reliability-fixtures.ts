import assert from 'node:assert/strict'
import { sql, type Kysely } from 'kysely'
import type { Schema } from '../../src/db/schema.ts'
import { admin } from './app.ts'

interface Injector { inject: (opts: { method: 'PUT', url: string, headers: Record<string, string>, payload: unknown }) => PromiseLike<{ statusCode: number, body: string }> }

/** Providers of every kind, two products and EUR rates: enough for valid GPU and model quotes on DAY. */
export const DAY = '2026-11-02'
export const PROVIDERS = ['fuzz-neo-a', 'fuzz-neo-b', 'fuzz-neo-c', 'fuzz-market-d', 'fuzz-market-e', 'fuzz-lab-f'] as const

export async function seedCatalog (app: Injector): Promise<void> {
  const put = async (url: string, payload: unknown) => {
    const res = await app.inject({ method: 'PUT', url, headers: admin, payload })
    assert.ok(res.statusCode === 200 || res.statusCode === 201, `${url}: ${res.statusCode} ${res.body}`)
  }
  for (const slug of PROVIDERS) await put(`/v1/providers/${slug}`, { name: slug, kind: slug.includes('market') ? 'marketplace' : slug.includes('lab') ? 'model_lab' : 'neocloud' })
  await put('/v1/products/h100-sxm', { kind: 'gpu', name: 'H100 SXM 80GB', family: 'h100', variant: 'sxm' })
  await put('/v1/products/openai%2Fgpt-5.5', { kind: 'model', name: 'GPT-5.5', family: 'gpt-5', tier: 'frontier', open_weights: false })
  const rates = []
  for (let d = 1; d <= 9; d++) rates.push({ date: `2026-11-0${d}`, currency: 'EUR', usd_per_unit: '1.0850', source: 'ECB' })
  await put('/v1/fx-rates', { rates })
}

export async function countQuotes (db: Kysely<Schema>): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from quotes`.execute(db)
  return r.rows[0]!.n
}

/** A valid H100 on-demand quote; `i` makes it distinct (its second of the day and its price). */
export function gpuQuote (i: number, provider: string = PROVIDERS[i % 5]!, day = DAY) {
  const t = new Date(Date.parse(`${day}T00:00:00Z`) + (i % 86_400) * 1000).toISOString()
  return { provider, product: 'h100-sxm', segment: 'on_demand', price: (2 + (i % 150) / 100).toFixed(2), currency: 'USD', unit: 'gpu_hour', observed_at: t, source: `rel-${i}` }
}
