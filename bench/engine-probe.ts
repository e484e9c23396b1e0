// The engine alone, on a database kept between runs: what an engine change does to one day and to a
// year, beside the bare GROUP BY of bench/compute.ts on the same quotes in the same run.
//
//   npx tsx bench/engine-probe.ts seed --db cpx_probe --quotes 1000000   # once: fresh db, migrated, seeded
//   npx tsx bench/engine-probe.ts day  --db cpx_probe [--runs 5]         # one day of the catalog
//   npx tsx bench/engine-probe.ts year --db cpx_probe [--chunk 30]       # the year, and the bare GROUP BY
//   npx tsx bench/engine-probe.ts lanes --db cpx_probe                   # the year as POST /v1/indices/compute
//                                                                        # runs it, in one lane and in two
//   npx tsx bench/engine-probe.ts v2 --db cpx_probe [--runs 5] [--chunk 30]  # the token indices, v1 beside v2:
//                                                                        # single days and the year's last chunk
//
// Each compute publishes through cpx_publish_fixings as POST /v1/indices/compute does, inside a
// transaction that is rolled back: every run starts from the same empty fixings table. `lanes` commits
// (computeFixings itself), so it runs on a copy of the database made for each run and dropped after.
import { parseArgs } from 'node:util'
import { connect } from '../src/db/connect.ts'
import { migrate } from '../src/db/migrate.ts'
import { computeFixings } from '../src/domain/fixings.ts'
import { BARE_GROUP_BY } from './compute.ts'
import { pgRaw } from './ingest.ts'
import { addDays, benchYear, seedYear } from './seed.ts'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    db: { type: 'string', default: 'cpx_probe' },
    quotes: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '5' },
    chunk: { type: 'string', default: '30' },
  },
})
const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const url = new URL(base)
url.pathname = '/' + values.db
const say = (msg: string) => process.stdout.write(msg + '\n')

async function seed () {
  const admin = await pgRaw(base)
  await admin.query(`drop database if exists "${values.db}" with (force)`)
  await admin.query(`create database "${values.db}"`)
  await admin.close()
  const database = await connect({ DATABASE_URL: url.toString(), DATA_DIR: '' })
  await migrate(database)
  const n = Number(values.quotes)
  await seedYear(database, benchYear(), n, (done) => say(`seeded ${done} / ${n}`))
  await database.close()
}

// The year through computeFixings on a fresh copy of the database: one lane (as on the embedded database)
// or the lanes a server database gets.
async function lanes () {
  const admin = await pgRaw(base)
  const copy = new URL(url)
  copy.pathname = '/' + values.db + '_lanes'
  const raw = await pgRaw(url.toString())
  const [span] = await raw.query('select min(observed_day)::text as "from", max(observed_day)::text as "to" from quotes')
  await raw.close()
  for (const kind of ['embedded', 'server', 'embedded', 'server'] as const) {
    await admin.query(`drop database if exists "${values.db}_lanes" with (force)`)
    await admin.query(`create database "${values.db}_lanes" template "${values.db}"`)
    const database = await connect({ DATABASE_URL: copy.toString(), DATA_DIR: '' })
    const t0 = performance.now()
    const report = await computeFixings({ db: database.db, kind }, { from: String(span!.from), to: String(span!.to) })
    const ms = performance.now() - t0
    const bareRaw = await pgRaw(copy.toString())
    const t1 = performance.now()
    await bareRaw.query(BARE_GROUP_BY, [span!.from, span!.to])
    const bare = performance.now() - t1
    await bareRaw.close()
    await database.close()
    const fixings = report.indices.reduce((n, r) => n + r.published, 0)
    say(`year through computeFixings, ${kind === 'server' ? 'lanes of a server database' : 'one lane'}: ${ms.toFixed(0)} ms (${fixings} fixings); bare GROUP BY right after ${bare.toFixed(0)} ms; ratio ${(ms / bare).toFixed(2)}x`)
  }
  await admin.query(`drop database if exists "${values.db}_lanes" with (force)`)
  await admin.close()
}

async function main () {
  if (positionals[0] === 'seed') return seed()
  if (positionals[0] === 'lanes') return lanes()
  const raw = await pgRaw(url.toString())
  await raw.query('set statement_timeout = 0')
  const [span] = await raw.query('select min(observed_day)::text as "from", max(observed_day)::text as "to", count(*)::int as n from quotes')
  const year = { from: String(span!.from), to: String(span!.to) }
  const codes = (await raw.query('select array_agg(code order by code) as c from index_definitions d where exists (select 1 from index_definition_versions v where v.code = d.code)'))[0]!.c as string[]
  const publish = async (from: string, to: string) => {
    await raw.query('begin')
    const t0 = performance.now()
    await raw.query('select * from cpx_publish_fixings($1::text[], $2::date, $3::date)', [codes, from, to])
    const ms = performance.now() - t0
    await raw.query('rollback')
    return ms
  }
  const timed = async (text: string, params: unknown[]) => {
    const t0 = performance.now()
    await raw.query(text, params)
    return performance.now() - t0
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!
  const f = (ms: number) => `${ms.toFixed(0)} ms`
  say(`${values.db}: ${span!.n} quotes, ${year.from}..${year.to}, ${codes.length} indices`)
  if (positionals[0] === 'day') {
    // the bench's days: the year's last months, 17 days apart
    const days = Array.from({ length: Number(values.runs) }, (_, i) => addDays(year.to, -1 - i * 17))
    const pub: number[] = []
    const compute: number[] = []
    const bare: number[] = []
    for (const d of days) {
      pub.push(await publish(d, d))
      compute.push(await timed('select * from cpx_compute_fixings($1::text[], $2::date, $2::date)', [codes, d]))
      bare.push(await timed(BARE_GROUP_BY, [d, d]))
    }
    say(`one day: publish ${f(median(pub))} [${pub.map(f).join(', ')}], compute only ${f(median(compute))}, bare ${f(median(bare))}`)
  } else if (positionals[0] === 'year') {
    const chunk = Number(values.chunk)
    let total = 0
    const parts: number[] = []
    for (let from = year.from; from <= year.to; from = addDays(from, chunk)) {
      const to = addDays(from, chunk - 1) < year.to ? addDays(from, chunk - 1) : year.to
      const ms = await publish(from, to)
      parts.push(ms)
      total += ms
    }
    const bare = Math.min(await timed(BARE_GROUP_BY, [year.from, year.to]), await timed(BARE_GROUP_BY, [year.from, year.to]))
    say(`year in ${chunk}-day chunks: ${f(total)} (${parts.length} chunks, ${f(Math.min(...parts))}..${f(Math.max(...parts))}); bare GROUP BY ${f(bare)}; ratio ${(total / bare).toFixed(2)}x`)
  } else if (positionals[0] === 'v2') {
    // The default token indices as versions 1 (v1) and as their 0067 versions (v2, made in force over the
    // whole year inside the rolled-back transaction), beside the new v2 indices of 0068 (in both runs).
    const tok = codes.filter((c) => c.startsWith('TOK-'))
    const run = async (v2: boolean, from: string, to: string) => {
      await raw.query('begin')
      if (v2) await raw.query('update index_definition_versions set effective_from = \'2000-01-01\' where effective_from is not null')
      const t0 = performance.now()
      await raw.query('select * from cpx_publish_fixings($1::text[], $2::date, $3::date)', [tok, from, to])
      const ms = performance.now() - t0
      await raw.query('rollback')
      return ms
    }
    const days = Array.from({ length: Number(values.runs) }, (_, i) => addDays(year.to, -1 - i * 17))
    const from = addDays(year.to, 1 - Number(values.chunk))
    for (const v2 of [false, true]) {
      const one: number[] = []
      for (const d of days) one.push(await run(v2, d, d))
      const chunk = await run(v2, from, year.to)
      say(`${tok.length} token indices, ${v2 ? 'moved ones v2' : 'moved ones v1'}: one day ${f(median(one))} [${one.map(f).join(', ')}]; ${from}..${year.to} ${f(chunk)}`)
    }
  } else {
    throw new Error('usage: engine-probe.ts seed|day|year|lanes|v2 [--db name] [--quotes N] [--runs k] [--chunk days]')
  }
  await raw.close()
}

await main()
