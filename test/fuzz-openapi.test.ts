import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp } from './helpers/app.ts'
import { fuzzOpenApi, type OpenApiDocument } from './helpers/openapi-fuzz.ts'
import { seedCatalog } from './helpers/reliability-fixtures.ts'

// The route fuzzer driven by the OpenAPI document (test/helpers/openapi-fuzz.ts): every operation's
// parameters and bodies generated from its schemas, valid and mutated, calendar edges included. The
// default run sends about 2,000 requests; `npm run fuzz -- --runs 100000` sends more (docs/security.md).

const RUNS = Number(process.env.FUZZ_OPENAPI_RUNS ?? 2000)
const SEED = Number(process.env.FUZZ_SEED ?? 1)

test('fuzz from the OpenAPI document: no 5xx, errors are problem+json, quotes move only by what a 2xx reported', { timeout: 20 * 60_000 }, async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '100000000' } })
  await seedCatalog(app)
  const doc = app.swagger() as unknown as OpenApiDocument
  const report = await fuzzOpenApi(app, app.db, doc, { runs: RUNS, seed: SEED })
  t.diagnostic(`${report.requests} requests over ${report.operations} operations in ${report.seconds.toFixed(1)} s; statuses ${JSON.stringify(report.byStatus)}; quotes accepted ${report.quotesAccepted}`)
  assert.deepEqual(report.violations, [])
  assert.equal(report.fiveXX, 0)
  assert.equal(report.quoteCountDelta, report.quotesAccepted)
  // The generator reaches past validation: some writes store quotes, some reads succeed.
  assert.ok(report.quotesAccepted > 0, 'some generated batches were stored')
  assert.ok((report.byStatus[200] ?? 0) > report.requests / 20, 'a real share of requests got 200')
  assert.ok((report.byStatus[400] ?? 0) + (report.byStatus[422] ?? 0) > 0, 'hostile values were refused')
})
