import type { Kysely } from 'kysely'
import type { Schema } from '../db/schema.ts'
import { upsertProduct, upsertProvider } from '../domain/catalog.ts'
import { checkQuoteShapes, ingestQuotes } from '../domain/quotes.ts'
import type { ImportBatch } from './batch.ts'
import type { ProductSpec, ProviderSpec } from './mappings.ts'

export interface ImportSummary {
  source: string
  dry_run: boolean
  rows_read: number
  /** quotes the file yielded after mapping and skipping */
  quotes: number
  accepted: number
  duplicates: number
  /** quotes the validation of POST /v1/quotes refused, by reason */
  invalid: Record<string, number>
  skipped: Record<string, number>
  /** source names the mapping table does not know, with how many rows carried each */
  unmapped: Record<string, number>
  created_providers: string[]
  created_products: string[]
}

export interface RunOptions {
  dryRun?: boolean
  /** rows per ingest call: each call is one transaction */
  chunkSize?: number
  onProgress?: (done: number, total: number) => void
  /** the source run (source_runs.id) the new quotes are kept under */
  runId?: number
}

const productBody = (p: ProductSpec) => p.kind === 'gpu'
  ? { kind: p.kind, name: p.name, family: p.family, variant: p.variant }
  : { kind: p.kind, name: p.name, family: p.family, tier: p.tier, open_weights: p.open_weights }

/**
 * Registers the providers and products that do not exist yet (all of them unless dryRun is set).
 * Existing ones are left as they are: an administrator's edits win over a source's names.
 */
export async function createMissing (db: Kysely<Schema>, providers: ProviderSpec[], products: ProductSpec[], dryRun = false) {
  const slugs = providers.map((p) => p.slug)
  const codes = products.map((p) => p.code)
  const haveProviders = new Set(slugs.length ? (await db.selectFrom('providers').select('slug').where('slug', 'in', slugs).execute()).map((r) => r.slug) : [])
  const haveProducts = new Set(codes.length ? (await db.selectFrom('products').select('code').where('code', 'in', codes).execute()).map((r) => r.code) : [])
  const newProviders = providers.filter((p) => !haveProviders.has(p.slug))
  const newProducts = products.filter((p) => !haveProducts.has(p.code))
  if (!dryRun) {
    for (const p of newProviders) await upsertProvider(db, p.slug, { name: p.name, kind: p.kind, website: p.website })
    for (const p of newProducts) await upsertProduct(db, p.code, productBody(p))
  }
  return { providers: newProviders.map((p) => p.slug), products: newProducts.map((p) => p.code) }
}

/**
 * The exit code of `cpx import`: 2 when rows were refused and none was stored (a dry run: none would
 * be), as `cpx quotes load` exits 2 on refused rows; 0 otherwise. A file that is all duplicates is
 * stored already, so it exits 0.
 */
export function importExitCode (s: ImportSummary): 0 | 2 {
  const refused = Object.values(s.invalid).reduce((a, b) => a + b, 0)
  if (!refused) return 0
  const stored = s.dry_run ? s.quotes - refused : s.accepted + s.duplicates
  return stored > 0 ? 0 : 2
}

/** Why a row was refused, without its index: `quotes/12/currency: no FX rate…` → `currency: no FX rate…`. */
const reasonOf = (e: { path: string, reason: string }) => `${e.path.split('/').slice(2).join('/') || 'row'}: ${e.reason}`

/**
 * Stores a parsed batch through the same validation and idempotency as POST /v1/quotes
 * (ingestQuotes): valid rows are stored, identical stored quotes count as duplicates, refused rows
 * are counted by reason. A dry run checks shapes and reports what would be created, storing nothing.
 */
export async function runImport (db: Kysely<Schema>, batch: ImportBatch, opts: RunOptions = {}): Promise<ImportSummary> {
  const dryRun = opts.dryRun ?? false
  const rows: unknown[] = batch.raw.length ? batch.raw : batch.quotes
  const created = await createMissing(db, [...batch.providers.values()], [...batch.products.values()], dryRun)
  const summary: ImportSummary = {
    source: batch.source,
    dry_run: dryRun,
    rows_read: batch.rowsRead,
    quotes: rows.length,
    accepted: 0,
    duplicates: 0,
    invalid: {},
    skipped: { ...batch.skipped },
    unmapped: { ...batch.unmapped },
    created_providers: created.providers,
    created_products: created.products,
  }
  const count = (errors: Array<{ path: string, reason: string, index?: number }>) => {
    const seen = new Set<number>()
    for (const e of errors) {
      if (seen.has(e.index ?? -1)) continue // one reason per refused row
      seen.add(e.index ?? -1)
      summary.invalid[reasonOf(e)] = (summary.invalid[reasonOf(e)] ?? 0) + 1
    }
  }
  if (dryRun) {
    count(checkQuoteShapes(rows).errors)
    return summary
  }
  const size = opts.chunkSize ?? 2000
  for (let i = 0; i < rows.length; i += size) {
    const r = await ingestQuotes(db, rows.slice(i, i + size), { partial: true, runId: opts.runId })
    summary.accepted += r.accepted
    summary.duplicates += r.duplicates
    count(r.errors)
    opts.onProgress?.(Math.min(i + size, rows.length), rows.length)
  }
  return summary
}
