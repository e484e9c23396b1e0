import { parseArgs } from 'node:util'
import { SingleBar } from 'cli-progress'
import { loadConfig } from '../config.ts'
import { connect } from '../db/connect.ts'
import { parseTimestamp } from '../domain/calendar.ts'
import { migrate } from '../db/migrate.ts'
import { RunFailure } from '../importers/fetch-payload.ts'
import { importHistory } from './import-history.ts'
import { loadMappings } from '../importers/mapping-set.ts'
import { parsePayload, readPayload, startRun, storePayload } from '../importers/provenance.ts'
import { fetchSourceBytes, readSourceBytes } from '../importers/read-source.ts'
import { importExitCode, runImport, type ImportSummary } from '../importers/run.ts'
import { SOURCES } from '../importers/sources.ts'

export const IMPORT_USAGE = `cpx import <source> [--file PATH | --url URL] [--observed-at T] [--provider SLUG] [--dry-run] [--json]
cpx import --run ID [--observed-at T] [--json]   re-parse a kept run's payload with today's mappings (no fetch): a new run, the same bytes
cpx import <source> --git-history CLONE [--path FILE|FOLDER] [--since YYYY-MM-DD] [--json]   every committed version of the file (llm-prices: of its data/ folder)
  sources: ${Object.keys(SOURCES).join(', ')}
  no --file and no --url: fetch the source's public address (${Object.entries(SOURCES).filter(([, s]) => s.url).map(([n]) => n).join(', ')})`

/** The summary as lines a person reads: counts first, then every reason and unmapped name. */
export function formatSummary (s: ImportSummary): string {
  const lines = [
    `${s.dry_run ? 'dry run: nothing stored. ' : ''}${s.source}: ${s.rows_read} rows read, ${s.quotes} quotes` +
      (s.dry_run ? '' : `, ${s.accepted} accepted, ${s.duplicates} duplicates`) +
      `, ${Object.values(s.invalid).reduce((a, b) => a + b, 0)} invalid`,
  ]
  const list = (title: string, rec: Record<string, number>, max = 30) => {
    const entries = Object.entries(rec).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    if (!entries.length) return
    lines.push(`${title} (${entries.reduce((a, [, n]) => a + n, 0)}):`)
    for (const [k, n] of entries.slice(0, max)) lines.push(`  ${String(n).padStart(5)}  ${k}`)
    if (entries.length > max) lines.push(`  … and ${entries.length - max} more (--json lists all)`)
  }
  list('skipped by reason', s.skipped)
  list('invalid by reason', s.invalid)
  list('unmapped (map them with cpx mappings set, then cpx import --run <this run> re-reads the kept payload)', s.unmapped, 15)
  const created = (what: string, xs: string[]) => xs.length && lines.push(`${s.dry_run ? 'would create' : 'created'} ${what}: ${xs.join(', ')}`)
  created('providers', s.created_providers)
  created('products', s.created_products)
  return lines.join('\n')
}

/** The summary printed (JSON or for a person) and the exit code of an import: non-zero when nothing was stored. */
function report (summary: ImportSummary, json: boolean, what: string): number {
  process.stdout.write((json ? JSON.stringify(summary, null, 2) : formatSummary(summary)) + '\n')
  const code = importExitCode(summary)
  if (code && !json) process.stderr.write(`${what}: every row was refused (reasons above); nothing ${summary.dry_run ? 'would be' : 'was'} stored\n`)
  return code
}

export async function importCommand (args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      file: { type: 'string' },
      url: { type: 'string' },
      'observed-at': { type: 'string' },
      provider: { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      'git-history': { type: 'string' },
      path: { type: 'string' },
      since: { type: 'string' },
      run: { type: 'string' },
    },
  })
  if (values.run !== undefined) {
    if (values.file || values.url || values['git-history'] || values['dry-run'] || values.provider) { process.stderr.write('cpx import --run: the kept run gives the payload, source and provider; no --file, --url, --git-history, --provider or --dry-run\n'); return 1 }
    return reparseRun(values.run, positionals[0], values['observed-at'], values.json ?? false)
  }
  const name = positionals[0] ?? ''
  const source = SOURCES[name]
  if (!source) { process.stderr.write(`cpx import: unknown source ${name || '(none)'}\n${IMPORT_USAGE}\n`); return 1 }
  if (values.file && values.url) { process.stderr.write('cpx import: give --file or --url, not both\n'); return 1 }
  if (values['git-history']) {
    if (values.file || values.url || values['observed-at'] || values['dry-run']) { process.stderr.write('cpx import --git-history: the commits give the files and their times; no --file, --url, --observed-at or --dry-run\n'); return 1 }
    return importHistory(name, { clone: values['git-history'], path: values.path, since: values.since, provider: values.provider, json: values.json, folder: source.folder })
  }
  const observedAt = values['observed-at'] ?? new Date().toISOString()
  const at = parseTimestamp(observedAt)
  if (!at.ok) { process.stderr.write(`cpx import: --observed-at ${at.reason}\n`); return 1 }
  const url = values.url ?? (values.file ? undefined : source.url)
  if (!values.file && !url) { process.stderr.write(`cpx import ${name}: this source has no public address; give --file PATH\n`); return 1 }
  const bytes = values.file ? readSourceBytes(values.file, source.folder ?? false) : await fetchSourceBytes(url!)
  const start = { source: name, importer: name, trigger: 'import' as const, url: values.file ?? url!, provider: values.provider }
  const database = await connect(loadConfig())
  const bar = process.stderr.isTTY ? new SingleBar({ format: `${name} {bar} {value}/{total} quotes`, hideCursor: true }) : undefined
  let barStarted = false
  const onProgress = (done: number, total: number) => {
    if (!barStarted) { bar?.start(total, 0); barStarted = true }
    bar?.update(done)
  }
  try {
    await migrate(database)
    let summary: ImportSummary
    try {
      // A real import is a run (provenance): its bytes are kept, its quotes carry its run id.
      summary = values['dry-run']
        ? await runImport(database.db, parsePayload(name, bytes, { observedAt, provider: values.provider, url: start.url, mappings: await loadMappings(database.db) }), { dryRun: true })
        : (await storePayload(database.db, await startRun(database.db, start), start, { bytes, observedAt, onProgress }))!
    } catch (err) {
      if (!(err instanceof RunFailure)) throw err
      process.stderr.write(`cpx import ${name}: ${err.message}\n`)
      return 1
    }
    bar?.stop()
    return report(summary, values.json ?? false, `cpx import ${name}`)
  } finally {
    bar?.stop()
    await database.close()
  }
}

/**
 * `cpx import --run ID`: the payload a run kept, parsed again with the mappings as they are now, as a new run
 * (its quotes carry the new run id; quotes the first run stored already are duplicates). Observed at the
 * first run's observation time unless --observed-at says otherwise. No fetch: the bytes are the kept ones.
 */
async function reparseRun (runId: string, source: string | undefined, observedAtArg: string | undefined, json: boolean): Promise<number> {
  if (!/^[1-9]\d{0,17}$/.test(runId)) { process.stderr.write('cpx import --run: ID must be a run id (a positive integer; cpx sources runs NAME lists them)\n'); return 1 }
  const at = observedAtArg === undefined ? undefined : parseTimestamp(observedAtArg)
  if (at && !at.ok) { process.stderr.write(`cpx import: --observed-at ${at.reason}\n`); return 1 }
  const database = await connect(loadConfig())
  try {
    await migrate(database)
    const run = await database.db.selectFrom('source_runs').select(['id', 'source', 'importer', 'url', 'provider', 'git_commit', 'sha256', 'observed_at'])
      .where('id', '=', runId as never).executeTakeFirst()
    if (!run) { process.stderr.write(`cpx import --run: no run ${runId}\n`); return 1 }
    if (source && source !== run.importer) { process.stderr.write(`cpx import --run: run ${runId} is a ${run.importer} run, not ${source}\n`); return 1 }
    const bytes = run.sha256 ? await readPayload(database.db, run.sha256) : undefined
    if (!bytes || !run.observed_at) { process.stderr.write(`cpx import --run: run ${runId} kept no payload (it failed before its bytes were read)\n`); return 1 }
    const start = { source: run.source, importer: run.importer, trigger: 'import' as const, url: run.url ?? `run:${runId}`, provider: run.provider ?? undefined, gitCommit: run.git_commit ?? undefined }
    let summary: ImportSummary
    try {
      summary = (await storePayload(database.db, await startRun(database.db, start), start, { bytes, observedAt: observedAtArg ?? new Date(run.observed_at).toISOString() }))!
    } catch (err) {
      if (!(err instanceof RunFailure)) throw err
      process.stderr.write(`cpx import --run ${runId}: ${err.message}\n`)
      return 1
    }
    return report(summary, json, `cpx import --run ${runId}`)
  } finally {
    await database.close()
  }
}
