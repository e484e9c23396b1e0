import { after, type TestContext } from 'node:test'
import { admin, buildTestApp } from './app.ts'

// Shared set-up for the ingestion tests: one app per file (a fresh database costs seconds on a busy
// machine) and a small catalog. Load shedding and rate limits are off: these tests send bursts.

export const ENV = { SHED_EVENT_LOOP_DELAY_MS: '0', RATE_LIMIT_MAX: '1000000' }

// Teardowns of file-wide apps, run once the file's tests are done (registered at import time: an
// `after` called inside a `before` hook would run as soon as that hook ends).
const teardowns: Array<() => unknown> = []
after(async () => { for (const fn of teardowns.reverse()) await fn() })
export const fileHooks = { after: (fn: () => unknown) => { teardowns.push(fn) } } as unknown as Pick<TestContext, 'after'>

export type TestApp = Awaited<ReturnType<typeof buildTestApp>>

export async function seededApp (t: Pick<TestContext, 'after'> = fileHooks): Promise<TestApp> {
  const app = await buildTestApp(t, { env: ENV })
  await seedCatalog(app)
  return app
}

export async function put (app: TestApp, url: string, payload: unknown) {
  const r = await app.inject({ method: 'PUT', url, headers: admin, payload: payload as object })
  if (r.statusCode >= 300) throw new Error(`PUT ${url}: ${r.statusCode} ${r.body}`)
  return r
}

export async function seedCatalog (app: TestApp) {
  await put(app, '/v1/providers/lambda', { name: 'Lambda', kind: 'neocloud', website: 'https://lambda.ai' })
  await put(app, '/v1/providers/aws', { name: 'AWS', kind: 'hyperscaler' })
  await put(app, '/v1/providers/openai', { name: 'OpenAI', kind: 'model_lab' })
  await put(app, '/v1/providers/deepseek', { name: 'DeepSeek', kind: 'model_lab' })
  await put(app, '/v1/products/h100-sxm', { kind: 'gpu', name: 'H100 SXM 80GB', family: 'h100', variant: 'sxm' })
  await put(app, '/v1/products/openai%2Fgpt-5.5', { kind: 'model', name: 'GPT-5.5', family: 'gpt-5', tier: 'frontier', open_weights: false })
  await put(app, '/v1/products/deepseek%2Fdeepseek-v3', { kind: 'model', name: 'DeepSeek V3', family: 'deepseek-v3', tier: 'mid', open_weights: true })
  await put(app, '/v1/fx-rates', {
    rates: [
      { date: '2026-11-02', currency: 'CNY', usd_per_unit: '0.1400', source: 'test' },
      { date: '2026-10-20', currency: 'EUR', usd_per_unit: '1.08', source: 'test' },
    ],
  })
}

export const gpuQuote = (over: Record<string, unknown> = {}) => ({
  provider: 'lambda', product: 'h100-sxm', segment: 'on_demand', price: '2.99', currency: 'USD', unit: 'gpu_hour', observed_at: '2026-11-02T12:00:00Z', ...over,
})

export const modelQuote = (over: Record<string, unknown> = {}) => ({
  provider: 'openai', product: 'openai/gpt-5.5', segment: 'input', price: '5', currency: 'USD', unit: '1m_tokens', observed_at: '2026-11-02T12:00:00Z', ...over,
})

export async function postQuotes (app: TestApp, quotes: unknown[], headers: Record<string, string> = admin) {
  return app.inject({ method: 'POST', url: '/v1/quotes', headers, payload: { quotes } })
}

export async function countQuotes (app: TestApp): Promise<number> {
  const r = await app.database.db.selectFrom('quotes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(r.n)
}
