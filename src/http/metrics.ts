import { z } from 'zod'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { sql } from 'kysely'
import { isDatabaseUnavailable } from '../plugins/errors.ts'
import { routeOf } from '../plugins/limits.ts'

// Prometheus text exposition (format 0.0.4), hand-written: a dozen series do not justify prom-client's
// registry and default collectors, and every line here is one a CPX operator alerts on (docs/operations.md).

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

interface Series { method: string, route: string, statuses: Record<number, number>, counts: number[], sum: number, count: number }

export interface Metrics {
  /** requests being answered: counted up by the first request hook (limits.ts), down on response */
  inFlight: number
  rateLimited: () => void
  shed: () => void
  /** the shared rate-limit store (REDIS_URL), when there is one */
  rateLimitStore?: { up: boolean, failures: number, maxGapMs: number }
  /** with DATABASE_READ_URL: read-route queries sent to the replica and to the primary */
  readQueries?: { replica: number, primary: number }
  /** the exposition text */
  render: () => Promise<string>
}

declare module 'fastify' {
  interface FastifyInstance { metrics?: Metrics }
}

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
const labels = (o: Record<string, string | number>) => '{' + Object.entries(o).map(([k, v]) => `${k}="${label(String(v))}"`).join(',') + '}'

export default fp(async (app: FastifyInstance) => {
  // One series per (method, route template): a status → count map and the latency histogram. The
  // label text is built when scraped, not on every request.
  const series = new Map<string, Series>()
  const counters = { rateLimited: 0, shed: 0, dbUnavailable: 0 }
  const started = Date.now()

  app.addHook('onError', (_req, _reply, err, done) => { if (isDatabaseUnavailable(err)) counters.dbUnavailable++; done() })
  app.addHook('onResponse', (req, reply, done) => {
    m.inFlight--
    const route = routeOf(req).url ?? 'unmatched'
    const key = req.method + ' ' + route
    let s = series.get(key)
    if (!s) series.set(key, s = { method: req.method, route, statuses: {}, counts: BUCKETS.map(() => 0), sum: 0, count: 0 })
    s.statuses[reply.statusCode] = (s.statuses[reply.statusCode] ?? 0) + 1
    const seconds = reply.elapsedTime / 1000
    let i = 0
    while (i < BUCKETS.length && seconds > BUCKETS[i]!) i++
    if (i < BUCKETS.length) s.counts[i]!++ // per bucket here; cumulative when scraped
    s.sum += seconds
    s.count++
    done()
  })

  async function databaseLines (): Promise<string[]> {
    try {
      const q = await sql<{ max_id: number | null }>`select max(id) as max_id from quotes`.execute(app.db)
      const f = await sql<{ index_code: string, latest: string, published: string }>`select index_code,
        extract(epoch from max(date)::timestamp)::int8 as latest, extract(epoch from max(published_at))::int8 as published
        from fixings group by index_code order by index_code`.execute(app.db)
      return [
        ...await sourceLines(),
        '# HELP cpx_database_up 1 when the database answered this scrape.', '# TYPE cpx_database_up gauge', 'cpx_database_up 1',
        '# HELP cpx_quotes_max_id Highest quote id: grows with every accepted quote.', '# TYPE cpx_quotes_max_id gauge',
        `cpx_quotes_max_id ${q.rows[0]?.max_id ?? 0}`,
        '# HELP cpx_fixing_latest_date_seconds Latest fixing day per index (Unix time of its 00:00Z).', '# TYPE cpx_fixing_latest_date_seconds gauge',
        ...f.rows.map((r) => `cpx_fixing_latest_date_seconds${labels({ index: r.index_code })} ${r.latest}`),
        '# HELP cpx_fixing_last_published_seconds Last publication time per index.', '# TYPE cpx_fixing_last_published_seconds gauge',
        ...f.rows.map((r) => `cpx_fixing_last_published_seconds${labels({ index: r.index_code })} ${r.published}`),
      ]
    } catch {
      return ['# HELP cpx_database_up 1 when the database answered this scrape.', '# TYPE cpx_database_up gauge', 'cpx_database_up 0']
    }
  }

  // Collectors (docs/importers.md): counts from source_runs, so every instance reports the same totals.
  async function sourceLines (): Promise<string[]> {
    const runs = await sql<{ source: string, status: string, n: number }>`select source, status, count(*)::int as n from source_runs
      where status <> 'running' group by source, status order by source, status`.execute(app.db)
    const failures = await sql<{ source: string, kind: string, n: number }>`select source, error_kind as kind, count(*)::int as n from source_runs
      where status = 'failed' group by source, error_kind order by source, error_kind`.execute(app.db)
    const ages = await sql<{ name: string, age: number | null, stale: boolean }>`select name, stale,
      extract(epoch from clock_timestamp() - last_success_at)::float8 as age from source_health order by name`.execute(app.db)
    return [
      '# HELP cpx_source_runs_total Finished source runs (collector and cpx import) by source and status.', '# TYPE cpx_source_runs_total counter',
      ...runs.rows.map((r) => `cpx_source_runs_total${labels({ source: r.source, status: r.status })} ${r.n}`),
      '# HELP cpx_source_failures_total Failed source runs by source and reason.', '# TYPE cpx_source_failures_total counter',
      ...failures.rows.map((r) => `cpx_source_failures_total${labels({ source: r.source, kind: r.kind })} ${r.n}`),
      '# HELP cpx_source_last_success_age_seconds Seconds since the source\'s last successful run.', '# TYPE cpx_source_last_success_age_seconds gauge',
      ...ages.rows.filter((r) => r.age !== null).map((r) => `cpx_source_last_success_age_seconds${labels({ source: r.name })} ${r.age}`),
      '# HELP cpx_source_stale 1 when an enabled source has had no successful run within its stale_after_seconds.', '# TYPE cpx_source_stale gauge',
      ...ages.rows.map((r) => `cpx_source_stale${labels({ source: r.name })} ${r.stale ? 1 : 0}`),
    ]
  }

  function httpLines (): string[] {
    const lines = ['# HELP cpx_http_requests_total HTTP responses by route template and status.', '# TYPE cpx_http_requests_total counter']
    for (const { method, route, statuses } of series.values()) {
      for (const [status, n] of Object.entries(statuses)) lines.push(`cpx_http_requests_total${labels({ method, route, status })} ${n}`)
    }
    lines.push('# HELP cpx_http_request_duration_seconds Time to answer, by route template.', '# TYPE cpx_http_request_duration_seconds histogram')
    for (const { method, route, counts, sum, count } of series.values()) {
      let cumulative = 0
      BUCKETS.forEach((b, i) => {
        cumulative += counts[i]!
        lines.push(`cpx_http_request_duration_seconds_bucket${labels({ method, route, le: b })} ${cumulative}`)
      })
      lines.push(`cpx_http_request_duration_seconds_bucket${labels({ method, route, le: '+Inf' })} ${count}`,
        `cpx_http_request_duration_seconds_sum${labels({ method, route })} ${sum}`,
        `cpx_http_request_duration_seconds_count${labels({ method, route })} ${count}`)
    }
    return lines
  }

  function processLines (): string[] {
    const mem = process.memoryUsage()
    const pressure = (app as unknown as { memoryUsage?: () => { eventLoopDelay: number } }).memoryUsage?.()
    return [
      '# HELP cpx_http_requests_in_flight Requests being answered now.', '# TYPE cpx_http_requests_in_flight gauge', `cpx_http_requests_in_flight ${m.inFlight}`,
      '# HELP cpx_rate_limited_total Requests refused with 429.', '# TYPE cpx_rate_limited_total counter', `cpx_rate_limited_total ${counters.rateLimited}`,
      '# HELP cpx_shed_total Requests shed with 503 under load.', '# TYPE cpx_shed_total counter', `cpx_shed_total ${counters.shed}`,
      '# HELP cpx_database_unavailable_total Requests answered 503 because the database was unreachable.', '# TYPE cpx_database_unavailable_total counter',
      `cpx_database_unavailable_total ${counters.dbUnavailable}`,
      ...(m.rateLimitStore
        ? ['# HELP cpx_rate_limit_store_up 1 while rate limits are shared through Redis; 0: per process (fail open).', '# TYPE cpx_rate_limit_store_up gauge',
            `cpx_rate_limit_store_up ${m.rateLimitStore.up ? 1 : 0}`,
            '# HELP cpx_rate_limit_store_failures_total Synchronisations with Redis that failed.', '# TYPE cpx_rate_limit_store_failures_total counter',
            `cpx_rate_limit_store_failures_total ${m.rateLimitStore.failures}`,
            '# HELP cpx_rate_limit_store_sync_gap_seconds Longest time between two synchronisations with Redis (0.1 s on a free event loop).',
            '# TYPE cpx_rate_limit_store_sync_gap_seconds gauge', `cpx_rate_limit_store_sync_gap_seconds ${m.rateLimitStore.maxGapMs / 1000}`]
        : []),
      ...(m.readQueries
        ? ['# HELP cpx_read_queries_total Read-route queries by database: the replica when it holds the latest publication, else the primary.', '# TYPE cpx_read_queries_total counter',
            `cpx_read_queries_total{database="replica"} ${m.readQueries.replica}`, `cpx_read_queries_total{database="primary"} ${m.readQueries.primary}`]
        : []),
      '# HELP process_resident_memory_bytes Resident set size.', '# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${mem.rss}`,
      '# HELP nodejs_heap_used_bytes V8 heap in use.', '# TYPE nodejs_heap_used_bytes gauge', `nodejs_heap_used_bytes ${mem.heapUsed}`,
      '# HELP nodejs_eventloop_delay_seconds Mean event-loop delay over the last sample.', '# TYPE nodejs_eventloop_delay_seconds gauge',
      `nodejs_eventloop_delay_seconds ${Number.isFinite(pressure?.eventLoopDelay) ? pressure!.eventLoopDelay / 1000 : 0}`,
      '# HELP process_uptime_seconds Seconds since the app was built.', '# TYPE process_uptime_seconds gauge', `process_uptime_seconds ${(Date.now() - started) / 1000}`,
    ]
  }

  const m: Metrics = {
    inFlight: 0,
    rateLimited: () => { counters.rateLimited++ },
    shed: () => { counters.shed++ },
    render: async () => [...httpLines(), ...processLines(), ...await databaseLines()].join('\n') + '\n',
  }
  app.decorate('metrics', m)
}, { name: 'metrics' })

/** GET /metrics, registered with the routes so that it is documented; `read` access like every GET. */
export async function metricsRoutes (app: FastifyInstance) {
  app.get('/metrics', {
    schema: {
      operationId: 'getMetrics',
      summary: 'Prometheus metrics (text exposition format 0.0.4)',
      tags: ['operations'],
      response: { 200: { description: 'the metrics', content: { 'text/plain': { schema: z.string().meta({ example: '# TYPE cpx_http_requests_total counter\ncpx_http_requests_total{route="/v1/indices",status="200"} 42\n' }) } } } },
    },
  }, async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await app.metrics!.render()))
}
