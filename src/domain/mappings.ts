import { sql, type Kysely } from 'kysely'
import { z } from 'zod'
import type { Schema } from '../db/schema.ts'
import { MAPPING_KINDS, type MappingKind } from '../importers/mapping-set.ts'
import { Rfc3339 } from './contracts.ts'
import { Conflict, NotFound, Unprocessable, withErrors, type FieldError } from './errors.ts'
import { SLUG } from './quote-input.ts'

// Mappings as data (docs/importers.md): the contracts of /v1/mappings… and `cpx mappings`, one value
// schema per kind, and the writes, each with its row in mapping_changes in the same transaction.

export const MappingKindParam = z.enum(MAPPING_KINDS, { error: `must be one of ${MAPPING_KINDS.join(', ')}` }).meta({ example: 'model_rule' })

const pattern = z.string().min(1).max(4000).superRefine((s, ctx) => {
  try { RegExp(s) } catch (e) { ctx.addIssue({ code: 'custom', message: `must be a regular expression: ${(e as Error).message}` }) }
})
const slug = z.string().regex(SLUG, 'must be a slug: lower-case letters, digits and hyphens')
const GPU_CODE = /^[a-z0-9][a-z0-9.-]{0,62}$/

/** What `value` must be, per kind; the keys' shapes are KEYS. */
export const MAPPING_VALUES: Record<MappingKind, z.ZodType<Record<string, unknown>>> = {
  provider: z.strictObject({
    name: z.string().min(1).max(200),
    kind: z.enum(['hyperscaler', 'neocloud', 'marketplace', 'model_lab', 'inference_host']),
    website: z.url({ protocol: /^https?$/ }).optional(),
  }),
  source_provider: z.strictObject({ provider: slug }),
  gpu_product: z.strictObject({ name: z.string().min(1).max(200), family: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/), variant: z.enum(['sxm', 'pcie', 'nvl']) }),
  instance_type: z.strictObject({ match: pattern, product: z.string().regex(GPU_CODE, 'must be a GPU product code such as h100-sxm') }),
  vast_gpu: z.strictObject({ product: z.string().regex(GPU_CODE, 'must be a GPU product code such as h100-sxm') }),
  model_rule: z.strictObject({
    match: pattern,
    lab: slug,
    family: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'must be a family name such as gpt-5'),
    tier: z.enum(['frontier', 'mid', 'small']),
    open_weights: z.boolean(),
  }),
  exclusion: z.strictObject({ match: pattern }),
  source_gpu: z.strictObject({
    product: z.string().regex(GPU_CODE, 'must be a GPU product code such as h100-sxm'),
    sku: pattern.optional().meta({ description: 'only rows whose lower-cased sku matches this pattern (a refinement: key SOURCE:NAME#LABEL)' }),
  }),
}

const KEYS: Record<MappingKind, [RegExp, string]> = {
  provider: [SLUG, 'must be a provider slug such as lambda'],
  source_provider: [/^(litellm|genai-prices|llm-prices|skypilot|gpu-observations):[^\s/]{1,100}$/, 'must be SOURCE:NAME with SOURCE one of litellm, genai-prices, llm-prices, skypilot, gpu-observations, such as litellm:gemini'],
  gpu_product: [GPU_CODE, 'must be a GPU product code such as h100-sxm'],
  instance_type: [/^[a-z0-9][a-z0-9._-]{0,99}$/, 'must be a rule name: lower-case letters, digits, dots, hyphens, underscores'],
  vast_gpu: [/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/, 'must be a Vast gpu_name such as H100 SXM'],
  model_rule: [/^[a-z0-9][a-z0-9._-]{0,99}$/, 'must be a rule name: lower-case letters, digits, dots, hyphens, underscores'],
  exclusion: [/^[a-z][a-z0-9_]{0,62}$/, 'must be a reason: lower-case letters, digits and underscores, such as fine_tuned'],
  source_gpu: [/^gpu-observations:[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}(#[a-z0-9-]{1,30})?$/, 'must be SOURCE:NAME or SOURCE:NAME#LABEL with SOURCE gpu-observations, such as gpu-observations:H100'],
}

/** Which other mapping a value names, so that a rule never points at nothing. */
const REFERS: Partial<Record<MappingKind, [string, MappingKind]>> = {
  source_provider: ['provider', 'provider'],
  instance_type: ['product', 'gpu_product'],
  vast_gpu: ['product', 'gpu_product'],
  source_gpu: ['product', 'gpu_product'],
}

export const Mapping = z.object({
  kind: z.string(),
  key: z.string(),
  position: z.number().int().meta({ description: 'order within the kind: the first matching instance_type, model_rule or exclusion wins' }),
  value: z.record(z.string(), z.unknown()),
  updated_by: z.string(),
  updated_at: Rfc3339,
}).meta({ id: 'Mapping' })
export type MappingRecord = z.infer<typeof Mapping>

export const MappingBody = z.strictObject({
  value: z.record(z.string(), z.unknown()).meta({ description: 'the rule; its fields depend on the kind (docs/importers.md)', example: { match: '^gpt-6$', lab: 'openai', family: 'gpt-6', tier: 'frontier', open_weights: false } }),
  position: z.number().int().min(0).max(1_000_000).optional().meta({ description: 'order within the kind; default: the current one, or after the last for a new key' }),
  changed_by: z.string().trim().min(1, 'must say who makes the change').max(200),
  reason: z.string().trim().min(1, 'must say why').max(1000),
}).meta({ id: 'MappingBody' })
export type MappingInput = z.output<typeof MappingBody>

export const MappingChange = z.object({
  id: z.string().meta({ description: 'decimal string' }),
  kind: z.string(),
  key: z.string(),
  old_value: z.record(z.string(), z.unknown()).nullable().meta({ description: 'null: the key was new' }),
  new_value: z.record(z.string(), z.unknown()).nullable(),
  old_position: z.number().int().nullable(),
  new_position: z.number().int().nullable(),
  changed_by: z.string(),
  changed_at: Rfc3339,
  reason: z.string(),
}).meta({ id: 'MappingChange' })
export type MappingChangeRecord = z.infer<typeof MappingChange>

export const MappingListQuery = z.object({ kind: MappingKindParam.optional() })
export const ChangeQuery = z.object({
  kind: MappingKindParam.optional(),
  key: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
})
export const DeleteMappingQuery = z.object({
  changed_by: MappingBody.shape.changed_by,
  reason: MappingBody.shape.reason,
})
export const ChangePosition = z.object({ id: z.string().regex(/^\d{1,19}$/) })

const columns = ['kind', 'key', 'position', 'value', 'updated_by', 'updated_at'] as const

export async function listMappings (db: Kysely<Schema>, kind?: MappingKind): Promise<MappingRecord[]> {
  let q = db.selectFrom('mappings').select(columns)
  if (kind) q = q.where('kind', '=', kind)
  const rows = await q.execute()
  const order = (k: string) => MAPPING_KINDS.indexOf(k as MappingKind)
  return rows.sort((a, b) => order(a.kind) - order(b.kind) || a.position - b.position || (a.key < b.key ? -1 : 1))
}

export async function getMapping (db: Kysely<Schema>, kind: MappingKind, key: string): Promise<MappingRecord> {
  const row = await db.selectFrom('mappings').select(columns).where('kind', '=', kind).where('key', '=', key).executeTakeFirst()
  if (!row) throw new NotFound(`No ${kind} mapping ${key}`)
  return row
}

/** The value checked for its kind (422 naming the field), its key's shape and what it refers to. */
async function checked (db: Kysely<Schema>, kind: MappingKind, key: string, value: Record<string, unknown>): Promise<Record<string, unknown>> {
  const errors: FieldError[] = []
  const [keyShape, keyReason] = KEYS[kind]
  if (!keyShape.test(key)) errors.push({ path: 'key', reason: keyReason })
  const r = MAPPING_VALUES[kind].safeParse(value)
  if (!r.success) errors.push(...r.error.issues.map((i) => ({ path: ['value', ...i.path].join('/'), reason: i.message })))
  const ref = REFERS[kind]
  if (r.success && ref) {
    const target = String(r.data[ref[0]])
    if (!await db.selectFrom('mappings').select('key').where('kind', '=', ref[1]).where('key', '=', target).executeTakeFirst()) {
      errors.push({ path: `value/${ref[0]}`, reason: `no ${ref[1]} mapping ${target}: create it first` })
    }
  }
  if (errors.length) throw withErrors(new Unprocessable(`The ${kind} mapping ${key} was not stored: ${errors[0]!.path} ${errors[0]!.reason}`), errors)
  return r.data!
}

/** Creates or replaces one mapping and logs the change, in one transaction. An identical value and position change nothing. */
export async function putMapping (db: Kysely<Schema>, kind: MappingKind, key: string, body: MappingInput): Promise<{ created: boolean, mapping: MappingRecord }> {
  const value = await checked(db, kind, key, body.value)
  return db.transaction().execute(async (trx) => {
    const old = await trx.selectFrom('mappings').select(['value', 'position']).where('kind', '=', kind).where('key', '=', key).forUpdate().executeTakeFirst()
    const last = old ? undefined : await trx.selectFrom('mappings').select(sql<number>`coalesce(max(position), 0)`.as('p')).where('kind', '=', kind).executeTakeFirst()
    const position = body.position ?? old?.position ?? (last?.p ?? 0) + 10
    const same = old && old.position === position && JSON.stringify(sortKeys(old.value)) === JSON.stringify(sortKeys(value))
    if (!same) {
      const v = JSON.stringify(value)
      await trx.insertInto('mappings').values({ kind, key, position, value: v, updated_by: body.changed_by, updated_at: sql<string>`clock_timestamp()` as unknown as string })
        .onConflict((c) => c.columns(['kind', 'key']).doUpdateSet({ position, value: v, updated_by: body.changed_by, updated_at: sql<string>`clock_timestamp()` as unknown as string })).execute()
      await trx.insertInto('mapping_changes').values({
        kind, key, old_value: old ? JSON.stringify(old.value) : null, new_value: v, old_position: old?.position ?? null, new_position: position, changed_by: body.changed_by, reason: body.reason,
      }).execute()
    }
    const mapping = await trx.selectFrom('mappings').select(columns).where('kind', '=', kind).where('key', '=', key).executeTakeFirstOrThrow()
    return { created: !old, mapping }
  })
}

/**
 * Removes one mapping and logs it (new_value null), in one transaction; the change log keeps the old value.
 * A provider or GPU product another mapping still names is 409: delete or repoint that one first.
 */
export async function deleteMapping (db: Kysely<Schema>, kind: MappingKind, key: string, by: { changed_by: string, reason: string }): Promise<MappingChangeRecord> {
  return db.transaction().execute(async (trx) => {
    const old = await trx.selectFrom('mappings').select(['value', 'position']).where('kind', '=', kind).where('key', '=', key).forUpdate().executeTakeFirst()
    if (!old) throw new NotFound(`No ${kind} mapping ${key}`)
    const referrers = (Object.entries(REFERS) as Array<[MappingKind, [string, MappingKind]]>).filter(([, [, target]]) => target === kind)
    for (const [from, [field]] of referrers) {
      const user = await trx.selectFrom('mappings').select('key').where('kind', '=', from).where(sql<string>`value->>${field}`, '=', key).orderBy('key').executeTakeFirst()
      if (user) throw new Conflict(`The ${kind} mapping ${key} was not deleted: the ${from} mapping ${user.key} names it; delete or repoint that one first`)
    }
    await trx.deleteFrom('mappings').where('kind', '=', kind).where('key', '=', key).execute()
    return trx.insertInto('mapping_changes').values({
      kind, key, old_value: JSON.stringify(old.value), new_value: null, old_position: old.position, new_position: null, changed_by: by.changed_by, reason: by.reason,
    }).returning([sql<string>`id::text`.as('id'), 'kind', 'key', 'old_value', 'new_value', 'old_position', 'new_position', 'changed_by', 'changed_at', 'reason']).executeTakeFirstOrThrow()
  })
}

const sortKeys = (v: Record<string, unknown>) => Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))

/** The change log, newest first. */
export async function listMappingChanges (db: Kysely<Schema>, q: { kind?: MappingKind, key?: string, limit: number }, after?: string): Promise<{ data: MappingChangeRecord[], next: { id: string } | null }> {
  let s = db.selectFrom('mapping_changes').select([sql<string>`id::text`.as('id'), 'kind', 'key', 'old_value', 'new_value', 'old_position', 'new_position', 'changed_by', 'changed_at', 'reason'])
  if (q.kind) s = s.where('kind', '=', q.kind)
  if (q.key) s = s.where('key', '=', q.key)
  if (after) s = s.where('id', '<', Number(after))
  const rows = await s.orderBy('id', 'desc').limit(q.limit + 1).execute()
  const page = rows.slice(0, q.limit)
  return { data: page, next: rows.length > q.limit ? { id: page.at(-1)!.id } : null }
}

/** Names recent runs could not map, with the rows that carried each (source_runs.unmapped), biggest first. */
export async function unmappedNames (db: Kysely<Schema>, days = 7): Promise<Array<{ source: string, name: string, rows: number, last_run: string }>> {
  const { rows } = await sql<{ source: string, name: string, rows: number, last_run: string }>`
    with recent as (
      select distinct on (r.source) r.id, r.source from source_runs r
      where r.status = 'ok' and not r.unchanged and r.started_at > clock_timestamp() - make_interval(days => ${days})
      order by r.source, r.id desc)
    select recent.source, u.key as name, u.value::int8 as rows, recent.id::text as last_run
    from recent join source_runs r on r.id = recent.id, jsonb_each_text(r.unmapped) u
    order by rows desc, recent.source, name`.execute(db)
  return rows
}
