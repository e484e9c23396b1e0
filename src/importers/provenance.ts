import { createHash } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import type { Schema } from '../db/schema.ts'
import type { ImportBatch } from './batch.ts'
import { RunFailure } from './fetch-payload.ts'
import { loadMappings, type MappingSet } from './mapping-set.ts'
import { runImport, type ImportSummary } from './run.ts'
import { SOURCES } from './sources.ts'

// Provenance to the byte (docs/importers.md): every collector run and every `cpx import` is a source_runs
// row; the payload is kept once under its SHA-256 (source_payloads); each quote a run stores carries
// its run_id. Re-parsing the kept bytes with the run's importer, observed_at, provider and URL gives
// the same quotes (parsers are pure).

export interface RunStart {
  source: string
  importer: string
  trigger: 'schedule' | 'manual' | 'import'
  url: string | null
  provider?: string | null
  /** --git-history: the commit whose version of the file this is */
  gitCommit?: string
}

export interface PayloadIn {
  bytes: Buffer
  observedAt: string
  httpStatus?: number
  attempts?: number
  /**
   * The collector's rules: a payload that yields no quotes, under half the last good run's, or only refused
   * ones fails whole (a schema change); the same bytes again the same day store nothing. `cpx import`
   * stores what it can and reports the rest, as before.
   */
  strict?: boolean
  onProgress?: (done: number, total: number) => void
}

export const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

export async function startRun (db: Kysely<Schema>, r: RunStart): Promise<number> {
  const row = await db.insertInto('source_runs')
    .values({ source: r.source, importer: r.importer, trigger: r.trigger, url: r.url, provider: r.provider ?? null, git_commit: r.gitCommit ?? null, started_at: sql<string>`clock_timestamp()` as unknown as string })
    .returning('id').executeTakeFirstOrThrow()
  return row.id
}

/** Records a failure with its one reason; nothing else of the run is kept. */
export async function failRun (db: Kysely<Schema>, id: number, f: RunFailure, bytes?: Buffer) {
  await db.updateTable('source_runs').set({
    status: 'failed',
    finished_at: sql<string>`clock_timestamp()` as unknown as string,
    error_kind: f.kind,
    error: f.message,
    attempts: f.attempts,
    http_status: f.httpStatus ?? null,
    bytes: bytes?.length ?? null,
    sha256: bytes ? sha256Hex(bytes) : null,
  }).where('id', '=', id).execute()
}

/** The parse of a payload as a run made it; a parser's refusal is a RunFailure (malformed or schema change). */
export function parsePayload (importer: string, bytes: Buffer, opts: { observedAt: string, provider?: string | null, url?: string | null, mappings?: MappingSet }): ImportBatch {
  const source = SOURCES[importer]
  if (!source) throw new RunFailure('schema_change', `no importer named ${importer}`)
  try {
    return source.parse(bytes.toString('utf8'), { observedAt: opts.observedAt, provider: opts.provider ?? undefined, fileName: opts.url ?? undefined, mappings: opts.mappings })
  } catch (err) {
    const e = err as Error
    if (e instanceof SyntaxError) throw new RunFailure('malformed', `malformed ${['skypilot', 'csv', 'gpu-observations'].includes(importer) ? 'CSV' : 'JSON'}: ${e.message}`)
    if (/^(Invalid|Quote|Invalid Record|Invalid Closing)/.test(e.message) || (e as { code?: string }).code?.startsWith('CSV_')) throw new RunFailure('malformed', `malformed CSV: ${e.message}`)
    throw new RunFailure('schema_change', `the payload is not in the ${importer} format: ${e.message}`)
  }
}

const topReasons = (rec: Record<string, number>) => Object.entries(rec).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, n]) => `${k} ${n}`).join(', ')

async function lastGood (db: Kysely<Schema>, source: string) {
  return db.selectFrom('source_runs').select(['id', 'sha256', 'observed_at', 'quotes'])
    .where('source', '=', source).where('status', '=', 'ok').orderBy('id', 'desc').limit(1).executeTakeFirst()
}

/**
 * A payload that parses but yields no quotes, or (collectors) under half the quotes of the source's last
 * good run, has changed its schema (a renamed field, a price turned into "0.000002 USD"): refused whole.
 */
function checkShape (batch: ImportBatch, last: { id: number, quotes: number | null } | undefined) {
  const n = batch.quotes.length + batch.raw.length
  const skipped = topReasons(batch.skipped)
  if (!n) throw new RunFailure('schema_change', `the payload yields no quotes (${batch.rowsRead} rows read${skipped ? '; skipped: ' + skipped : ''}): has the source changed its format?`)
  if (last?.quotes && n < last.quotes / 2) {
    throw new RunFailure('schema_change', `the payload yields ${n} quotes against ${last.quotes} in run ${last.id}${skipped ? ' (skipped: ' + skipped + ')' : ''}: has the source changed its format?`)
  }
}

/**
 * Parses and stores a fetched or read payload under run `id`, in ONE transaction: the payload (once per
 * SHA-256), the quotes (run_id = id), the run's counts. Any failure stores nothing but the failed run.
 * The same bytes as the source's last good run on the same UTC day store nothing new (unchanged).
 */
export async function storePayload (db: Kysely<Schema>, id: number, start: RunStart, p: PayloadIn): Promise<ImportSummary | undefined> {
  const sha = sha256Hex(p.bytes)
  try {
    // the mappings as the database holds them now: a rule changed by PUT /v1/mappings counts from the next run
    const batch = parsePayload(start.importer, p.bytes, { observedAt: p.observedAt, provider: start.provider, url: start.url, mappings: await loadMappings(db) })
    const last = await lastGood(db, start.source)
    if (p.strict) checkShape(batch, last)
    const done = { finished_at: sql<string>`clock_timestamp()` as unknown as string, http_status: p.httpStatus ?? null, attempts: p.attempts ?? 1, bytes: p.bytes.length, sha256: sha, observed_at: p.observedAt, rows_read: batch.rowsRead, skipped: JSON.stringify(batch.skipped), unmapped: JSON.stringify(batch.unmapped) }
    if (p.strict && last?.sha256 === sha && last.observed_at?.slice(0, 10) === p.observedAt.slice(0, 10)) {
      await db.updateTable('source_runs').set({ ...done, status: 'ok', unchanged: true, quotes: 0, accepted: 0, duplicates: 0, observed_at: last.observed_at }).where('id', '=', id).execute()
      return undefined
    }
    return await db.transaction().execute(async (trx) => {
      await trx.insertInto('source_payloads').values({ sha256: sha, bytes: p.bytes, size: p.bytes.length }).onConflict((c) => c.column('sha256').doNothing()).execute()
      const summary = await runImport(trx, batch, { runId: id, chunkSize: 5000, onProgress: p.onProgress })
      const refused = Object.values(summary.invalid).reduce((a, b) => a + b, 0)
      if (p.strict && refused && !summary.accepted && !summary.duplicates) throw new RunFailure('schema_change', `every quote was refused (${topReasons(summary.invalid)})`)
      await trx.updateTable('source_runs').set({ ...done, status: 'ok', quotes: summary.quotes, accepted: summary.accepted, duplicates: summary.duplicates, rejected: JSON.stringify(summary.invalid) })
        .where('id', '=', id).execute()
      return summary
    })
  } catch (err) {
    const f = err instanceof RunFailure ? err : new RunFailure('database', `storing the run failed: ${(err as Error).message}`)
    f.attempts = p.attempts ?? 1
    Object.assign(f, { httpStatus: p.httpStatus })
    await failRun(db, id, f, p.bytes)
    throw f
  }
}

/** A kept payload's bytes, or undefined. */
export async function readPayload (db: Kysely<Schema>, sha256: string): Promise<Buffer | undefined> {
  const row = await db.selectFrom('source_payloads').select('bytes').where('sha256', '=', sha256).executeTakeFirst()
  return row && Buffer.from(row.bytes)
}
