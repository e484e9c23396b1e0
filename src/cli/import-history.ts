import { loadConfig } from '../config.ts'
import { connect } from '../db/connect.ts'
import { migrate } from '../db/migrate.ts'
import { parseDate } from '../domain/calendar.ts'
import { RunFailure } from '../importers/fetch-payload.ts'
import { fileAt, fileVersions, HISTORY_PATHS } from '../importers/git-history.ts'
import { startRun, storePayload } from '../importers/provenance.ts'

export interface HistoryOptions { clone: string, path?: string, since?: string, provider?: string, json?: boolean, folder?: boolean }

interface VersionResult { commit: string, committed_at: string, run_id?: number, status: 'ok' | 'failed' | 'imported_before' | 'deleted', accepted?: number, duplicates?: number, error?: string }

/**
 * `cpx import <source> --git-history CLONE [--path FILE] [--since D]`: one run per commit of the file
 * (or of a folder source's folder, llm-prices' data/: every *.json in it at that commit, one payload),
 * its quotes observed at the commit's time (dated prices keep their own dates), the commit id on the
 * run. A commit already imported (an ok run of this importer with that commit) is skipped: re-running
 * imports only what is new. Exit 0, or 1 when every new commit failed.
 */
export async function importHistory (name: string, o: HistoryOptions): Promise<number> {
  const path = o.path ?? HISTORY_PATHS[name]
  if (!path) { process.stderr.write(`cpx import ${name} --git-history: give --path FILE (the file's path in the repository)\n`); return 1 }
  if (o.since && !parseDate(o.since).ok) { process.stderr.write('cpx import: --since must be a date YYYY-MM-DD\n'); return 1 }
  const versions = fileVersions(o.clone, path, o.since)
  if (!versions.length) { process.stderr.write(`cpx import ${name}: no commit of ${path} in ${o.clone}${o.since ? ` since ${o.since}` : ''}\n`); return 1 }
  const database = await connect(loadConfig())
  const results: VersionResult[] = []
  try {
    await migrate(database)
    const { db } = database
    const done = new Set((await db.selectFrom('source_runs').select('git_commit').where('importer', '=', name).where('status', '=', 'ok')
      .where('git_commit', 'in', versions.map((v) => v.commit)).execute()).map((r) => r.git_commit))
    for (const v of versions) {
      const base = { commit: v.commit, committed_at: v.committedAt }
      if (done.has(v.commit)) { results.push({ ...base, status: 'imported_before' }); continue }
      const bytes = fileAt(o.clone, v.commit, path, o.folder)
      if (!bytes) { results.push({ ...base, status: 'deleted' }); continue }
      const start = { source: name, importer: name, trigger: 'import' as const, url: path, provider: o.provider, gitCommit: v.commit }
      const id = await startRun(db, start)
      try {
        const s = (await storePayload(db, id, start, { bytes, observedAt: v.committedAt }))!
        results.push({ ...base, run_id: id, status: 'ok', accepted: s.accepted, duplicates: s.duplicates })
      } catch (err) {
        if (!(err instanceof RunFailure)) throw err
        results.push({ ...base, run_id: id, status: 'failed', error: `${err.kind}: ${err.message}` })
      }
      if (!o.json) process.stdout.write(line(results.at(-1)!) + '\n')
    }
  } finally { await database.close() }
  const count = (s: VersionResult['status']) => results.filter((r) => r.status === s).length
  if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n')
  else process.stdout.write(`${name} history of ${path}: ${results.length} commits, ${count('ok')} imported, ${count('imported_before')} imported before, ${count('failed')} failed, ${count('deleted')} without the file\n`)
  return count('failed') && !count('ok') ? 1 : 0
}

const line = (r: VersionResult) => `${r.commit.slice(0, 12)} ${r.committed_at} ` +
  (r.status === 'ok' ? `run ${r.run_id}: ${r.accepted} accepted, ${r.duplicates} duplicates` : r.status === 'failed' ? `run ${r.run_id} failed: ${r.error}` : r.status)
