import { parseArgs } from 'node:util'
import { envReference, loadConfig } from '../config.ts'
import { connect, type Database } from '../db/connect.ts'
import { migrate } from '../db/migrate.ts'
import { deleteSource, findSource, listRuns, listSources, setSourceEnabled, SourceBody, upsertSource, type SourceRecord } from '../domain/sources.ts'
import { collectNow } from '../scheduler/collector.ts'

export const SOURCES_USAGE = `cpx sources list [--json]
cpx sources show NAME [--json]               a source, its health and its last 10 runs
cpx sources set NAME [--importer I] [--url U] [--provider P] [--interval SECONDS] [--header NAME=ENV_VAR]...
                [--timeout-ms N] [--max-bytes N] [--retries N] [--stale-after SECONDS] [--disabled]
                                             create or change a source (headers only by environment-variable name)
cpx sources enable|disable|remove NAME
cpx sources runs NAME [--limit N] [--json]
cpx collect [NAME]... [--json]               run sources now (no NAME: every enabled one); exit 1 if a run failed`

async function withDatabase<T> (fn: (database: Database) => Promise<T>): Promise<T> {
  const database = await connect(loadConfig())
  try {
    await migrate(database)
    return await fn(database)
  } finally { await database.close() }
}

const out = (s: string) => process.stdout.write(s + '\n')
const ago = (s: number | null) => s === null ? 'never' : s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`
const line = (s: SourceRecord) => [s.name.padEnd(18), s.importer.padEnd(13), (s.enabled ? 'enabled' : 'disabled').padEnd(9),
  `every ${s.interval_seconds} s`.padEnd(14), `ok ${ago(s.last_success_age_seconds)}`.padEnd(18), s.stale ? 'STALE' : '',
  s.last_failure ? `last failure ${s.last_failure.at}: ${s.last_failure.kind}: ${s.last_failure.error}` : ''].join(' ').trimEnd()

function bodyOf (name: string, values: Record<string, string | boolean | string[] | undefined>, existing: SourceRecord | undefined) {
  const num = (k: string) => values[k] === undefined ? undefined : Number(values[k])
  const headers = values.header as string[] | undefined
  return SourceBody.safeParse({
    importer: values.importer ?? existing?.importer ?? name.replace(/-.*$/, ''),
    url: values.url ?? existing?.url,
    provider: values.provider ?? existing?.provider,
    interval_seconds: num('interval') ?? existing?.interval_seconds,
    enabled: values.disabled ? false : existing?.enabled,
    header_env: headers ? Object.fromEntries(headers.map((h) => [h.split('=')[0], h.split('=').slice(1).join('=')])) : existing?.header_env,
    timeout_ms: num('timeout-ms') ?? existing?.timeout_ms,
    max_bytes: num('max-bytes') ?? existing?.max_bytes,
    retries: num('retries') ?? existing?.retries,
    stale_after_seconds: num('stale-after') ?? (existing && existing.stale_after_seconds !== 3 * existing.interval_seconds ? existing.stale_after_seconds : undefined),
  })
}

export async function sourcesCommand (args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      importer: { type: 'string' },
      url: { type: 'string' },
      provider: { type: 'string' },
      interval: { type: 'string' },
      header: { type: 'string', multiple: true },
      'timeout-ms': { type: 'string' },
      'max-bytes': { type: 'string' },
      retries: { type: 'string' },
      'stale-after': { type: 'string' },
      disabled: { type: 'boolean' },
      limit: { type: 'string' },
    },
  })
  const [sub, name] = positionals
  if (!['list', 'show', 'set', 'enable', 'disable', 'remove', 'runs'].includes(sub ?? '') || (sub !== 'list' && !name)) {
    process.stderr.write(SOURCES_USAGE + '\n')
    return 1
  }
  return withDatabase(async ({ db }) => {
    if (sub === 'list') {
      const all = await listSources(db)
      out(values.json ? JSON.stringify(all, null, 2) : all.map(line).join('\n'))
      return 0
    }
    if (sub === 'set') {
      const parsed = bodyOf(name!, values, await findSource(db, name!))
      if (!parsed.success) {
        for (const issue of parsed.error.issues) process.stderr.write(`cpx sources set ${name}: ${issue.path.join('/') || 'source'}: ${issue.message}\n`)
        return 1
      }
      const { created, source } = await upsertSource(db, name!, parsed.data)
      out(`${created ? 'created' : 'changed'}: ${line(source)}`)
      return 0
    }
    if (sub === 'enable' || sub === 'disable') { out(line(await setSourceEnabled(db, name!, sub === 'enable'))); return 0 }
    if (sub === 'remove') { await deleteSource(db, name!); out(`removed ${name} (its runs and payloads are kept)`); return 0 }
    const runs = await listRuns(db, name!, sub === 'show' ? 10 : Number(values.limit ?? 50))
    const source = sub === 'show' ? await findSource(db, name!) : undefined
    if (values.json) { out(JSON.stringify(sub === 'show' ? { ...source, runs: runs.data } : runs.data, null, 2)); return 0 }
    if (source) out(line(source) + `\n  ${source.url}`)
    for (const r of runs.data) {
      out(`  run ${r.id} ${r.trigger.padEnd(8)} ${r.started_at} ${r.status.padEnd(6)} ` + (r.status === 'failed'
        ? `${r.error_kind}: ${r.error}`
        : `${r.bytes ?? 0} bytes sha256 ${r.sha256?.slice(0, 12)}… ${r.unchanged ? 'unchanged' : `${r.accepted} accepted, ${r.duplicates} duplicates`}`))
    }
    return 0
  })
}

export async function collectCommand (args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } })
  return withDatabase(async (database) => {
    const names = positionals.length ? positionals : (await listSources(database.db)).filter((s) => s.enabled).map((s) => s.name)
    const known = new Set((await listSources(database.db)).map((s) => s.name))
    const unknown = names.filter((n) => !known.has(n))
    if (unknown.length) { process.stderr.write(`cpx collect: no source ${unknown.join(', ')} (cpx sources list)\n`); return 1 }
    const results = await collectNow(database, names, { env: envReference })
    out(values.json ? JSON.stringify(results, null, 2) : results.map((r) => `${r.source}: run ${r.run_id} ${r.status}${r.error ? ': ' + r.error : `, ${r.accepted} quotes accepted`}`).join('\n'))
    return results.some((r) => r.status === 'failed') ? 1 : 0
  })
}
