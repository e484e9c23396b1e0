// `npx tsx bench/many-indices.ts [--indices 1000] [--years 10]`: the index list and a long history at
// catalog scale (docs/operations.md, "Sizing"). A server database gets N copies of the H100-SXM-OD
// definition, each with a latest fixing, and one index with `years` of daily fixings; the service and
// the bare server (sending the same bytes) run as processes; first requests (cache misses) and loaded
// hits are timed. No quotes: the engine is not what is measured here.
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import { migrate } from '../src/db/migrate.ts'
import { serverDatabase } from './databases.ts'
import { load, stopLoad } from './load.ts'
import { BARE_ENTRY, cpuMs, SERVICE_ENTRY, startProcess } from './processes.ts'

const { values } = parseArgs({ options: { indices: { type: 'string', default: '1000' }, years: { type: 'string', default: '10' } } })
const N = Number(values.indices)
const DAYS = Math.round(Number(values.years) * 365.25)
const bdb = await serverDatabase(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', 'many')
const out: string[] = []
try {
  const database = await bdb.open()
  await migrate(database)
  const db = database.db
  await sql`insert into index_definitions (code, name, description, kind, filter, segments, term_months, methodology, methodology_version)
    select 'BENCH-' || lpad(n::text, 4, '0'), name || ' #' || n, description, kind, filter, segments, term_months, methodology, 1
    from index_definitions, generate_series(1, ${N}) n where code = 'H100-SXM-OD'`.execute(db)
  await sql`insert into index_definition_versions (code, methodology_version, filter, segments, term_months, methodology)
    select d.code, 1, d.filter, d.segments, d.term_months, d.methodology from index_definitions d where d.code like 'BENCH-%'`.execute(db)
  const fixing = (code: string, day: string, from: ReturnType<typeof sql>) => sql`insert into fixings (index_code, date, revision, status, value, level, window_days, n_providers, n_contributors,
    n_quotes, n_excluded, min, p25, p75, max, hhi, max_provider_impact, methodology_version, reason, hash, published_at)
    select ${sql.raw(code)}, ${sql.raw(day)}, 1, 'ok', 2.5 + (random() * 0.5)::numeric(8,6), null, 1, 5, 5, 20, 0, 2.4, 2.6, 2.9, 3.1, 0.21, 0.04, 1, 'initial',
      'sha256:' || md5(random()::text) || md5(random()::text), now() ${from}`
  await fixing('d.code', "'2026-12-01'::date", sql`from index_definitions d where d.code like 'BENCH-%'`).execute(db)
  await fixing("'BENCH-0001'", "'2026-11-30'::date - n", sql`from generate_series(0, ${DAYS - 1}) n`).execute(db)
  await sql`vacuum analyze`.execute(db)
  await database.close()

  const service = await startProcess(SERVICE_ENTRY, { LOG_LEVEL: 'info', DEMO_DATA: 'false', SCHEDULER: 'false', RATE_LIMIT_MAX: '1000000000', DATABASE_URL: bdb.url! }, '/healthz')
  const bare = await startProcess(BARE_ENTRY, { LOG_LEVEL: 'info' }, '/healthz')
  try {
    const routes = [
      { name: `index list, ${N + 13} indices`, path: '/v1/indices' },
      { name: `history, ${values.years} years as one page (JSON)`, path: '/v1/indices/BENCH-0001/values?limit=5000' },
    ]
    for (const [i, r] of routes.entries()) {
      const t0 = performance.now()
      const res = await fetch(service.url + r.path)
      const body = await res.text()
      const miss = performance.now() - t0
      if (res.status !== 200) throw new Error(`${r.path}: ${res.status} ${body.slice(0, 200)}`)
      await fetch(`${bare.url}/body/${i}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: res.headers.get('content-type'), body }) })
      const run = async (url: string, pid: number) => {
        await load(url, { connections: 10, seconds: 1 })
        const before = cpuMs([pid])
        const l = await load(url, { connections: 10, seconds: 3 })
        return { rps: l.rps, cpu: (cpuMs([pid]) - before) * 1000 / l.requests }
      }
      const b = await run(`${bare.url}/body/${i}`, bare.pid)
      const c = await run(service.url + r.path, service.pid)
      out.push(`| ${r.name} | ${(body.length / 1024 / 1024).toFixed(2)} MiB | ${miss.toFixed(0)} ms | ${Math.round(c.rps)} | ${Math.round(b.rps)} | ${(c.rps / b.rps).toFixed(2)}× | ${Math.round(c.cpu)} µs | ${Math.round(b.cpu)} µs |`)
    }
    out.push('', `service RSS after the load: ${service.rssMb()} MiB`)
  } finally {
    await service.stop()
    await bare.stop()
  }
  process.stdout.write(['| route | body | first request (miss) | CPX req/s (hit) | bare req/s, same bytes | ratio | CPX CPU/req | bare CPU/req |', '|---|---:|---:|---:|---:|---:|---:|---:|', ...out].join('\n') + '\n')
} finally {
  stopLoad()
  await bdb.drop()
}
