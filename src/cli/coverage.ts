import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { connect } from '../db/connect.ts'
import { migrate } from '../db/migrate.ts'
import { parseDate } from '../domain/calendar.ts'
import { indexCoverage } from '../domain/coverage.ts'

const USAGE = 'usage: cpx coverage [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--index CODE]... [--json]'

/** `cpx coverage`: per index, days published, ok and insufficient, and the constituents that feed the ok days. */
export async function coverageCommand (args: string[]): Promise<number> {
  let values
  try {
    ({ values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' }, index: { type: 'string', multiple: true }, json: { type: 'boolean', default: false } } }))
  } catch (e) { process.stderr.write(`${(e as Error).message}\n${USAGE}\n`); return 1 }
  for (const k of ['from', 'to'] as const) {
    const day = values[k] === undefined ? undefined : parseDate(values[k])
    if (day && !day.ok) { process.stderr.write(`--${k} ${day.shape ? 'must be YYYY-MM-DD' : day.reason}\n${USAGE}\n`); return 1 }
  }
  const database = await connect(loadConfig())
  try {
    await migrate(database)
    const rows = await indexCoverage(database.db, { from: values.from, to: values.to, codes: values.index })
    if (values.json) { process.stdout.write(JSON.stringify(rows, null, 2) + '\n'); return 0 }
    process.stdout.write('index\tdefinition version\tdays\tok\tinsufficient\tfirst ok\tlast ok\tproviders\tproducts\ttop products (ok days)\n')
    for (const r of rows) {
      process.stdout.write([r.code, r.methodology_version, r.days, r.ok, r.insufficient, r.first_ok ?? '—', r.last_ok ?? '—', r.providers, r.products,
        r.top_products.map((p) => `${p.product} (${p.days})`).join(', ') || '—'].join('\t') + '\n')
    }
    return 0
  } finally {
    await database.close()
  }
}
