import { sql, type Kysely } from 'kysely'
import { z } from 'zod'
import type { Schema } from '../db/schema.ts'
import { SOURCES } from '../importers/sources.ts'
import { Rfc3339 } from './contracts.ts'
import { NotFound } from './errors.ts'
import { SLUG } from './quote-input.ts'
import { listQuotes, Quote } from './quote-list.ts'

// Sources (configuration as data) and their runs (provenance): the contracts of /v1/sources… and
// `cpx sources`, and the queries behind them. The collector itself is src/scheduler/collector.ts.

export const SourceName = z.string().regex(SLUG, 'must be a source name: lower-case letters, digits and hyphens, such as skypilot-lambda').meta({ example: 'openrouter' })
const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/

export const SourceBody = z.strictObject({
  importer: z.enum(Object.keys(SOURCES) as [string, ...string[]], { error: `must be one of ${Object.keys(SOURCES).join(', ')}` }),
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000),
  provider: z.string().regex(SLUG, 'must be a provider slug such as lambda').nullish().meta({ description: 'skypilot: the cloud the catalog is for (else read from the URL)' }),
  interval_seconds: z.number().int().min(60, 'must be at least 60').max(2_592_000, 'must be at most 30 days').default(3600),
  enabled: z.boolean().default(true),
  header_env: z.record(z.string().regex(HEADER_NAME, 'must be an HTTP header name'),
    z.string().regex(ENV_NAME, 'must be the NAME of an environment variable (A-Z, 0-9, _), never a secret itself'))
    .default({}).meta({ description: 'header → environment variable NAME; the value is read from the environment at each run and never stored or logged', example: { authorization: 'VAST_AUTHORIZATION' } }),
  timeout_ms: z.number().int().min(100).max(600_000).default(30_000),
  max_bytes: z.number().int().min(1024).max(1024 ** 3).default(64 * 1024 * 1024),
  retries: z.number().int().min(0).max(10).default(2),
  stale_after_seconds: z.number().int().min(60).nullish().meta({ description: 'the stale alarm; null: three intervals' }),
}).meta({ id: 'SourceBody' })
export type SourceInput = z.output<typeof SourceBody>

export const Source = z.object({
  name: z.string(),
  importer: z.string(),
  url: z.string(),
  provider: z.string().nullable(),
  interval_seconds: z.number().int(),
  enabled: z.boolean(),
  header_env: z.record(z.string(), z.string()),
  timeout_ms: z.number().int(),
  max_bytes: z.number().int(),
  retries: z.number().int(),
  stale_after_seconds: z.number().int().meta({ description: 'effective: the configured value, else three intervals' }),
  next_run_at: Rfc3339,
  last_run_at: Rfc3339.nullable(),
  last_success_at: Rfc3339.nullable(),
  last_success_age_seconds: z.number().int().nullable(),
  last_failure: z.object({ at: Rfc3339, kind: z.string(), error: z.string() }).nullable(),
  stale: z.boolean().meta({ description: 'enabled, and no successful run within stale_after_seconds (or never)' }),
  runs: z.number().int(),
  failures: z.number().int(),
  quotes_accepted: z.number().int(),
  created_at: Rfc3339,
  updated_at: Rfc3339,
}).meta({ id: 'Source' })
export type SourceRecord = z.infer<typeof Source>

export const SourceRun = z.object({
  id: z.string().meta({ description: 'decimal string' }),
  source: z.string(),
  importer: z.string(),
  trigger: z.enum(['schedule', 'manual', 'import']),
  url: z.string().nullable().meta({ description: 'the URL fetched, or the file imported' }),
  provider: z.string().nullable(),
  started_at: Rfc3339,
  finished_at: Rfc3339.nullable(),
  status: z.enum(['running', 'ok', 'failed']),
  attempts: z.number().int(),
  http_status: z.number().int().nullable(),
  bytes: z.number().int().nullable(),
  sha256: z.string().nullable().meta({ description: 'SHA-256 of the payload bytes (hex)' }),
  payload_kept: z.boolean().meta({ description: 'the bytes are in the payload store: GET /v1/payloads/{sha256}' }),
  observed_at: Rfc3339.nullable(),
  rows_read: z.number().int().nullable(),
  quotes: z.number().int().nullable(),
  accepted: z.number().int().nullable(),
  duplicates: z.number().int().nullable(),
  rejected: z.record(z.string(), z.number()).meta({ description: 'quotes refused by validation, by reason' }),
  skipped: z.record(z.string(), z.number()),
  unmapped: z.record(z.string(), z.number()),
  unchanged: z.boolean().meta({ description: 'the same bytes as this source\'s last good run that UTC day: nothing new stored' }),
  error_kind: z.enum(['http_status', 'timeout', 'network', 'too_large', 'malformed', 'schema_change', 'config', 'database', 'interrupted']).nullable(),
  error: z.string().nullable(),
  git_commit: z.string().nullable().meta({ description: 'cpx import --git-history: the commit whose version of the file this run read' }),
}).meta({ id: 'SourceRun' })
export type SourceRunRecord = z.infer<typeof SourceRun>

export const RunQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
})
export const RunPosition = z.object({ id: z.string().regex(/^\d{1,19}$/) })

const sourceSelect = sql<SourceRecord>`
  select s.name, s.importer, s.url, s.provider, s.interval_seconds, s.enabled, s.header_env, s.timeout_ms, s.max_bytes, s.retries,
    h.stale_after_seconds, s.next_run_at, h.last_run_at, h.last_success_at,
    extract(epoch from clock_timestamp() - h.last_success_at)::int8 as last_success_age_seconds,
    case when f.started_at is null then null else json_build_object('at', f.started_at, 'kind', f.error_kind, 'error', f.error) end as last_failure,
    h.stale, h.runs, h.failures, h.quotes_accepted, s.created_at, s.updated_at
  from sources s
  join source_health h on h.name = s.name
  left join lateral (select r.started_at, r.error_kind, r.error from source_runs r where r.source = s.name and r.status = 'failed' order by r.id desc limit 1) f on true`

// json_build_object's timestamps are not the driver's: make them RFC 3339 like every other timestamp.
const iso = (t: string) => new Date(t).toISOString()
const tidy = (r: SourceRecord): SourceRecord => ({ ...r, last_failure: r.last_failure && { ...r.last_failure, at: iso(r.last_failure.at) } })

export async function listSources (db: Kysely<Schema>): Promise<SourceRecord[]> {
  const { rows } = await sql<SourceRecord>`${sourceSelect} order by s.name`.execute(db)
  return rows.map(tidy)
}

export async function findSource (db: Kysely<Schema>, name: string): Promise<SourceRecord | undefined> {
  const { rows } = await sql<SourceRecord>`${sourceSelect} where s.name = ${name}`.execute(db)
  return rows[0] && tidy(rows[0])
}

export async function getSource (db: Kysely<Schema>, name: string): Promise<SourceRecord> {
  const s = await findSource(db, name)
  if (!s) throw new NotFound(`No source ${name}`)
  return s
}

/** Creates or replaces a source's configuration; its runs and schedule position are kept. */
export async function upsertSource (db: Kysely<Schema>, name: string, body: SourceInput): Promise<{ created: boolean, source: SourceRecord }> {
  const values = { ...body, provider: body.provider ?? null, stale_after_seconds: body.stale_after_seconds ?? null, header_env: JSON.stringify(body.header_env) }
  const row = await db.insertInto('sources').values({ name, ...values })
    .onConflict((c) => c.column('name').doUpdateSet({ ...values, updated_at: sql<string>`now()` as unknown as string }))
    .returning(sql<boolean>`xmax = 0`.as('created')).executeTakeFirstOrThrow()
  return { created: row.created, source: await getSource(db, name) }
}

export async function setSourceEnabled (db: Kysely<Schema>, name: string, enabled: boolean): Promise<SourceRecord> {
  const r = await db.updateTable('sources').set({ enabled, updated_at: sql<string>`now()` as unknown as string }).where('name', '=', name).executeTakeFirst()
  if (!r.numUpdatedRows) throw new NotFound(`No source ${name}`)
  return getSource(db, name)
}

export async function deleteSource (db: Kysely<Schema>, name: string): Promise<void> {
  const r = await db.deleteFrom('sources').where('name', '=', name).executeTakeFirst()
  if (!r.numDeletedRows) throw new NotFound(`No source ${name}`)
}

export const SourceHealth = z.object({
  sources: z.array(z.string()).meta({ description: 'the configured sources whose runs stored the quotes of this fixing\'s contributors' }),
  all_stale: z.boolean().meta({ description: 'every one of them is stale (GET /v1/sources): the value rests on data no feed has refreshed' }),
}).nullable().meta({ id: 'SourceHealth', description: 'null when no contributing quote came from a configured source (posted quotes, the demo)' })

/** The configured sources behind a fixing's contributors, and whether all of them are stale. */
export async function sourceHealthOfFixing (db: Kysely<Schema>, fixingId: number): Promise<z.infer<typeof SourceHealth>> {
  const { rows } = await sql<{ name: string, stale: boolean }>`
    select h.name, h.stale from source_health h
    where h.name in (select r.source from fixing_constituents c cross join unnest(c.quote_ids) as qid(id)
      join quotes q on q.id = qid.id join source_runs r on r.id = q.run_id
      where c.fixing_id = ${fixingId} and not c.excluded)
    order by h.name`.execute(db)
  return rows.length ? { sources: rows.map((r) => r.name), all_stale: rows.every((r) => r.stale) } : null
}

const runColumns = sql<SourceRunRecord>`r.id::text as id, r.source, r.importer, r.trigger, r.url, r.provider, r.started_at, r.finished_at, r.status,
  r.attempts, r.http_status, r.bytes, r.sha256, exists (select 1 from source_payloads p where p.sha256 = r.sha256) as payload_kept,
  r.observed_at, r.rows_read, r.quotes, r.accepted, r.duplicates, r.rejected, r.skipped, r.unmapped, r.unchanged, r.error_kind, r.error, r.git_commit`

/** A source's runs, newest first; a name with neither a source nor runs is 404. */
export async function listRuns (db: Kysely<Schema>, name: string, limit: number, after?: string): Promise<{ data: SourceRunRecord[], next: { id: string } | null }> {
  const { rows } = await sql<SourceRunRecord>`select ${runColumns} from source_runs r
    where r.source = ${name} and (${after ?? null}::bigint is null or r.id < ${after ?? null}::bigint)
    order by r.id desc limit ${limit + 1}`.execute(db)
  if (!rows.length && !after && !await db.selectFrom('sources').select('name').where('name', '=', name).executeTakeFirst()) throw new NotFound(`No source ${name}`)
  const page = rows.slice(0, limit)
  return { data: page, next: rows.length > limit ? { id: page.at(-1)!.id } : null }
}

export const QuoteWithRun = Quote.extend({ run: SourceRun.nullable() }).meta({ id: 'QuoteWithRun' })

/** GET /v1/quotes/{id}: the quote and the run that stored it (provenance). */
export async function findQuoteWithRun (db: Kysely<Schema>, id: string): Promise<z.infer<typeof QuoteWithRun>> {
  const quote = (await listQuotes(db, { id, limit: 1 })).data[0]
  if (!quote) throw new NotFound(`No quote ${id}`)
  return { ...quote, run: quote.run_id ? await getRun(db, quote.run_id) : null }
}

export async function getRun (db: Kysely<Schema>, id: string): Promise<SourceRunRecord> {
  const { rows } = await sql<SourceRunRecord>`select ${runColumns} from source_runs r where r.id = ${id}::bigint`.execute(db)
  if (!rows[0]) throw new NotFound(`No run ${id}`)
  return rows[0]
}
