// `npm run fuzz -- --runs 100000 [--seed N]`: the OpenAPI-driven route fuzzer (test/helpers/openapi-fuzz.ts)
// against a fresh database (embedded; TEST_DATABASE_URL for a new database on that server). Prints
// progress and a report: requests sent, answers by status, 5xx (must be 0), invariant violations, and
// the quote count against what 2xx answers reported. Exits 1 on any violation.
import { parseArgs } from 'node:util'
import { buildTestApp } from '../test/helpers/app.ts'
import { fuzzOpenApi, type OpenApiDocument } from '../test/helpers/openapi-fuzz.ts'
import { seedCatalog } from '../test/helpers/reliability-fixtures.ts'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1' } } })
const cleanups: Array<() => unknown> = []
const t = { after: (fn: () => unknown) => { cleanups.push(fn) } }
const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '1000000000' } })
await seedCatalog(app)
const report = await fuzzOpenApi(app, app.db, app.swagger() as unknown as OpenApiDocument, {
  runs: Number(values.runs),
  seed: Number(values.seed),
  onViolation: (what) => process.stderr.write(`  ${what}\n`),
  progress: (r) => process.stderr.write(`  ${r.requests} requests, ${r.fiveXX} 5xx, ${r.seconds.toFixed(0)} s\n`),
})
for (const fn of cleanups.reverse()) await fn()
console.log(JSON.stringify({ date: new Date().toISOString(), database: process.env.TEST_DATABASE_URL ? 'server' : 'embedded', seed: Number(values.seed), ...report }, null, 2))
process.exit(report.violations.length || report.fiveXX || report.quoteCountDelta !== report.quotesAccepted ? 1 : 0)
