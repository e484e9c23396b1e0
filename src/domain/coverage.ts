import { sql, type Kysely } from 'kysely'
import type { Schema } from '../db/schema.ts'

// Coverage of each index over a range of days (issue #18, "Default indices fed by real data"): how many
// days have a published fixing, how many are ok, and which constituents feed the ok days — read from the
// stored fixings (the newest revision of each day) and their constituents, so it reports what was published.

export interface IndexCoverage {
  code: string
  methodology_version: number
  days: number
  ok: number
  insufficient: number
  first_ok: string | null
  last_ok: string | null
  providers: number
  products: number
  /** the products counted on the most ok days (non-excluded constituents), most first, at most 5 */
  top_products: { product: string, days: number }[]
}

export async function indexCoverage (db: Kysely<Schema>, q: { from?: string, to?: string, codes?: string[] } = {}): Promise<IndexCoverage[]> {
  const from = q.from ?? null
  const to = q.to ?? null
  const codes = q.codes?.length ? q.codes : null
  const { rows } = await sql<IndexCoverage>`
    with latest as (
      select distinct on (f.index_code, f.date) f.id, f.index_code, f.date, f.status
      from fixings f
      where (${from}::date is null or f.date >= ${from}::date) and (${to}::date is null or f.date <= ${to}::date)
      order by f.index_code, f.date, f.revision desc
    ), fed as (
      select l.index_code, c.provider, c.product, l.date
      from latest l join fixing_constituents c on c.fixing_id = l.id
      where l.status = 'ok' and not c.excluded
    )
    select d.code, d.methodology_version,
      count(l.id)::int as days,
      count(l.id) filter (where l.status = 'ok')::int as ok,
      count(l.id) filter (where l.status = 'insufficient_data')::int as insufficient,
      (min(l.date) filter (where l.status = 'ok'))::text as first_ok,
      (max(l.date) filter (where l.status = 'ok'))::text as last_ok,
      (select count(distinct provider) from fed where fed.index_code = d.code)::int as providers,
      (select count(distinct product) from fed where fed.index_code = d.code)::int as products,
      coalesce((select jsonb_agg(jsonb_build_object('product', t.product, 'days', t.days) order by t.days desc, t.product)
        from (select product, count(distinct date)::int as days from fed where fed.index_code = d.code
              group by product order by days desc, product limit 5) t), '[]'::jsonb) as top_products
    from index_definitions d left join latest l on l.index_code = d.code
    where (${codes}::text[] is null or d.code = any(${codes}::text[]))
    group by d.code, d.methodology_version
    order by d.code`.execute(db)
  return rows
}
