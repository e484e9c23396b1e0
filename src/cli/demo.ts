import { parseArgs } from 'node:util'
import { SingleBar } from 'cli-progress'
import { loadConfig } from '../config.ts'
import { connect } from '../db/connect.ts'
import { migrate } from '../db/migrate.ts'
import { loadDemo } from '../demo/load.ts'

const USAGE = 'usage: cpx demo load [--end YYYY-MM-DD]   (synthetic demo dataset: 180 days up to --end, default yesterday)'

/** `cpx demo load`: the synthetic demo dataset and its fixings, on whatever database DATABASE_URL names. */
export async function demoCommand (args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { end: { type: 'string' } } })
  if (positionals[0] !== 'load') { process.stderr.write(USAGE + '\n'); return 1 }
  if (values.end && !/^\d{4}-\d\d-\d\d$/.test(values.end)) { process.stderr.write(`--end must be YYYY-MM-DD\n${USAGE}\n`); return 1 }
  const database = await connect(loadConfig())
  const bar = process.stderr.isTTY ? new SingleBar({ format: 'demo {bar} {value}/{total} quotes', hideCursor: true }) : undefined
  try {
    await migrate(database)
    let started = false
    const r = await loadDemo(database, {
      end: values.end,
      onProgress: (done, total) => { if (!started) { bar?.start(total, 0); started = true } bar?.update(done) },
    })
    bar?.stop()
    process.stdout.write(`demo dataset ${r.from} … ${r.to}: ${r.quotes} quotes, ${r.accepted} accepted, ${r.duplicates} duplicates, ` +
      `${r.fx_rates} FX rates; fixings computed; ${(r.ms / 1000).toFixed(1)} s\n`)
    return 0
  } finally {
    bar?.stop()
    await database.close()
  }
}
