// Ingest: the same rows three ways, in 10,000-row batches, one transaction per batch:
// POST /v1/quotes (validation, lookups, FX, normalization, duplicate detection), a bare multi-row
// INSERT … SELECT FROM unnest(…) that still computes the FX rate and usd_price in SQL, and COPY of
// rows whose FX rate and usd_price were computed beforehand (untimed): the floor of loading.
import type { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import copyStreams from 'pg-copy-streams'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import type { QuoteRow } from './seed.ts'

export const BATCH = 10_000

export interface IngestResult { rows: number, seconds: number, rowsPerSec: number }

/** A raw connection, no Kysely, no pool: pg.Client on a server, the PGlite instance when embedded. */
export interface RawSql {
  query: (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>
  copyIn: (statement: string, text: string) => Promise<void>
  close: () => Promise<void>
}

export async function pgRaw (url: string): Promise<RawSql> {
  const client = new pg.Client({ connectionString: url, options: '-c TimeZone=UTC' })
  await client.connect()
  return {
    query: async (text, params) => (await client.query(text, params)).rows,
    copyIn: async (statement, text) => { await pipeline(Readable.from([text]), client.query(copyStreams.from(statement))) },
    close: () => client.end(),
  }
}

export function pgliteRaw (pglite: PGlite): RawSql {
  return {
    query: async (text, params) => (await pglite.query<Record<string, unknown>>(text, params)).rows,
    copyIn: async (statement, text) => { await pglite.query(statement.replace('from stdin', "from '/dev/blob'"), [], { blob: new Blob([text]) }) },
    close: async () => {},
  }
}

function batches<T> (rows: T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < rows.length; i += BATCH) out.push(rows.slice(i, i + BATCH))
  return out
}

const result = (rows: number, ms: number): IngestResult => ({ rows, seconds: ms / 1000, rowsPerSec: rows / (ms / 1000) })

export async function ingestThroughApi (url: string, key: string, rows: QuoteRow[]): Promise<IngestResult> {
  const bodies = batches(rows).map((b) => JSON.stringify({ quotes: b }))
  let accepted = 0
  const t0 = performance.now()
  for (const body of bodies) {
    const res = await fetch(`${url}/v1/quotes`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body })
    const answer = await res.text()
    if (res.status !== 200 && res.status !== 201) throw new Error(`POST /v1/quotes answered ${res.status}: ${answer.slice(0, 500)}`)
    accepted += (JSON.parse(answer) as { accepted: number }).accepted
  }
  const ms = performance.now() - t0
  // Duplicates are skipped cheaply: a rate over skipped rows would flatter the service.
  if (accepted !== rows.length) throw new Error(`POST /v1/quotes stored ${accepted} of ${rows.length} new rows`)
  return result(rows.length, ms)
}

const columns = (b: QuoteRow[]) => [
  b.map((r) => r.provider), b.map((r) => r.product), b.map((r) => r.segment), b.map((r) => r.term_months ?? null),
  b.map((r) => r.service_tier ?? null), b.map((r) => r.region ?? null), b.map((r) => r.price), b.map((r) => r.currency),
  b.map((r) => r.unit), b.map((r) => r.gpus_per_instance ?? null), b.map((r) => r.observed_at), b.map((r) => r.source),
]
const UNNEST = `unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::numeric[], $8::text[],
  $9::text[], $10::int[], $11::timestamptz[], $12::text[])
  as r(provider, product, segment, term_months, service_tier, region, price, currency, unit, gpus, observed_at, source)`

export async function ingestBareInsert (raw: RawSql, rows: QuoteRow[]): Promise<IngestResult> {
  const t0 = performance.now()
  for (const b of batches(rows)) {
    await raw.query(`insert into quotes (provider, product, segment, term_months, service_tier, region, price, currency, unit,
        gpus_per_instance, fx_usd_per_unit, usd_price, observed_at, observed_day, source)
      with r as (select *, (observed_at at time zone 'UTC')::date as day from ${UNNEST}),
        -- one FX lookup per currency and day, as POST /v1/quotes does: the baseline is not handicapped
        f as (select currency, day, cpx_fx_rate(currency, day) as fx from (select distinct currency, day from r) cd)
      select provider, product, segment, term_months, service_tier, region, price, currency, unit, gpus,
        fx, cpx_normalize_price(price, fx, unit, gpus), observed_at, day, source
      from r join f using (currency, day)
      on conflict do nothing`, columns(b))
  }
  return result(rows.length, performance.now() - t0)
}

const COPY_COLUMNS = 'provider, product, segment, term_months, service_tier, region, price, currency, unit, gpus_per_instance, fx_usd_per_unit, usd_price, observed_at, observed_day, source'

export async function ingestCopy (raw: RawSql, rows: QuoteRow[]): Promise<IngestResult> {
  // Untimed: COPY takes finished rows, so FX and usd_price are computed first.
  const texts: string[] = []
  for (const b of batches(rows)) {
    const done = await raw.query(`select provider, product, segment, term_months, service_tier, region, price::text, currency, unit, gpus,
        fx::text, cpx_normalize_price(price, fx, unit, gpus)::text as usd, observed_at::text,
        (observed_at at time zone 'UTC')::date::text as day, source
      from ${UNNEST}
      cross join lateral (select cpx_fx_rate(currency, (observed_at at time zone 'UTC')::date) as fx) f`, columns(b))
    const cell = (v: unknown) => v === null || v === undefined ? '\\N' : String(v)
    texts.push(done.map((r) => [r.provider, r.product, r.segment, r.term_months, r.service_tier, r.region, r.price, r.currency,
      r.unit, r.gpus, r.fx, r.usd, r.observed_at, r.day, r.source].map(cell).join('\t')).join('\n') + '\n')
  }
  const t0 = performance.now()
  for (const text of texts) await raw.copyIn(`copy quotes (${COPY_COLUMNS}) from stdin`, text)
  return result(rows.length, performance.now() - t0)
}
