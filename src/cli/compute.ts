import { SingleBar, Presets } from 'cli-progress'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { connect } from '../db/connect.ts'
import { migrate } from '../db/migrate.ts'
import { computeFixings, REVISION_REASONS, type Report } from '../domain/fixings.ts'

const USAGE = 'usage: cpx compute --from YYYY-MM-DD --to YYYY-MM-DD [--index CODE]... [--reason late_quotes|definition_change|correction]'

// On a terminal the range runs in chunks of a month, each its own transaction, with a progress bar.
const CHUNK_DAYS = 31

export function formatReport (r: Report): string {
  const lines = [`fixings ${r.from}..${r.to} in ${r.ms} ms`, 'index\tdays\tpublished\trevised\tunchanged\tinsufficient']
  for (const i of r.indices) lines.push([i.code, i.days, i.published, i.revised, i.unchanged, i.insufficient].join('\t'))
  return lines.join('\n') + '\n'
}

/** `cpx compute --from --to [--index CODE]`: computes or recomputes fixings and prints the report. */
export async function computeCommand (args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { from: { type: 'string' }, to: { type: 'string' }, index: { type: 'string', multiple: true }, reason: { type: 'string' } },
  })
  if (!values.from || !values.to) { process.stderr.write(USAGE + '\n'); return 1 }
  if (values.reason && !(REVISION_REASONS as readonly string[]).includes(values.reason)) { process.stderr.write(USAGE + '\n'); return 1 }
  const database = await connect(loadConfig())
  const bar = process.stderr.isTTY ? new SingleBar({ format: 'fixings [{bar}] {value}/{total} days', hideCursor: true }, Presets.shades_classic) : undefined
  try {
    await migrate(database)
    bar?.start(1, 0)
    const report = await computeFixings(database, {
      from: values.from,
      to: values.to,
      indices: values.index,
      reason: values.reason as typeof REVISION_REASONS[number] | undefined,
      chunkDays: CHUNK_DAYS,
      onProgress: (done, total) => { bar?.setTotal(total); bar?.update(done) },
    })
    bar?.stop()
    process.stdout.write(formatReport(report))
    return 0
  } catch (err) {
    bar?.stop()
    const e = err as Error & { errors?: Array<{ path: string, reason: string }> }
    process.stderr.write(`cpx compute: ${e.message}${e.errors ? '\n' + e.errors.map((x) => `  ${x.path}: ${x.reason}`).join('\n') : ''}\n`)
    return 1
  } finally {
    await database.close()
  }
}
