// Compute: the engine (POST /v1/indices/compute) beside the least a database must do for the same
// days: one GROUP BY that applies every definition's filters and takes percentile_cont(0.5) of the
// eligible quotes per (index, day). No contributors, blends, outliers, windows, revisions or hashes:
// everything the engine does beyond this is the methodology's cost.
import type { RawSql } from './ingest.ts'

export interface Timed { ms: number, detail?: string }

export async function computeThroughApi (url: string, key: string, from: string, to: string): Promise<Timed> {
  const t0 = performance.now()
  const res = await fetch(`${url}/v1/indices/compute`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ from, to }),
  }).catch((err: Error & { cause?: { code?: string, message?: string } }) => {
    const s = ((performance.now() - t0) / 1000).toFixed(1)
    throw new Error(`the connection failed after ${s} s (${err.cause?.code ?? ''} ${err.cause?.message ?? err.message})`)
  })
  const text = await res.text()
  const ms = performance.now() - t0
  if (res.status >= 300) throw new Error(`POST /v1/indices/compute answered ${res.status}: ${text.slice(0, 500)}`)
  return { ms, detail: summarize(text) }
}

function summarize (text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>
    const counts = Object.entries(body).filter(([, v]) => typeof v === 'number' || Array.isArray(v))
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.length : v}`)
    return counts.join(' ')
  } catch {
    return ''
  }
}

const has = (field: string, value: string) =>
  `(jsonb_typeof(d.filter->'${field}') is distinct from 'array' or d.filter->'${field}' ? ${value})`

export const BARE_GROUP_BY = `
  select d.code, q.observed_day, percentile_cont(0.5) within group (order by q.usd_price) as value, count(*) as n
  from quotes q
  join products p on p.code = q.product
  join providers v on v.slug = q.provider
  join index_definitions d on d.kind = p.kind and d.segments ? q.segment
  where q.observed_day between $1::date and $2::date
    and ${has('families', 'p.family')} and ${has('variants', 'p.variant')} and ${has('tiers', 'p.tier')}
    and ${has('products', 'p.code')} and ${has('provider_kinds', 'v.kind')} and ${has('regions', 'q.region')}
    and (jsonb_typeof(d.filter->'open_weights') is distinct from 'boolean' or (d.filter->>'open_weights')::boolean = p.open_weights)
    and (p.kind = 'gpu' or coalesce(q.service_tier, 'standard') = coalesce(d.filter->>'service_tier', 'standard'))
    and (d.term_months is null or q.term_months = d.term_months)
  group by d.code, q.observed_day`

export async function bareGroupBy (raw: RawSql, from: string, to: string): Promise<Timed & { rows: number }> {
  const t0 = performance.now()
  const rows = await raw.query(BARE_GROUP_BY, [from, to])
  return { ms: performance.now() - t0, rows: rows.length }
}
