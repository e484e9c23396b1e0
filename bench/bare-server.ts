// The bare baseline for reads: plain Fastify, the service's own logger settings (logOptions), one
// route returning a constant JSON body shaped like a fixing. Whatever CPX costs beyond this is ours.
import Fastify from 'fastify'
import { logOptions } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'

const config = loadConfig()
const body = {
  code: 'H100-SXM-OD',
  date: '2026-11-02',
  status: 'ok',
  value: 2.945,
  level: null,
  unit: 'USD/GPU-hour',
  window_days: 1,
  n_providers: 4,
  n_contributors: 4,
  n_quotes: 5,
  n_excluded: 0,
  min: 2.4,
  p25: 2.775,
  p75: 3.0925,
  max: 3.4,
  hhi: 0.25,
  max_provider_impact: 0.045,
  revision: 1,
  published_at: '2026-11-03T00:15:02Z',
  methodology_version: 1,
  hash: 'sha256:' + '0'.repeat(64),
}

const app = Fastify({ logger: logOptions(config) })
app.get('/bare', async () => body)
app.get('/healthz', async () => ({ status: 'ok' }))
process.on('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
await app.listen({ port: config.PORT, host: config.HOST })
