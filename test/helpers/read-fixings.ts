import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import type { Database } from '../../src/db/connect.ts'

// Fixing revisions written straight into the tables, for read tests that need exact publication
// times (as_of) or many days (pagination). End-to-end tests go through quotes and computeFixings.

export interface FixingRow {
  code: string
  date: string
  revision?: number
  value: string | null
  published_at: string
  reason?: string
  constituents?: { provider: string, product: string, value: string, segments: Record<string, string>, quote_ids: number[], excluded?: boolean, reason?: string | null }[]
}

export async function insertFixings (database: Database, rows: FixingRow[]): Promise<void> {
  for (const r of rows) {
    const hash = 'sha256:' + createHash('sha256').update(JSON.stringify(r)).digest('hex')
    const status = r.value === null ? 'insufficient_data' : 'ok'
    const ins = await sql<{ id: number }>`insert into fixings (index_code, date, revision, status, value, level, window_days, n_providers, n_contributors,
      n_quotes, n_excluded, min, p25, p75, max, hhi, max_provider_impact, methodology_version, reason, hash, published_at)
      values (${r.code}, ${r.date}, ${r.revision ?? 1}, ${status}, ${r.value}, null, 1, 4, 4, 5, 0, ${r.value}, ${r.value}, ${r.value}, ${r.value},
      0.25, ${r.value === null ? null : '0.045'}, 1, ${r.reason ?? 'initial'}, ${hash}, ${r.published_at}) returning id`.execute(database.db)
    const id = ins.rows[0]!.id
    for (const c of r.constituents ?? []) {
      await sql`insert into fixing_constituents (fixing_id, provider, product, value, segments, n_quotes, quote_ids, excluded, reason)
        values (${id}, ${c.provider}, ${c.product}, ${c.value}, ${JSON.stringify(c.segments)}::jsonb, ${c.quote_ids.length},
        ${sql.raw(`array[${c.quote_ids.join(',')}]::bigint[]`)}, ${c.excluded ?? false}, ${c.reason ?? null})`.execute(database.db)
    }
    await sql`select pg_notify('cpx_fixings', ${JSON.stringify({ code: r.code, date: r.date, revision: r.revision ?? 1 })})`.execute(database.db)
  }
}

/** `n` consecutive days from `start` (YYYY-MM-DD). */
export function days (start: string, n: number): string[] {
  const t = Date.parse(start + 'T00:00:00Z')
  return Array.from({ length: n }, (_, i) => new Date(t + i * 86_400_000).toISOString().slice(0, 10))
}
