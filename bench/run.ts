// npm run bench [-- --quick | --embedded | --quotes 10000000]: CPX beside bare baselines in one run.
// See docs/performance.md. Every database it makes is thrown away at the end, also on Ctrl-C.
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os'
import { embeddedDatabase, serverDatabase, type BenchDatabase } from './databases.ts'
import { stopLoad } from './load.ts'
import { parseOptions } from './options.ts'
import { killAll, PINNING } from './processes.ts'
import { markdown, targets, type Report } from './report.ts'
import { runSize, type SizeResult } from './size-run.ts'

const o = parseOptions()
const started = Date.now()
const log = (msg: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`)
const made: BenchDatabase[] = []
async function cleanup () { for (const d of made.splice(0)) await d.drop().catch((err: Error) => log(`could not drop ${d.label}: ${err.message}`)) }
process.once('SIGINT', () => { stopLoad(); killAll(); cleanup().finally(() => process.exit(130)) })

async function size (kind: 'server' | 'embedded', quotes: number, full: boolean, opts = o): Promise<SizeResult> {
  const suffix = `${quotes >= 1_000_000 ? quotes / 1_000_000 + 'm' : quotes / 1000 + 'k'}`
  log(`${kind}, ${quotes.toLocaleString('en')} quotes${full ? '' : ' (growth: compute and history only)'}`)
  const bdb = kind === 'server' ? await serverDatabase(o.serverUrl, suffix) : await embeddedDatabase(suffix)
  made.push(bdb)
  try {
    return await runSize(bdb, quotes, full, opts, log)
  } finally {
    await bdb.drop()
    made.splice(made.indexOf(bdb), 1)
  }
}

try {
  const mainKind = o.embedded ? 'embedded' : 'server'
  const load = loadavg()
  const growth: SizeResult[] = []
  for (const n of o.growth) growth.push(await size(mainKind, n, false))
  const main = await size(mainKind, o.quotes, true)
  // The embedded pass beside the server's is smaller: one round of reads, 30,000 ingest rows.
  const embedded = o.embeddedPass ? await size('embedded', o.embeddedQuotes, true, { ...o, rounds: 1, ingestRows: 30_000 }) : undefined
  const date = new Date(started).toISOString().slice(0, 10)
  const command = 'npm run bench' + (process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : '')
  const { serverUrl: _url, ...options } = o
  const report: Report = {
    date,
    startedAt: new Date(started).toISOString(),
    minutes: (Date.now() - started) / 60_000,
    command,
    machine: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      postgres: main.version,
      loadavg: load,
      pinning: PINNING ? `servers (bare and CPX) pinned to CPU ${PINNING.server}, the load generator to CPU ${PINNING.load} (taskset), Postgres not pinned` : undefined,
    },
    options,
    main,
    growth,
    embedded,
    targets: targets(main),
  }
  const md = markdown(report)
  const name = date + (o.quick ? '-quick' : '') + (o.embedded ? '-embedded' : '') + (o.quotes !== 1_000_000 && !o.quick ? `-${o.quotes}` : '')
  mkdirSync('bench/results', { recursive: true })
  writeFileSync(`bench/results/${name}.json`, JSON.stringify(report, null, 2) + '\n')
  writeFileSync(`bench/results/${name}.md`, md + '\n')
  process.stdout.write(md + '\n')
  log(`wrote bench/results/${name}.json and .md`)
} catch (err) {
  log(`failed: ${(err as Error).stack ?? err}`)
  process.exitCode = 1
} finally {
  stopLoad()
  await cleanup()
}
