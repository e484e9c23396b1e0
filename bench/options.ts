// `npm run bench -- [--quick] [--embedded] [--quotes N] [--no-embedded] [--seconds S] [--log-level L]`
import { parseArgs } from 'node:util'

export interface BenchOptions {
  quick: boolean
  /** run the main size on PGlite instead of the server */
  embedded: boolean
  /** also run a smaller embedded pass beside the server's (default on) */
  embeddedPass: boolean
  quotes: number
  /** smaller sizes for the growth table, each a fresh database */
  growth: number[]
  /** embedded pass size when the main run is on the server */
  embeddedQuotes: number
  ingestRows: number
  seconds: number
  rounds: number
  connections: number
  computeDays: number
  logLevel: string
  serverUrl: string
}

const USAGE = `usage: npm run bench -- [--quick] [--embedded] [--no-embedded] [--quotes N] [--seconds S] [--log-level L]
  --quick        100k quotes, short loads, no embedded pass: under 3 minutes
  --embedded     run on PGlite (the default database) instead of the Postgres server
  --no-embedded  skip the smaller embedded pass that runs beside the server's
  --quotes N     quotes in the main dataset (default 1,000,000; 10000000 for the large size)
  BENCH_DATABASE_URL  server to create the throwaway database on (default postgres://postgres@127.0.0.1:5432/postgres)`

export function parseOptions (argv = process.argv.slice(2)): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      embedded: { type: 'boolean', default: false },
      'no-embedded': { type: 'boolean', default: false },
      quotes: { type: 'string' },
      seconds: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) { process.stdout.write(USAGE + '\n'); process.exit(0) }
  const quick = values.quick ?? false
  const quotes = Number(values.quotes ?? (quick ? 100_000 : 1_000_000))
  if (!Number.isInteger(quotes) || quotes < 1000) throw new Error(`--quotes must be an integer >= 1000\n${USAGE}`)
  const growth = [100_000, 1_000_000].filter((n) => n < quotes && n >= quotes / 100)
  return {
    quick,
    embedded: values.embedded ?? false,
    embeddedPass: !quick && !(values.embedded ?? false) && !(values['no-embedded'] ?? false),
    quotes,
    // --quick skips the growth passes: the engine's fixed cost per day dominates small sizes anyway.
    growth: quick ? [] : growth,
    embeddedQuotes: quick ? 20_000 : 100_000,
    ingestRows: quick ? 30_000 : 100_000,
    seconds: Number(values.seconds ?? (quick ? 2 : 5)),
    rounds: quick ? 1 : 3, // a true median of three in the default run
    connections: 10,
    computeDays: quick ? 2 : 5,
    logLevel: values['log-level'] ?? 'info',
    serverUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  }
}
