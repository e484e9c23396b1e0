// `npx tsx bench/limits-store.ts`: what shared rate limits (REDIS_URL) cost on a hot cached route. The
// service runs twice on one embedded database directory, without and with REDIS_URL (default the local
// Redis, BENCH_REDIS_URL to change it), alternating, and GET /v1/indices is loaded the same way each time.
// Figures go to docs/performance.md ("Shared rate limits").
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { load, median, stopLoad } from './load.ts'
import { cpuMs, SERVICE_ENTRY, startProcess } from './processes.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'cpx-limits-'))
const redis = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
const env = { LOG_LEVEL: 'info', DEMO_DATA: 'false', SCHEDULER: 'false', RATE_LIMIT_MAX: '1000000000', DATA_DIR: dataDir }
const runs: Record<string, { rps: number[], cpu: number[] }> = { local: { rps: [], cpu: [] }, redis: { rps: [], cpu: [] } }
try {
  for (let round = 0; round < 3; round++) {
    for (const mode of ['local', 'redis'] as const) {
      const service = await startProcess(SERVICE_ENTRY, mode === 'redis' ? { ...env, REDIS_URL: redis } : env, '/healthz')
      try {
        await load(service.url + '/v1/indices', { connections: 10, seconds: 1 }) // warm-up
        const before = cpuMs([service.pid])
        const r = await load(service.url + '/v1/indices', { connections: 10, seconds: 3 })
        runs[mode]!.rps.push(r.rps)
        runs[mode]!.cpu.push((cpuMs([service.pid]) - before) * 1000 / r.requests)
        if (r.failures) throw new Error(`${mode}: ${r.failures} failed requests`)
      } finally {
        await service.stop()
      }
    }
  }
  const f = (m: string) => `${Math.round(median(runs[m]!.rps))} req/s, ${Math.round(median(runs[m]!.cpu))} µs CPU/request`
  process.stdout.write(`GET /v1/indices, median of 3 rounds of 3 s at 10 connections\n  per-process limits: ${f('local')}\n  shared through Redis: ${f('redis')}\n` +
    `  ratio: ${(median(runs.redis!.rps) / median(runs.local!.rps)).toFixed(2)}× req/s, ${(median(runs.local!.cpu) / median(runs.redis!.cpu)).toFixed(2)}× by CPU\n`)
} finally {
  stopLoad()
  rmSync(dataDir, { recursive: true, force: true })
}
