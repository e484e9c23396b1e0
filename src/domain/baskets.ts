import { sql, type Kysely } from 'kysely'
import { z } from 'zod'
import type { Schema } from '../db/schema.ts'
import { DayText, IsoDate, TimestampText } from './contracts.ts'
import { Unprocessable, withErrors, type FieldError } from './errors.ts'

// Basket definitions (docs/methodology.md "Baskets"): every PUT stores a new version; nothing is changed
// in place. Checks that need the catalog or other baskets (unknown components, units, cycles, weights
// summing to 100) are 422s naming the field, checked before anything is written.

type Db = Kysely<Schema>

export const BasketCode = z.string().regex(/^[A-Z0-9][A-Z0-9-]{1,47}$/, 'must match ^[A-Z0-9][A-Z0-9-]{1,47}$').meta({ example: 'AI-BUDGET' })
/** An exact positive decimal, as text or a JSON number: stored as numeric, never a JS float in arithmetic. */
const Amount = z.union([z.string(), z.number()]).transform(String)
  .pipe(z.string().regex(/^\d{1,12}(\.\d{1,12})?$/, 'must be a decimal number').refine((s) => /[1-9]/.test(s), 'must be positive'))
  .meta({ description: 'an exact positive decimal (text or number)', example: '60' })

const Component = z.strictObject({
  code: z.string().min(1).max(48).meta({ description: 'an index code or another basket code', example: 'H100-SXM-OD' }),
  weight: Amount.optional().meta({ description: 'percent mode: the weight in percent; the weights sum to 100' }),
  quantity: Amount.optional().meta({ description: 'quantity mode: how many units of the component' }),
  unit: z.enum(['GPU-hour', '1M tokens', 'basket']).optional().meta({ description: 'quantity mode: what the quantity counts; must match the component index\'s unit' }),
})

export const BasketBody = z.strictObject({
  name: z.string().min(1).max(200),
  mode: z.enum(['percent', 'quantity']),
  effective_from: IsoDate.meta({ description: 'the first day this version is in force', example: '2026-10-01' }),
  base_value: Amount.optional().meta({ description: 'percent mode, first version only: the value on base_date (default 100)' }),
  base_date: IsoDate.optional().meta({ description: 'percent mode, first version only: the base day (default effective_from)' }),
  reason: z.string().min(1).max(500).meta({ description: 'why this version', example: 'initial definition' }),
  changed_by: z.string().min(1).max(100).optional().meta({ description: 'who made the change (default: the key\'s scope)' }),
  components: z.array(Component).min(1).max(50),
}).meta({ id: 'BasketBody' })
export type BasketInput = z.output<typeof BasketBody>

export const BasketVersion = z.object({
  version: z.number().int(),
  effective_from: DayText,
  mode: z.enum(['percent', 'quantity']),
  base_value: z.string().nullable().meta({ description: 'null on a chain-linked version (methodology §B3)' }),
  base_date: DayText.nullable(),
  changed_by: z.string(),
  changed_at: TimestampText,
  reason: z.string(),
  components: z.array(z.object({ code: z.string(), kind: z.enum(['index', 'basket']), amount: z.string(), unit: z.string().nullable() })),
}).meta({ id: 'BasketVersion' })

export const Basket = z.object({
  code: z.string(),
  name: z.string(),
  unit: z.enum(['points', 'USD']).meta({ description: 'points (percent mode) or USD (quantity mode), of the latest version' }),
  versions: z.array(BasketVersion),
}).meta({ id: 'Basket' })
export type BasketJson = z.output<typeof Basket>

const QUANTITY_UNIT = { gpu: 'GPU-hour', model: '1M tokens' } as const

interface Known { code: string, kind: 'index' | 'basket', unit: string }

/** What each component code is: an index (its quantity unit) or a basket (unit basket, quantity ones only). */
async function knownComponents (db: Db, codes: string[]): Promise<Map<string, Known & { mode?: string }>> {
  const rows = await sql<Known & { mode: string | null }>`
    select code, 'index' as kind, case when kind = 'gpu' then ${QUANTITY_UNIT.gpu} else ${QUANTITY_UNIT.model} end as unit, null as mode
    from index_definitions where code = any(${codes})
    union all
    select b.code, 'basket', 'basket', (select v.mode from basket_versions v where v.code = b.code order by v.version desc limit 1)
    from baskets b where b.code = any(${codes})`.execute(db)
  return new Map(rows.rows.map((r) => [r.code, { ...r, mode: r.mode ?? undefined }]))
}

/** Baskets reachable from `codes` through any version's components: a cycle if `code` is among them. */
async function reaches (db: Db, codes: string[], code: string): Promise<boolean> {
  const r = await sql<{ hit: boolean }>`
    with recursive reach(c) as (
      select unnest(${codes}::text[])
      union
      select bc.component from basket_components bc join reach on bc.code = reach.c where bc.kind = 'basket'
    ) select exists (select 1 from reach where c = ${code}) as hit`.execute(db)
  return r.rows[0]?.hit ?? false
}

async function checkBasket (db: Db, code: string, body: BasketInput, latest: { version: number, effective_from: string } | undefined): Promise<FieldError[]> {
  const errors: FieldError[] = []
  const known = await knownComponents(db, [code, ...body.components.map((c) => c.code)])
  if (known.get(code)?.kind === 'index') errors.push({ path: 'params/code', reason: `${code} is an index code: a basket needs a code of its own` })
  const amountOf = body.mode === 'percent' ? 'weight' : 'quantity'
  body.components.forEach((c, i) => {
    const at = `body/components/${i}`
    const k = known.get(c.code)
    if (c.code === code) errors.push({ path: `${at}/code`, reason: 'a basket cannot contain itself (cycle)' })
    else if (!k) errors.push({ path: `${at}/code`, reason: `unknown component ${c.code}: no index or basket has this code` })
    if (c[amountOf] === undefined) errors.push({ path: `${at}/${amountOf}`, reason: `is required in ${body.mode} mode` })
    if (body.mode === 'quantity' && k) {
      if (k.kind === 'basket' && k.mode !== 'quantity') errors.push({ path: `${at}/code`, reason: `basket ${c.code} is in points (percent mode): a quantity basket can hold only USD baskets` })
      else if (c.unit !== k.unit) errors.push({ path: `${at}/unit`, reason: `must be ${k.unit}: ${c.code} is priced per ${k.unit}` })
    }
  })
  const dupes = body.components.map((c) => c.code).filter((c, i, all) => all.indexOf(c) !== i)
  for (const d of new Set(dupes)) errors.push({ path: 'body/components', reason: `component ${d} is listed twice` })
  if (body.mode === 'percent' && body.components.every((c) => c.weight !== undefined)) {
    const r = await sql<{ sum: string }>`select sum(w::numeric)::text as sum from unnest(${body.components.map((c) => c.weight!)}::text[]) w`.execute(db)
    const sum = r.rows[0]!.sum
    const is100 = await sql<{ ok: boolean }>`select ${sum}::numeric = 100 as ok`.execute(db)
    if (!is100.rows[0]!.ok) errors.push({ path: 'body/components', reason: `the weights sum to ${sum}, not 100` })
  }
  if (body.mode === 'quantity' && (body.base_value || body.base_date)) errors.push({ path: 'body/base_value', reason: 'a quantity basket has no base (its value is in USD)' })
  if (latest) {
    if (body.effective_from <= latest.effective_from) errors.push({ path: 'body/effective_from', reason: `must be after ${latest.effective_from}, the effective_from of version ${latest.version}` })
    if (body.base_value || body.base_date) errors.push({ path: body.base_value ? 'body/base_value' : 'body/base_date', reason: 'only the first version has a base: later versions are chain-linked (methodology §B3)' })
  }
  const baskets = body.components.filter((c) => known.get(c.code)?.kind === 'basket').map((c) => c.code)
  if (baskets.length && await reaches(db, baskets, code)) errors.push({ path: 'body/components', reason: `cycle: ${code} is reachable from its own components` })
  return errors
}

/** Stores a new version (and the basket on its first); all checks pass first or nothing is written. */
export async function putBasket (db: Db, code: string, body: BasketInput, who: string): Promise<{ created: boolean, basket: BasketJson }> {
  const created = await db.transaction().execute(async (trx) => {
    // one writer per basket code at a time: versions are numbered in order
    await sql`select pg_advisory_xact_lock(hashtext('cpx_basket:' || ${code}))`.execute(trx)
    const latest = (await sql<{ version: number, effective_from: string }>`select version, effective_from from basket_versions where code = ${code} order by version desc limit 1`.execute(trx)).rows[0]
    const errors = await checkBasket(trx, code, body, latest)
    if (errors.length) throw withErrors(new Unprocessable(`The basket ${code} was not stored: ${errors[0]!.path} ${errors[0]!.reason}`), errors)
    const version = (latest?.version ?? 0) + 1
    if (!latest) await sql`insert into baskets (code, name) values (${code}, ${body.name})`.execute(trx)
    const percentBase = body.mode === 'percent' && !latest
    await sql`insert into basket_versions (code, version, effective_from, mode, base_value, base_date, changed_by, reason)
      values (${code}, ${version}, ${body.effective_from}, ${body.mode}, ${percentBase ? body.base_value ?? '100' : null},
      ${percentBase ? body.base_date ?? body.effective_from : null}, ${body.changed_by ?? who}, ${body.reason})`.execute(trx)
    const known = await knownComponents(trx, body.components.map((c) => c.code))
    for (const c of body.components) {
      await sql`insert into basket_components (code, version, component, kind, amount, unit)
        values (${code}, ${version}, ${c.code}, ${known.get(c.code)!.kind}, ${(c.weight ?? c.quantity)!}, ${body.mode === 'quantity' ? c.unit! : null})`.execute(trx)
    }
    return !latest
  })
  return { created, basket: (await findBasket(db, code))! }
}

export async function findBasket (db: Db, code: string): Promise<BasketJson | undefined> {
  return (await listBaskets(db, code))[0]
}

/** Baskets with all their versions, oldest version first (one basket when `code` is given). */
export async function listBaskets (db: Db, code?: string): Promise<BasketJson[]> {
  const r = await sql<BasketJson>`
    select b.code, b.name,
      (select case when v.mode = 'percent' then 'points' else 'USD' end from basket_versions v where v.code = b.code order by v.version desc limit 1) as unit,
      (select jsonb_agg(jsonb_build_object('version', v.version, 'effective_from', v.effective_from, 'mode', v.mode,
          'base_value', v.base_value::text, 'base_date', v.base_date, 'changed_by', v.changed_by,
          'changed_at', to_char(v.changed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'reason', v.reason,
          'components', (select jsonb_agg(jsonb_build_object('code', c.component, 'kind', c.kind, 'amount', c.amount::text, 'unit', c.unit) order by c.component)
            from basket_components c where c.code = v.code and c.version = v.version)) order by v.version)
        from basket_versions v where v.code = b.code) as versions
    from baskets b where ${code === undefined ? sql`true` : sql`b.code = ${code}`}
    order by b.code`.execute(db)
  return r.rows
}
