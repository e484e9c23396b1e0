import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { stringify } from 'csv-stringify/sync'
import type { Kysely } from 'kysely'
import { loadConfig } from '../config.ts'
import { connect } from '../db/connect.ts'
import { migrate } from '../db/migrate.ts'
import type { Schema } from '../db/schema.ts'
import type { FieldError } from '../domain/errors.ts'
import { detectFormat, parseQuoteFile, type QuoteFormat } from '../domain/quote-files.ts'
import { ingestQuotes, MAX_QUOTES_PER_REQUEST } from '../domain/quotes.ts'

// `cpx quotes load FILE`: a file of any size, in batches of 10,000 (one statement each). Unlike
// POST /v1/quotes a bad row does not stop the load: good rows are stored, bad rows are written,
// with their reasons in an `_error` field, to a file of the same format that can be fixed and
// loaded again (the loader ignores `_error`; rows already stored come back as duplicates).

const REASON = '_error'

export interface LoadSummary {
  read: number
  accepted: number
  duplicates: number
  rejected: number
  errors: FieldError[]
  rejects_file: string | null
}

export interface LoadOptions {
  format?: QuoteFormat
  rejectsFile?: string
  batchSize?: number
  onProgress?: (done: number, total: number) => void
}

/** rows.csv → rows.rejected.csv */
export function rejectsPath (file: string): string {
  return /\.[^./]+$/.test(file) ? file.replace(/(\.[^./]+)$/, '.rejected$1') : file + '.rejected'
}

/** Lines that are not JSON become rejected rows (kept as text) rather than failing the whole file. */
function readRows (format: QuoteFormat, text: string): { rows: unknown[], unreadable: Map<number, string> } {
  const unreadable = new Map<number, string>()
  if (format !== 'ndjson') return { rows: parseQuoteFile(format, text, [REASON]), unreadable }
  const rows: unknown[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    try { rows.push(JSON.parse(line)) } catch { unreadable.set(rows.length, line); rows.push(line) }
  }
  return { rows, unreadable }
}

function writeRejects (path: string, format: QuoteFormat, rows: unknown[]): void {
  if (format === 'csv') {
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r as object)).filter((k) => k !== REASON)), REASON]
    writeFileSync(path, stringify(rows as Array<Record<string, unknown>>, { header: true, columns }))
  } else if (format === 'ndjson') {
    writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
  } else {
    writeFileSync(path, JSON.stringify({ quotes: rows }, null, 2) + '\n')
  }
}

export async function loadQuotesFile (db: Kysely<Schema>, file: string, opts: LoadOptions = {}): Promise<LoadSummary> {
  const text = readFileSync(file, 'utf8')
  const format = opts.format ?? detectFormat(file, text)
  const { rows, unreadable } = readRows(format, text)
  const size = opts.batchSize ?? MAX_QUOTES_PER_REQUEST
  const summary: LoadSummary = { read: rows.length, accepted: 0, duplicates: 0, rejected: 0, errors: [], rejects_file: null }
  const reasons = new Map<number, string[]>()
  for (let start = 0; start < rows.length; start += size) {
    const batch = rows.slice(start, start + size).map((r) => {
      if (r === null || typeof r !== 'object' || Array.isArray(r)) return r
      const { [REASON]: _, ...rest } = r as Record<string, unknown>
      return rest
    })
    const r = await ingestQuotes(db, batch, { partial: true, prefix: 'row' })
    summary.accepted += r.accepted
    summary.duplicates += r.duplicates
    for (const e of r.errors) {
      const index = e.index! + start
      const field = e.path.split('/').slice(2).join('/')
      const reason = unreadable.has(index) ? 'the line is not JSON' : e.reason
      summary.errors.push({ index, path: `row/${index}${field ? '/' + field : ''}`, reason })
      reasons.set(index, [...(reasons.get(index) ?? []), field ? `${field}: ${reason}` : reason])
    }
    opts.onProgress?.(Math.min(start + size, rows.length), rows.length)
  }
  summary.rejected = reasons.size
  if (reasons.size) {
    summary.rejects_file = opts.rejectsFile ?? rejectsPath(file)
    const rejected = [...reasons].sort(([a], [b]) => a - b).map(([i, why]) => {
      const row = rows[i]
      const base = row !== null && typeof row === 'object' && !Array.isArray(row) ? row as Record<string, unknown> : { [REASON + '_row']: row }
      return { ...base, [REASON]: why.join('; ') }
    })
    writeRejects(summary.rejects_file, format, rejected)
  }
  return summary
}

function report (s: LoadSummary): string {
  const lines = [`read ${s.read}, accepted ${s.accepted}, duplicates ${s.duplicates}, rejected ${s.rejected}`]
  if (s.rejected) {
    const byReason = new Map<string, number>()
    for (const e of s.errors) {
      const key = `${e.path.split('/').slice(2).join('/') || 'row'}: ${e.reason}`
      byReason.set(key, (byReason.get(key) ?? 0) + 1)
    }
    lines.push('rejected rows by reason:')
    for (const [k, n] of [...byReason].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${String(n).padStart(7)}  ${k}`)
    lines.push(`rejected rows (with the reasons in ${REASON}) written to ${s.rejects_file}: fix them and load that file again`)
  }
  return lines.join('\n') + '\n'
}

export async function quotesCommand (args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args, allowPositionals: true, options: { format: { type: 'string' }, rejects: { type: 'string' }, json: { type: 'boolean' } },
  })
  const [sub, file] = positionals
  if (sub !== 'load' || !file) { process.stderr.write('usage: cpx quotes load FILE [--format json|ndjson|csv] [--rejects FILE] [--json]\n'); return 1 }
  if (values.format && !['json', 'ndjson', 'csv'].includes(values.format)) { process.stderr.write('--format must be json, ndjson or csv\n'); return 1 }
  const database = await connect(loadConfig())
  const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ stream: process.stderr, format: 'loading {bar} {value}/{total} rows' }, cliProgress.Presets.shades_classic) : undefined
  let started = false
  try {
    await migrate(database)
    const summary = await loadQuotesFile(database.db, file, {
      format: values.format as QuoteFormat | undefined,
      rejectsFile: values.rejects,
      onProgress: (done, total) => {
        if (!bar) return
        if (!started) { bar.start(total, 0); started = true }
        bar.update(done)
      },
    })
    if (started) bar?.stop()
    process.stdout.write(values.json ? JSON.stringify({ ...summary, errors: summary.errors.slice(0, 1000) }) + '\n' : report(summary))
    return summary.rejected ? 2 : 0
  } finally {
    if (started) bar?.stop()
    await database.close()
  }
}
