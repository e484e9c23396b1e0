import { sql, type Kysely } from 'kysely'
import { z } from 'zod'
import type { Schema } from '../db/schema.ts'
import { PROVIDER_KINDS } from './catalog.ts'
import { dayBoundsReason } from './calendar.ts'
import { IsoDate, TimestampText } from './contracts.ts'
import { IndexNotFound, Unprocessable, withErrors, type FieldError } from './errors.ts'
import { checkMethodologyV2, MethodologyV2Fields, withV2Defaults } from './methodology-v2.ts'

// Index definitions (DESIGN §2). The body is checked for shape here (400 when wrong) and against the
// catalog and itself in checkDefinition (422): segments that fit the kind, a term for reserved indices…
// Changing filter, segments, term or methodology makes a new methodology_version; name and description do not.

export const IndexCode = z.string().regex(/^[A-Z0-9][A-Z0-9-]{1,47}$/, 'must match ^[A-Z0-9][A-Z0-9-]{1,47}$').meta({ example: 'H100-SXM-OD' })

const GPU_SEGMENTS = ['on_demand', 'spot', 'reserved'] as const
const MODEL_SEGMENTS = ['input', 'output', 'cached_input'] as const
const Name = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be a lowercase name such as h100')
const list = <T extends z.ZodType>(item: T) => z.array(item).min(1, 'must list at least one value, or be null to not filter').nullable().default(null)

export const IndexFilter = z.strictObject({
  families: list(Name),
  variants: list(z.enum(['sxm', 'pcie', 'nvl'])),
  tiers: list(z.enum(['frontier', 'mid', 'small'])),
  open_weights: z.boolean().nullable().default(null),
  products: list(z.string().min(1)),
  labs: z.array(Name).min(1, 'must list at least one lab, or be absent to not filter').nullable().optional()
    .meta({ description: 'methodology v2, model indices: the labs (the part of the product code before "/", such as openai)' }),
  provider_kinds: list(z.enum(PROVIDER_KINDS)),
  regions: list(z.enum(['us', 'eu', 'apac', 'cn', 'other'])),
  service_tier: z.enum(['standard', 'batch', 'flex', 'priority']).nullable().default('standard')
    .meta({ description: 'model quotes of this tier only; null means standard' }),
}).meta({ id: 'IndexFilter', description: 'which quotes are eligible; a null field does not filter (service_tier: null means standard)' })

export const Methodology = z.strictObject({
  statistic: z.enum(['median', 'trimmed_mean', 'weighted_mean']).default('median')
    .meta({ description: 'weighted_mean: v2 only, with model_weights' }),
  trim: z.number().min(0).max(0.49, 'must be below 0.5: a trim cuts that fraction from each end').default(0.1),
  min_providers: z.number().int().min(1).max(1000).default(3),
  min_quotes: z.number().int().min(1).max(100_000).default(5),
  windows: z.array(z.number().int().min(1).max(31, 'a window is at most 31 days')).min(1).max(10)
    .refine((w) => new Set(w).size === w.length, 'must not repeat a window').default([1, 3, 7]),
  outlier_k: z.number().positive().max(1000).default(3.5),
  base_date: IsoDate.nullable().default(null),
  ...MethodologyV2Fields,
}).meta({ id: 'Methodology', description: 'methodology parameters: v1 (DESIGN §3) and, with version 2, v2 (docs/methodology.md); defaults as shown' })

export const IndexDefinitionBody = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).default(''),
  kind: z.enum(['gpu', 'model']),
  filter: IndexFilter.default(IndexFilter.parse({})),
  segments: z.partialRecord(z.enum([...GPU_SEGMENTS, ...MODEL_SEGMENTS]), z.number().positive('a weight must be greater than 0').max(1e6))
    .refine((s) => Object.keys(s).length > 0, 'must name at least one segment')
    .meta({ description: 'segment weights: {"on_demand": 1}, or a blend such as {"input": 3, "output": 1}' }),
  term_months: z.number().int().min(1).max(120).nullable().default(null),
  methodology: Methodology.default(Methodology.parse({})),
}).meta({ id: 'IndexDefinitionBody' })

export const IndexDefinition = IndexDefinitionBody.extend({
  code: IndexCode,
  unit: z.enum(['USD/GPU-hour', 'USD/1M tokens']),
  methodology_version: z.number().int(),
  created_at: TimestampText,
  updated_at: TimestampText,
}).meta({ id: 'IndexDefinition' })

export type IndexDefinitionFields = z.output<typeof IndexDefinitionBody>
export type IndexDefinitionRecord = z.output<typeof IndexDefinition>

/** Rules across fields and against the catalog (422). Shape errors never reach here. */
async function checkDefinition (db: Kysely<Schema>, body: IndexDefinitionFields): Promise<FieldError[]> {
  const errors: FieldError[] = checkMethodologyV2(body.methodology)
  const fits = body.kind === 'gpu' ? GPU_SEGMENTS as readonly string[] : MODEL_SEGMENTS as readonly string[]
  for (const s of Object.keys(body.segments)) {
    if (!fits.includes(s)) errors.push({ path: `body/segments/${s}`, reason: `is not a segment of a ${body.kind} index (${fits.join(', ')})` })
  }
  const reserved = 'reserved' in body.segments
  if (reserved && body.term_months === null) errors.push({ path: 'body/term_months', reason: 'is required for a reserved index' })
  if (!reserved && body.term_months !== null) errors.push({ path: 'body/term_months', reason: 'applies to reserved indices only' })
  const base = body.methodology.base_date
  const outside = base === null ? undefined : dayBoundsReason(base)
  if (outside) errors.push({ path: 'body/methodology/base_date', reason: outside })
  const f = body.filter
  if (body.kind === 'gpu') {
    if (f.tiers) errors.push({ path: 'body/filter/tiers', reason: 'applies to model indices only' })
    if (f.open_weights !== null) errors.push({ path: 'body/filter/open_weights', reason: 'applies to model indices only' })
  } else if (f.variants) errors.push({ path: 'body/filter/variants', reason: 'applies to GPU indices only' })
  if (f.labs && body.methodology.version !== 2) errors.push({ path: 'body/filter/labs', reason: 'is a methodology v2 filter: set methodology.version to 2 to use it' })
  else if (f.labs && body.kind === 'gpu') errors.push({ path: 'body/filter/labs', reason: 'applies to model indices only' })
  const products = await db.selectFrom('products').select(['code', 'kind', 'family']).where('kind', '=', body.kind).execute()
  const families = new Set(products.map((p) => p.family))
  const codes = new Set(products.map((p) => p.code))
  for (const fam of f.families ?? []) {
    if (!families.has(fam)) errors.push({ path: 'body/filter/families', reason: `unknown family ${fam}: no ${body.kind} product has it` })
  }
  const labs = new Set(products.map((p) => p.code.split('/')[0]))
  for (const lab of body.kind === 'model' ? f.labs ?? [] : []) {
    if (!labs.has(lab)) errors.push({ path: 'body/filter/labs', reason: `unknown lab ${lab}: no model product code starts with ${lab}/` })
  }
  for (const code of Object.keys(body.methodology.model_weights ?? {})) {
    if (!codes.has(code)) errors.push({ path: `body/methodology/model_weights/${code}`, reason: `unknown product ${code}: no ${body.kind} product has this code` })
  }
  for (const code of f.products ?? []) {
    if (!codes.has(code)) errors.push({ path: 'body/filter/products', reason: `unknown product ${code}: no ${body.kind} product has this code` })
  }
  return errors
}

const UNIT = sql<'USD/GPU-hour' | 'USD/1M tokens'>`case when kind = 'gpu' then 'USD/GPU-hour' else 'USD/1M tokens' end`

function selectDefinitions (db: Kysely<Schema>) {
  return db.selectFrom('index_definitions').select(['code', 'name', 'description', 'kind', UNIT.as('unit'), 'filter', 'segments',
    'term_months', 'methodology', 'methodology_version', 'created_at', 'updated_at'])
}

const toRecord = (r: Awaited<ReturnType<ReturnType<typeof selectDefinitions>['executeTakeFirstOrThrow']>>) => r as unknown as IndexDefinitionRecord

export async function getIndexDefinition (db: Kysely<Schema>, code: string): Promise<IndexDefinitionRecord> {
  const row = await selectDefinitions(db).where('code', '=', code).executeTakeFirst()
  if (!row) throw new IndexNotFound(code)
  return toRecord(row)
}

export async function listIndexDefinitions (db: Kysely<Schema>): Promise<IndexDefinitionRecord[]> {
  return (await selectDefinitions(db).orderBy('code').execute()).map(toRecord)
}

/**
 * Creates or changes a definition. A change to filter, segments, term or methodology (compared as jsonb,
 * so 0.10 equals 0.1) stores methodology_version + 1 in index_definition_versions; fixings keep theirs.
 */
export async function upsertIndexDefinition (db: Kysely<Schema>, code: string, body: IndexDefinitionFields): Promise<IndexDefinitionRecord & { created: boolean, version_changed: boolean }> {
  const errors = await checkDefinition(db, body)
  if (errors.length) throw withErrors(new Unprocessable(`The index definition ${code} is not valid: ${errors.map((e) => `${e.path} ${e.reason}`).join('; ')}`), errors)
  const json = { filter: JSON.stringify(body.filter), segments: JSON.stringify(body.segments), methodology: JSON.stringify(withV2Defaults(body.methodology)) }
  const outcome = await db.transaction().execute(async (trx) => {
    // two PUTs of one new code at once: the second waits and then sees the first's row
    await sql`select pg_advisory_xact_lock(4242022, hashtext(${code}))`.execute(trx)
    const current = await trx.selectFrom('index_definitions').select(['methodology_version',
      sql<boolean>`filter = ${json.filter}::jsonb and segments = ${json.segments}::jsonb and term_months is not distinct from ${body.term_months}::int and methodology = ${json.methodology}::jsonb`.as('same')])
      .where('code', '=', code).forUpdate().executeTakeFirst()
    const version = !current ? 1 : current.same ? current.methodology_version : current.methodology_version + 1
    const fields = { name: body.name, description: body.description, kind: body.kind, ...json, term_months: body.term_months, methodology_version: version }
    if (!current) await trx.insertInto('index_definitions').values({ code, ...fields }).execute()
    else await trx.updateTable('index_definitions').set({ ...fields, updated_at: sql<string>`now()` }).where('code', '=', code).execute()
    const changed = !current || !current.same
    if (changed) {
      await trx.insertInto('index_definition_versions')
        .values({ code, methodology_version: version, ...json, term_months: body.term_months }).execute()
    }
    return { created: !current, version_changed: Boolean(current && !current.same) }
  })
  return { ...await getIndexDefinition(db, code), ...outcome }
}
