// `npm run soak -- [--seconds 180] [--clients 4]`: minutes of mixed load against two real instances on
// one new database of the Postgres server (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test):
// ingest clients posting batches (retrying on 503 and dropped connections), readers, a compute every
// few seconds, every database connection killed every 3 s, and one instance killed (SIGKILL) and
// started again half-way. At the end it checks, straight from the database: every batch answered 200 is
// stored whole, every other batch whole or not at all, nothing twice, every fixing's hash re-derives;
// and it reports the resident memory of the instance that ran throughout: at the start, every 30 s, at the end.
// Not part of CI (it takes minutes); figures in docs/operations.md. Exits 1 when a check fails.
import { parseArgs } from 'node:util'
import pg from 'pg'
import { killAll, startProcess, SERVICE_ENTRY, type Running } from '../bench/processes.ts'

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '180' }, clients: { type: 'string', default: '4' } } })
const SECONDS = Number(values.seconds)
const CLIENTS = Number(values.clients)
const BATCH = 25
const ADMIN_KEY = 'soak-admin-key-0123456789abcdef'
const auth = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }
const DAY_MS = 86_400_000
const day = (back: number) => new Date(Date.now() - back * DAY_MS).toISOString().slice(0, 10)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const server = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test')
const dbName = `cpx_soak_${process.pid}_${Date.now()}`
const admin = new pg.Client({ connectionString: server.toString() })
await admin.connect()
await admin.query(`create database "${dbName}"`)
const url = new URL(server.toString())
url.pathname = '/' + dbName
const env = { DATABASE_URL: url.toString(), ADMIN_API_KEY: ADMIN_KEY, DEMO_DATA: 'false', SCHEDULER: 'false', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '100000000' }

const statuses = new Map<string, number>()
const count = (what: string) => statuses.set(what, (statuses.get(what) ?? 0) + 1)
let failures: string[] = []
const instances: Running[] = []
const run = { stopping: false }

async function call (base: () => string, path: string, init: RequestInit = {}): Promise<Response | null> {
  try {
    const res = await fetch(base() + path, { ...init, signal: AbortSignal.timeout(70_000) })
    count(`${init.method ?? 'GET'} ${res.status}`)
    if (res.status >= 500 && res.status !== 503) failures.push(`${init.method ?? 'GET'} ${path} → ${res.status} ${(await res.text()).slice(0, 200)}`)
    return res
  } catch {
    count(`${init.method ?? 'GET'} no answer`) // the instance was being restarted, or the connection dropped
    return null
  }
}

const batches: Array<{ source: string, acknowledged: boolean }> = []

async function ingestClient (c: number, base: () => string) {
  for (let n = 0; !run.stopping; n++) {
    const source = `soak-${c}-${n}`
    const quotes = Array.from({ length: BATCH }, (_, i) => ({
      provider: ['soak-a', 'soak-b', 'soak-c', 'soak-d', 'soak-e'][(n + i) % 5],
      product: 'h100-sxm',
      segment: 'on_demand',
      price: (2 + ((n * BATCH + i) % 150) / 100).toFixed(2),
      currency: 'USD',
      unit: 'gpu_hour',
      observed_at: new Date(Date.parse(day(1 + ((n + i) % 7)) + 'T00:00:00Z') + ((c * 997 + i * 61 + n) % 86_400) * 1000).toISOString(),
      source,
    }))
    const entry = { source, acknowledged: false }
    batches.push(entry)
    for (let attempt = 0; attempt < 20 && !entry.acknowledged; attempt++) {
      const res = await call(base, '/v1/quotes', { method: 'POST', headers: auth, body: JSON.stringify({ quotes }) })
      if (res?.status === 200) {
        const body = await res.json() as { accepted: number, duplicates: number }
        if (body.accepted + body.duplicates !== BATCH) failures.push(`${source}: 200 with ${body.accepted} + ${body.duplicates} of ${BATCH}`)
        entry.acknowledged = true
      } else {
        await res?.arrayBuffer()
        await sleep(100 + Math.random() * 400)
      }
    }
  }
}

async function reader (base: () => string) {
  const paths = ['/v1/indices', '/v1/indices/H100-SXM-OD/latest', `/v1/indices/H100-SXM-OD/values?from=${day(10)}`, `/v1/indices/H100-SXM-OD/values/${day(2)}?include=constituents`, '/v1/revisions', '/v1/quotes?limit=50']
  for (let n = 0; !run.stopping; n++) {
    const res = await call(base, paths[n % paths.length]!)
    if (res) await res.arrayBuffer()
    else await sleep(200) // the instance is restarting
  }
}

async function computer (base: () => string) {
  while (!run.stopping) {
    const res = await call(base, '/v1/indices/compute', { method: 'POST', headers: auth, body: JSON.stringify({ from: day(8), to: day(1), indices: ['H100-SXM-OD'] }) })
    await res?.arrayBuffer()
    await sleep(3_000)
  }
}

async function killer () {
  const killerClient = new pg.Client({ connectionString: server.toString() })
  await killerClient.connect()
  let kills = 0
  while (!run.stopping) {
    await sleep(3_000)
    const r = await killerClient.query('select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName])
    kills += r.rows[0].n as number
  }
  await killerClient.end()
  return kills
}

try {
  instances.push(await startProcess(SERVICE_ENTRY, env, '/readyz'), await startProcess(SERVICE_ENTRY, env, '/readyz'))
  const a = () => instances[0]!.url
  const b = () => instances[1]!.url
  for (const slug of ['soak-a', 'soak-b', 'soak-c', 'soak-d', 'soak-e']) {
    await call(a, `/v1/providers/${slug}`, { method: 'PUT', headers: auth, body: JSON.stringify({ name: slug, kind: 'neocloud' }) })
  }
  await call(a, '/v1/products/h100-sxm', { method: 'PUT', headers: auth, body: JSON.stringify({ kind: 'gpu', name: 'H100 SXM 80GB', family: 'h100', variant: 'sxm' }) })
  // warm up, then read the long-running instance's memory
  for (let i = 0; i < 200; i++) await (await call(a, '/v1/indices/H100-SXM-OD/latest'))?.arrayBuffer()
  const rssStart = instances[0]!.rssMb()
  const started = Date.now()
  const kills = killer()
  const rssSeries: Array<number | null> = []
  const sampler = setInterval(() => rssSeries.push(instances[0]!.rssMb()), 30_000)
  const work = [
    ...Array.from({ length: CLIENTS }, (_, c) => ingestClient(c, c % 2 ? b : a)),
    reader(a), reader(b), computer(a), computer(b),
  ]
  await sleep(SECONDS * 500)
  process.stderr.write('soak: killing instance B (SIGKILL) and starting it again\n')
  process.kill(instances[1]!.pid, 'SIGKILL')
  await sleep(1_000)
  instances[1] = await startProcess(SERVICE_ENTRY, env, '/readyz')
  await sleep(Math.max(0, started + SECONDS * 1000 - Date.now()))
  run.stopping = true
  await Promise.all(work)
  const killed = await kills
  clearInterval(sampler)
  const rssEnd = instances[0]!.rssMb()

  // the checks, straight from the database
  const db = new pg.Client({ connectionString: url.toString() })
  await db.connect()
  const stored = new Map<string, number>((await db.query("select source, count(*)::int as n from quotes where source like 'soak-%' group by source")).rows.map((r) => [r.source as string, r.n as number]))
  let acknowledged = 0
  let unacknowledgedStored = 0
  for (const { source, acknowledged: ack } of batches) {
    const n = stored.get(source) ?? 0
    if (ack) { acknowledged++; if (n !== BATCH) failures.push(`${source}: answered 200 but ${n} of ${BATCH} stored`) } else if (n !== 0 && n !== BATCH) failures.push(`${source}: not acknowledged and ${n} of ${BATCH} stored (half a batch)`)
    else if (n === BATCH) unacknowledgedStored++
  }
  const twice = (await db.query('select count(*)::int as n from (select 1 from quotes group by provider, product, segment, observed_at, source, price having count(*) > 1) d')).rows[0].n as number
  if (twice) failures.push(`${twice} quotes stored twice`)
  const hashes = (await db.query("select count(*)::int as n, count(*) filter (where hash = 'sha256:' || encode(sha256(convert_to(cpx_fixing_canonical_text(id), 'UTF8')), 'hex'))::int as ok from fixings")).rows[0] as { n: number, ok: number }
  if (hashes.ok !== hashes.n) failures.push(`${hashes.n - hashes.ok} of ${hashes.n} fixing hashes do not re-derive`)
  await db.end()
  failures = [...new Set(failures)]
  console.log(JSON.stringify({
    date: new Date().toISOString(),
    seconds: SECONDS,
    clients: CLIENTS,
    batch: BATCH,
    batches: batches.length,
    acknowledged,
    unacknowledged_but_stored: unacknowledgedStored,
    quotes: [...stored.values()].reduce((s, n) => s + n, 0),
    connections_killed: killed,
    instance_restarts: 1,
    fixings: hashes.n,
    hashes_rederived: hashes.ok,
    answers: Object.fromEntries([...statuses].sort()),
    rss_mb: { start: rssStart, every_30_s: rssSeries, end: rssEnd },
    failures: failures.slice(0, 20),
  }, null, 2))
  process.exitCode = failures.length ? 1 : 0
} finally {
  run.stopping = true
  for (const i of instances) await i.stop().catch(() => {})
  killAll()
  await admin.query(`drop database if exists "${dbName}" with (force)`).catch(() => {})
  await admin.end()
}
