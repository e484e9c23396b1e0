import { sql, type Kysely } from 'kysely'
import { z } from 'zod'
import type { Schema } from '../db/schema.ts'
import { DayText, TimestampText } from './contracts.ts'
import { NotFound } from './errors.ts'
import { FixingStatus, Unit } from './fixing-reads.ts'

// Term curves (docs/methodology.md, "Term curves"): a GPU's spot index and its reserved index per
// standard term, read from stored fixings by cpx_curve (sql/functions/cpx_curve.sql).

/** The standard terms in months (§T1); a curve request for another term is a 400. */
export const STANDARD_TERMS = [1, 3, 6, 12, 24, 36] as const

type Db = Kysely<Schema>
const history = (code: string) => `/v1/indices/${encodeURIComponent(code)}/values`

export const CurvePoint = z.object({
  term_months: z.number().int().meta({ description: 'the term in months; 0 is the spot point (the on-demand index)' }),
  index_code: z.string(),
  status: FixingStatus.meta({ description: '`insufficient_data` also when the index has no fixing that day: a point is never interpolated' }),
  value: z.number().nullable().meta({ description: 'the fixing value (USD per GPU-hour); null unless ok' }),
  revision: z.number().int().nullable().meta({ description: 'the revision read (the one current at as_of); null without a fixing' }),
  published_at: TimestampText.nullable(),
  premium: z.string().nullable().meta({ description: 'value / spot − 1 as a decimal string, 6 places, half away from zero; negative is a discount; null unless both ok', example: '-0.045455' }),
  premium_pct: z.string().nullable().meta({ description: 'premium × 100, 4 places', example: '-4.5455' }),
  history: z.string().meta({ description: 'the term index\'s history: this point over time is that index\'s values' }),
}).meta({ id: 'CurvePoint' })

export const Curve = z.object({
  gpu: z.string(),
  date: DayText,
  as_of: TimestampText.nullable().meta({ description: 'the time the curve was read as of; null for the newest revisions' }),
  unit: Unit,
  points: z.array(CurvePoint).meta({ description: 'spot first (term_months 0), then each standard term that has an index, shortest first' }),
}).meta({ id: 'Curve' })

export const CurveSummary = z.object({
  gpu: z.string(),
  spot: z.string().meta({ description: 'the on-demand index: the spot point' }),
  terms: z.array(z.object({ term_months: z.number().int(), index_code: z.string() })),
  curve: z.string().meta({ description: 'the latest curve' }),
}).meta({ id: 'CurveSummary' })
export const CurveList = z.object({ data: z.array(CurveSummary) }).meta({ id: 'CurveList' })

interface Row { term_months: number, index_code: string, status: 'ok' | 'insufficient_data', value: string | null, revision: number | null, published_at: Date | string | null, premium: string | null, premium_pct: string | null }

/** Every GPU with a spot index and at least one standard-term reserved index. */
export async function listCurves (db: Db): Promise<z.output<typeof CurveList>> {
  const { rows } = await sql<{ gpu: string, term_months: number, index_code: string }>`
    select left(r.code, length(r.code) - length('-R' || r.term_months)) as gpu, r.term_months, r.code as index_code
    from index_definitions r
    where r.kind = 'gpu' and r.term_months in (1, 3, 6, 12, 24, 36) and r.code = regexp_replace(r.code, '-R\\d+$', '') || '-R' || r.term_months
      and exists (select 1 from index_definitions s where s.code = left(r.code, length(r.code) - length('-R' || r.term_months)) || '-OD')
    order by 1, 2`.execute(db)
  const curves = new Map<string, z.output<typeof CurveSummary>>()
  for (const r of rows) {
    const c = curves.get(r.gpu) ?? { gpu: r.gpu, spot: `${r.gpu}-OD`, terms: [], curve: `/v1/curves/${encodeURIComponent(r.gpu)}` }
    c.terms.push({ term_months: r.term_months, index_code: r.index_code })
    curves.set(r.gpu, c)
  }
  return { data: [...curves.values()] }
}

/** The curve of `gpu` on `date` (default: the spot index's latest fixed day), as published at `asOf`. */
export async function readCurve (db: Db, gpu: string, date: string | undefined, asOf: string | undefined, terms?: number[]): Promise<z.output<typeof Curve>> {
  const known = (await listCurves(db)).data.find((c) => c.gpu === gpu)
  if (!known) throw new NotFound(`No term curve ${gpu}`)
  const day = date ?? (await sql<{ d: string | null }>`
    select max(date)::text as d from fixings where index_code = ${known.spot} and published_at <= ${asOf ?? 'infinity'}::timestamptz`.execute(db)).rows[0]?.d
  if (!day) throw new NotFound(`No fixing of ${known.spot}${asOf ? ` as of ${asOf}` : ''}`)
  const { rows } = await sql<Row>`select * from cpx_curve(${gpu}, ${day}::date, ${asOf ?? 'infinity'}::timestamptz)`.execute(db)
  const points = rows.filter((r) => r.term_months === 0 || !terms || terms.includes(r.term_months)).map((r) => ({
    term_months: r.term_months,
    index_code: r.index_code,
    status: r.status,
    value: r.value === null ? null : Number(r.value),
    revision: r.revision,
    published_at: r.published_at === null ? null : new Date(r.published_at).toISOString(),
    premium: r.premium,
    premium_pct: r.premium_pct,
    history: history(r.index_code),
  }))
  return { gpu, date: day, as_of: asOf ?? null, unit: 'USD/GPU-hour', points }
}
