import { sql, type Kysely } from 'kysely'
import { z } from 'zod'
import type { Schema } from '../db/schema.ts'
import { DayText } from './contracts.ts'

// Reads of basket values: computed in SQL (sql/functions/cpx_basket_value.sql) from the stored
// fixings as of a time, never stored. Figures leave SQL rounded to 6 decimals as JSON numbers.

type Db = Kysely<Schema>

const Input = z.object({
  code: z.string(),
  kind: z.enum(['index', 'basket', 'link']).meta({ description: 'link: the basket\'s own value on the day before a chain-linked version' }),
  role: z.enum(['day', 'base']).optional().meta({ description: 'day: the fixing of the day; base: the fixing of the base day (percent mode)' }),
  date: DayText,
  status: z.string(),
  revision: z.number().int().optional(),
  version: z.number().int().nullable().optional(),
  hash: z.string().nullable().optional(),
  value: z.number().nullable().optional(),
})

export const BasketValue = z.object({
  code: z.string(),
  date: DayText,
  version: z.number().int().nullable().meta({ description: 'the basket version in force that day' }),
  mode: z.enum(['percent', 'quantity']).nullable(),
  status: z.string().meta({ description: 'ok when every component is ok; component_failed (see failed); not_defined before the first version' }),
  value: z.number().nullable(),
  unit: z.enum(['points', 'USD']).nullable(),
  failed: z.array(z.string()).meta({ description: 'the components that were not ok (code, or code@base day)' }),
  inputs: z.array(Input).meta({ description: 'the fixings used: code, date, revision, hash' }),
  hash: z.string().nullable().meta({ description: 'sha256 of cpx_basket_canonical_text (docs/methodology.md §B7)' }),
}).meta({ id: 'BasketValue' })
export type BasketValueJson = z.output<typeof BasketValue>

export const BasketMonth = z.object({
  month: z.string(),
  n_days: z.number().int().meta({ description: 'ok days in the month within the range' }),
  n_failed: z.number().int(),
  average: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  base_month: z.string().nullable().meta({ description: 'compare: the base month' }),
  base_average: z.number().nullable(),
  change: z.number().nullable().meta({ description: 'average − base_average' }),
  change_pct: z.number().nullable().meta({ description: '(average / base_average − 1) × 100' }),
}).meta({ id: 'BasketMonth' })
export type BasketMonthJson = z.output<typeof BasketMonth>

export interface BasketRange { code: string, from: string, to: string, asOf: string | null }
const at = (asOf: string | null) => asOf ?? 'infinity'

export async function findBasketValues (db: Db, q: BasketRange): Promise<BasketValueJson[]> {
  const r = await sql<BasketValueJson>`
    select b.code, b.date::text as date, b.version, b.mode, b.status, round(b.value, 6)::float8 as value,
      case b.mode when 'percent' then 'points' when 'quantity' then 'USD' end as unit, b.failed,
      (select coalesce(jsonb_agg(e - 'value' || jsonb_build_object('value', (e->>'value')::numeric::float8)), '[]'::jsonb) from jsonb_array_elements(b.inputs) e) as inputs,
      b.hash
    from generate_series(${q.from}::date, ${q.to}::date, interval '1 day') g, lateral cpx_basket_value(${q.code}, g::date, ${at(q.asOf)}::timestamptz) b
    order by b.date`.execute(db)
  return r.rows
}

export async function findBasketMonths (db: Db, q: BasketRange & { compare?: string }): Promise<BasketMonthJson[]> {
  const compare = q.compare ? `${q.compare}-01` : null
  const r = await sql<BasketMonthJson>`
    select m.month, m.n_days, m.n_failed, round(m.average, 6)::float8 as average, round(m.min, 6)::float8 as min, round(m.max, 6)::float8 as max,
      m.base_month, round(m.base_average, 6)::float8 as base_average, round(m.change, 6)::float8 as change, round(m.change_pct, 6)::float8 as change_pct
    from cpx_basket_months(${q.code}, ${q.from}::date, ${q.to}::date, ${at(q.asOf)}::timestamptz, ${compare}::date) m`.execute(db)
  return r.rows
}
