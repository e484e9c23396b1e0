// CPU time per request of each public read route against a bare Fastify route sending the same bytes
// and content type, in the same process (app.inject: no sockets, so only the framework and our code).
// Wall-clock throughput on a shared machine is noise; process.cpuUsage of N requests is not much of it.
//   npx tsx bench/cpu-per-request.ts [--n 4000] [--http]   (ONLY=<route name> for one route)
// --http: both listen on a port and the requests come over real keep-alive sockets from autocannon in its own
// process (bench/load-worker.ts, `amount` requests on 10 connections): this process's CPU then is the servers'
// alone, as in `npm run bench`, which `app.inject` (light-my-request parsing every header in this process) is not.
import Fastify from 'fastify'
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { buildApp, logOptions } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { connect } from '../src/db/connect.ts'
import { migrate } from '../src/db/migrate.ts'
import { insertFixings } from '../test/helpers/read-fixings.ts'

const nAt = process.argv.indexOf('--n')
const n = nAt < 0 ? 4000 : Number(process.argv[nAt + 1]) // (indexOf -1 + 1 would read argv[0], the node binary: NaN)
const http = process.argv.includes('--http')
const ROUNDS = 5
const CODE = 'H100-SXM-OD'
const config = loadConfig({ LOG_LEVEL: 'silent', ADMIN_API_KEY: 'bench-admin-key-0123456789abcdef', DEMO_DATA: 'false', SCHEDULER: 'false', RATE_LIMIT_MAX: '1000000000' }, { memory: true })
const database = await connect(config)
await migrate(database)
const days = Array.from({ length: 365 }, (_, i) => new Date(Date.UTC(2025, 9, 1) + i * 86_400_000).toISOString().slice(0, 10))
await insertFixings(database, days.map((date, i) => ({ code: CODE, date, value: (2.5 + (i % 17) / 100).toFixed(4), published_at: `${date}T23:15:00Z` })))
const app = await buildApp(config, { database })
await app.ready()
// the bare route logs as CPX does (the same pino options and level), as in `npm run bench` (bench/bare-server.ts)
const bare = Fastify({ logger: logOptions(config) })
const bodies = new Map<string, { type: string, body: string | Buffer }>()
bare.get<{ Params: { name: string } }>('/body/:name', (req, reply) => {
  const b = bodies.get(req.params.name)!
  return reply.type(b.type).send(b.body)
})
await bare.ready()
const cpxBase = http ? await app.listen({ port: 0, host: '127.0.0.1' }) : ''
const bareBase = http ? await bare.listen({ port: 0, host: '127.0.0.1' }) : ''
const worker = http ? fork(fileURLToPath(new URL('./load-worker.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }) : undefined
/** `amount` requests of `url` from the load generator's process, 10 connections. */
const fetchMany = (url: string, amount: number) => new Promise<void>((resolve, reject) => {
  worker!.once('message', (m: { result?: { non2xx: number, errors: number }, error?: string }) => {
    if (!m.result) reject(new Error(m.error))
    else if (m.result.non2xx || m.result.errors) reject(new Error(`${url}: ${m.result.non2xx} non-2xx, ${m.result.errors} errors`))
    else resolve()
  })
  worker!.send({ url, connections: 10, amount })
})

const last = days.at(-1)!
const only = process.env.ONLY
const routes: [string, string][] = ([
  ['latest', `/v1/indices/${CODE}/latest`],
  ['index list', '/v1/indices'],
  ['index', `/v1/indices/${CODE}`],
  ['history JSON', `/v1/indices/${CODE}/values`],
  ['history CSV', `/v1/indices/${CODE}/values.csv`],
  ['day', `/v1/indices/${CODE}/values/${last}`],
  ['revisions', `/v1/indices/${CODE}/values/${last}/revisions`],
  ['averages', `/v1/indices/${CODE}/averages`],
  ['register', '/v1/revisions'],
  ['chart', `/v1/indices/${CODE}/chart.svg`],
] as [string, string][]).filter(([name]) => !only || name === only)

/** CPU µs of one round of n requests (the best round is the one least disturbed by the machine's other load). */
async function round (inject: () => Promise<unknown>): Promise<number> {
  const t = process.cpuUsage()
  for (let i = 0; i < n; i++) await inject()
  const u = process.cpuUsage(t)
  return (u.user + u.system) / n
}

/** CPU µs per request of `amount` requests over HTTP (the client's CPU is its own process's). */
async function httpRound (url: string): Promise<number> {
  const t = process.cpuUsage()
  await fetchMany(url, n)
  const u = process.cpuUsage(t)
  return (u.user + u.system) / n
}

/** Rounds of CPX and of the bare route alternate, so that both see the same load on a shared machine. */
async function cpuPerRequest (cpx: () => Promise<unknown>, bare: () => Promise<unknown>): Promise<[number, number]> {
  for (let i = 0; i < 200; i++) { await cpx(); await bare() } // warm: caches filled, code optimised
  let best: [number, number] = [Infinity, Infinity]
  for (let r = 0; r < ROUNDS; r++) best = [Math.min(best[0], await round(cpx)), Math.min(best[1], await round(bare))]
  return best
}

console.log('| route | CPX µs CPU | bare µs CPU | ratio (bare/CPX) |\n|---|---:|---:|---:|')
for (const [name, url] of routes) {
  const first = await app.inject(url)
  if (first.statusCode !== 200) throw new Error(`${url}: ${first.statusCode} ${first.body}`)
  bodies.set(name, { type: String(first.headers['content-type']), body: first.rawPayload })
  const bareUrl = `/body/${encodeURIComponent(name)}`
  let cpx: number, b: number
  if (http) {
    await fetchMany(cpxBase + url, 2000); await fetchMany(bareBase + bareUrl, 2000) // warm
    cpx = Infinity; b = Infinity
    for (let r = 0; r < ROUNDS; r++) { cpx = Math.min(cpx, await httpRound(cpxBase + url)); b = Math.min(b, await httpRound(bareBase + bareUrl)) }
  } else [cpx, b] = await cpuPerRequest(() => app.inject(url), () => bare.inject(bareUrl))
  console.log(`| ${name} | ${cpx.toFixed(1)} | ${b.toFixed(1)} | ${(b / cpx).toFixed(2)}× |`)
}
worker?.kill()
await app.close()
await bare.close()
