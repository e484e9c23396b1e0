// One dataset size on one database: seed, bare baselines, then the service as a real process driven
// from outside. A `full` run measures everything; a growth run only compute and history reads.
import { randomBytes } from 'node:crypto'
import type { PGlite } from '@electric-sql/pglite'
import { bareGroupBy, computeThroughApi, type Timed } from './compute.ts'
import type { BenchDatabase } from './databases.ts'
import { ingestBareInsert, ingestCopy, ingestThroughApi, pgliteRaw, pgRaw, type IngestResult, type RawSql } from './ingest.ts'
import { load, median, medianRun, type LoadResult } from './load.ts'
import type { BenchOptions } from './options.ts'
import { BARE_ENTRY, cpuMs, SERVICE_ENTRY, startProcess, type Running } from './processes.ts'
import { addDays, benchYear, ingestRows, seedYear } from './seed.ts'

export const INDEX = 'H100-SXM-OD'

export interface ReadRow {
  name: string
  path: string
  /** throughput runs (many connections) */
  cpx: LoadResult | null
  bare: LoadResult | null
  /** latency runs (one connection: no queueing behind other requests) */
  cpxLatency?: LoadResult | null
  bareLatency?: LoadResult | null
  body?: string
  note?: string
  /** history only: requests that miss the in-process page cache (each a new parameter set), one at a time */
  uncached?: { requests: number, p50: number, max: number }
}
export interface SizeResult {
  database: 'server' | 'embedded'
  quotes: number
  seedSeconds: number
  version: string
  compute: {
    days: string[]
    day: Timed | null
    dayBare: number
    year: Timed | null
    /** when the one-request year failed: the year in 30-day requests */
    yearChunked?: Timed
    yearBare: number
    yearBareRows: number
    note?: string
  }
  reads: ReadRow[]
  ingest?: { rows: number, api: IngestResult | null, insert: IngestResult, copy: IngestResult, note?: string }
  rssMb?: { idle: number | null, afterLoad: number | null }
}

export type Log = (msg: string) => void

const ROUTES = {
  compute: 'POST /v1/indices/compute',
  ingest: 'POST /v1/quotes',
  latest: 'GET /v1/indices/{code}/latest',
  values: 'GET /v1/indices/{code}/values',
  valuesCsv: 'GET /v1/indices/{code}/values.csv',
  list: 'GET /v1/indices',
  one: 'GET /v1/indices/{code}',
  day: 'GET /v1/indices/{code}/values/{date}',
  revisions: 'GET /v1/indices/{code}/values/{date}/revisions',
  averages: 'GET /v1/indices/{code}/averages',
  register: 'GET /v1/revisions',
  chart: 'GET /v1/indices/{code}/chart.svg',
  page: 'GET /indices/{code}',
} as const

/** Which routes this build has: an unmatched route answers 404 "No route …" before any key check. */
async function availableRoutes (url: string): Promise<Set<string>> {
  const found = new Set<string>()
  for (const route of Object.values(ROUTES)) {
    const [method, path] = route.split(' ') as [string, string]
    const res = await fetch(url + path.replace('{code}', INDEX).replace('{date}', '2020-01-01'), { method, ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}) })
    const text = await res.text()
    if (!(res.status === 404 && text.includes('No route'))) found.add(route)
  }
  return found
}

function rawFor (bdb: BenchDatabase, database: unknown): Promise<RawSql> {
  return bdb.kind === 'server' ? pgRaw(bdb.url!) : Promise.resolve(pgliteRaw((database as { pglite: PGlite }).pglite))
}

export async function runSize (bdb: BenchDatabase, quotes: number, full: boolean, o: BenchOptions, log: Log): Promise<SizeResult> {
  const year = benchYear()
  // Days spread over the year's last months: the ones a daily fixing run computes.
  const days = Array.from({ length: o.computeDays }, (_, i) => addDays(year.to, -1 - i * 17))
  const database = await bdb.open()
  const t0 = performance.now()
  await seedYear(database, year, quotes, (done) => log(`  seeded ${done.toLocaleString('en')} / ${quotes.toLocaleString('en')} quotes`))
  const seedSeconds = (performance.now() - t0) / 1000
  const raw = await rawFor(bdb, database)
  const version = String((await raw.query('select version() as v'))[0]?.v ?? '').split(' on ')[0]!
  log(`  bare GROUP BY: ${days.length} single days and the year`)
  const dayBare = median(await seq(days, async (d) => (await bareGroupBy(raw, d, d)).ms))
  const yearRuns = [await bareGroupBy(raw, year.from, year.to), await bareGroupBy(raw, year.from, year.to)]
  const yearBare = Math.min(...yearRuns.map((r) => r.ms))
  let bareIngest: { insert: IngestResult, copy: IngestResult } | undefined
  if (full) {
    log(`  bare ingest: ${o.ingestRows.toLocaleString('en')} rows by unnest INSERT, then by COPY`)
    bareIngest = { insert: await ingestBareInsert(raw, ingestRows(year, o.ingestRows, 1)), copy: await ingestCopy(raw, ingestRows(year, o.ingestRows, 2)) }
  }
  await raw.close()
  await database.close() // embedded: the service opens the data directory next, alone

  const key = 'bench-admin-' + randomBytes(16).toString('hex')
  const env: Record<string, string> = {
    LOG_LEVEL: o.logLevel,
    DEMO_DATA: 'false',
    SCHEDULER: 'false',
    ADMIN_API_KEY: key,
    // The benchmark is one client hammering the API: the per-client rate limit would answer 429.
    RATE_LIMIT_MAX: '1000000000',
    ...(bdb.kind === 'server' ? { DATABASE_URL: bdb.url! } : { DATA_DIR: bdb.dataDir! }),
  }
  log('  starting the service' + (full ? ' and the bare server' : ''))
  const start = async (): Promise<Servers> => ({
    service: await startProcess(SERVICE_ENTRY, env, '/healthz'),
    bare: full ? await startProcess(BARE_ENTRY, { LOG_LEVEL: o.logLevel }, '/healthz') : undefined,
  })
  const servers = await start()
  // Each round of reads after the first runs on freshly started servers: one process differs from the
  // next by up to a quarter in CPU per request (the bare route's 32–41 µs), so the median round is taken
  // over three pairs of processes rather than three runs of one pair.
  const restart = async () => {
    await servers.service.stop()
    await servers.bare?.stop()
    Object.assign(servers, await start())
  }
  const { service } = servers
  try {
    const idle = service.rssMb()
    const routes = await availableRoutes(service.url)
    const missing = (r: keyof typeof ROUTES) => !routes.has(ROUTES[r])

    let day: Timed | null = null
    let yearTimed: Timed | null = null
    let yearChunked: Timed | undefined
    let note: string | undefined
    if (missing('compute')) {
      note = `${ROUTES.compute} not available in this build`
    } else {
      log(`  compute through the API: ${days.length} single days, then the year ${year.from}..${year.to}`)
      const dayRuns = await seq(days, (d) => computeThroughApi(service.url, key, d, d))
      day = { ms: median(dayRuns.map((r) => r.ms)), detail: dayRuns[0]?.detail }
      try {
        yearTimed = await computeThroughApi(service.url, key, year.from, year.to)
        log(`  year computed in ${(yearTimed.ms / 1000).toFixed(1)} s (${yearTimed.detail ?? ''})`)
      } catch (err) {
        // Recorded, not fatal: the year is then computed in 30-day requests, timed as such (the reads need it too).
        note = `the full year in one request failed: ${(err as Error).message.slice(0, 300)}`
        log(`  ${note}; computing it in 30-day requests`)
        // The abandoned request's transaction still runs in the service and holds the fixing lock: a
        // one-day compute waits for it (retried past the same timeout), so the timing below starts clean.
        for (let attempt = 0; ; attempt++) {
          try { await computeThroughApi(service.url, key, year.to, year.to); break } catch (e) { if (attempt > 20) throw e }
        }
        const t1 = performance.now()
        let requests = 0
        for (let from = year.from; from <= year.to; from = addDays(from, 30), requests++) {
          const to = addDays(from, 29) < year.to ? addDays(from, 29) : year.to
          await computeThroughApi(service.url, key, from, to)
        }
        yearChunked = { ms: performance.now() - t1, detail: `${requests} requests of up to 30 days` }
        log(`  year computed in ${requests} requests in ${(yearChunked.ms / 1000).toFixed(1)} s`)
      }
    }
    const reads = await measureReads(servers, restart, bdb, routes, year, o, full, log)
    let ingest: SizeResult['ingest']
    if (bareIngest) {
      let api: IngestResult | null = null
      let ingestNote: string | undefined
      if (missing('ingest')) ingestNote = `${ROUTES.ingest} not available in this build`
      else {
        log(`  ingest through the API: ${o.ingestRows.toLocaleString('en')} rows in 10,000-row batches`)
        api = await ingestThroughApi(servers.service.url, key, ingestRows(year, o.ingestRows, 0))
      }
      ingest = { rows: o.ingestRows, api, ...bareIngest, note: ingestNote }
    }
    return {
      database: bdb.kind,
      quotes,
      seedSeconds,
      version,
      compute: { days, day, dayBare, year: yearTimed, yearChunked, yearBare, yearBareRows: yearRuns[0]!.rows, note },
      reads,
      ingest,
      rssMb: { idle, afterLoad: servers.service.rssMb() },
    }
  } finally {
    await servers.service.stop()
    await servers.bare?.stop()
  }
}

async function seq<T, R> (items: T[], fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = []
  for (const x of items) out.push(await fn(x))
  return out
}

interface Servers { service: Running, bare: Running | undefined }

async function measureReads (servers: Servers, restart: () => Promise<void>, bdb: BenchDatabase, routes: Set<string>,
  year: { from: string, to: string }, o: BenchOptions, full: boolean, log: Log): Promise<ReadRow[]> {
  const history = `/v1/indices/${INDEX}/values?from=${year.from}&to=${year.to}`
  const day = `/v1/indices/${INDEX}/values/${addDays(year.to, -1)}` // computed first (runSize's days), then again with the year
  const targets = [
    { name: 'latest', route: ROUTES.latest, path: `/v1/indices/${INDEX}/latest` },
    { name: 'values, one year, JSON', route: ROUTES.values, path: history },
    { name: 'values, one year, CSV', route: ROUTES.valuesCsv, path: `/v1/indices/${INDEX}/values.csv?from=${year.from}&to=${year.to}` },
    { name: 'index list', route: ROUTES.list, path: '/v1/indices' },
    // the list's only query parameter in this build is format (json; CSV is /v1/indices.csv): a query-keyed hit
    { name: 'index list, with a query (?format=json)', route: ROUTES.list, path: '/v1/indices?format=json' },
    { name: 'one index', route: ROUTES.one, path: `/v1/indices/${INDEX}` },
    { name: 'one day with constituents', route: ROUTES.day, path: day + '?include=constituents' },
    { name: 'revisions of a day', route: ROUTES.revisions, path: day + '/revisions' },
    { name: 'monthly averages, one year', route: ROUTES.averages, path: `/v1/indices/${INDEX}/averages?period=month&from=${year.from}&to=${year.to}` },
    { name: 'restatement register', route: ROUTES.register, path: '/v1/revisions' },
    { name: 'chart.svg, one year', route: ROUTES.chart, path: `/v1/indices/${INDEX}/chart.svg` },
    { name: 'HTML index page', route: ROUTES.page, path: `/indices/${INDEX}` },
  ].filter((t) => full || t.name.includes('JSON'))
  const rows: ReadRow[] = targets.map((t) => ({ name: t.name, path: t.path, cpx: null, bare: null }))
  const live: typeof targets = []
  for (const [i, t] of targets.entries()) {
    if (!routes.has(t.route)) { rows[i]!.note = 'not available in this build'; continue }
    const res = await fetch(servers.service.url + t.path)
    const text = await res.text()
    if (res.status !== 200) { rows[i]!.note = `answers ${res.status}: ${text.slice(0, 120)}`; continue }
    rows[i]!.body = describeBody(text)
    live.push(t)
  }
  const many = { connections: o.connections, seconds: o.seconds }
  const one = { connections: 1, seconds: o.seconds }
  const runs = new Map<string, LoadResult[]>()
  log(`  reads: ${o.rounds} round(s) per route of ${o.seconds} s at ${o.connections} connections (req/s) and at 1 (latency)${servers.bare ? ', each beside the bare route, each round on freshly started servers' : ''}`)
  // The bare route of each row sends that route's very bytes, with the same content type.
  const bodies = new Map<typeof targets[number], { i: number, type: string, text: string }>()
  for (const t of live) {
    const res = await fetch(servers.service.url + t.path)
    bodies.set(t, { i: targets.indexOf(t), type: res.headers.get('content-type') ?? 'application/json', text: await res.text() })
  }
  const barePath = (t: typeof targets[number]) => `/body/${targets.indexOf(t)}`
  // Warm up JIT and caches, then run each route right after the bare route so background noise hits the pair alike.
  const warmUp = async () => {
    // a restarted bare server has forgotten the bodies
    if (servers.bare) for (const t of live) { const b = bodies.get(t)!; await storeBareBody(servers.bare.url, b.i, b.type, b.text) }
    for (const t of live) await load(servers.service.url + t.path, { ...many, seconds: 1 })
    if (servers.bare) for (const t of live) await load(servers.bare.url + barePath(t), { ...many, seconds: 1 })
  }
  await warmUp()
  for (let r = 0; r < o.rounds; r++) {
    if (r > 0 && full) {
      await restart()
      await warmUp()
    }
    const { service, bare } = servers
    for (const t of live) {
      // Growth runs only need the history latency.
      for (const [mode, opts] of full ? [['rps', many], ['latency', one]] as const : [['latency', one]] as const) {
        if (bare) push(runs, `bare ${mode} ${t.name}`, await withCpu([bare.pid], () => load(bare.url + barePath(t), opts)))
        // The service's CPU and its database's: the server backends serving it, or PGlite inside the process.
        const pids = [service.pid, ...await backendPids(bdb)]
        push(runs, `${mode} ${t.name}`, await withCpu(pids, () => load(service.url + t.path, opts)))
      }
    }
  }
  // A page of history is cached after its first request: also time first requests, each for another
  // parameter set (limits of 900 and up all return the whole year), so the table shows what a miss costs.
  for (const [i, t] of targets.entries()) {
    if (!t.name.startsWith('values') || !live.includes(t)) continue
    const times: number[] = []
    for (let k = 0; k < (o.quick ? 11 : 21); k++) {
      const t0 = performance.now()
      const res = await fetch(servers.service.url + t.path + `&limit=${900 + k}`)
      await res.arrayBuffer()
      if (res.status === 200) times.push(performance.now() - t0)
    }
    if (times.length) rows[i]!.uncached = { requests: times.length, p50: median(times), max: Math.max(...times) }
  }
  if (servers.service.death()) throw new Error(servers.service.death()!)
  const bareDied = servers.bare?.death()
  if (bareDied) { for (const row of rows) row.note = `bare server died, no ratio: ${bareDied.slice(0, 200)}`; runs.forEach((_, k) => k.startsWith('bare') && runs.delete(k)) }
  const pick = (k: string) => runs.has(k) ? medianRun(runs.get(k)!) : null
  for (const row of rows) {
    row.cpx = pick(`rps ${row.name}`)
    row.bare = pick(`bare rps ${row.name}`)
    row.cpxLatency = pick(`latency ${row.name}`)
    row.bareLatency = pick(`bare latency ${row.name}`)
  }
  return rows
}

async function storeBareBody (bareUrl: string, i: number, type: string, body: string): Promise<void> {
  const res = await fetch(`${bareUrl}/body/${i}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type, body }) })
  if (!res.ok) throw new Error(`bare server refused body ${i}: ${res.status} ${await res.text()}`)
}

async function withCpu (pids: number[], run: () => Promise<LoadResult>): Promise<LoadResult> {
  const before = cpuMs(pids)
  const r = await run()
  return { ...r, cpuUsPerRequest: r.requests ? (cpuMs(pids) - before) * 1000 / r.requests : undefined }
}

/** Backend processes connected to the bench database (server only), except the one asking. */
async function backendPids (bdb: BenchDatabase): Promise<number[]> {
  if (bdb.kind !== 'server') return []
  const raw = await pgRaw(bdb.url!)
  try {
    const rows = await raw.query('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()')
    return rows.map((r) => Number(r.pid))
  } finally {
    await raw.close()
  }
}

function push (m: Map<string, LoadResult[]>, k: string, v: LoadResult) { m.set(k, [...(m.get(k) ?? []), v]) }

function describeBody (text: string): string {
  const size = `${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB`
  try {
    const body = JSON.parse(text) as { data?: unknown[] }
    return Array.isArray(body.data) ? `${body.data.length} items, ${size}` : size
  } catch {
    return `${text.split('\n').filter(Boolean).length - 1} rows, ${size}`
  }
}
