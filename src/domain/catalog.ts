import { sql, type Kysely } from 'kysely'
import { z } from 'zod'
import type { Schema } from '../db/schema.ts'
import { Rfc3339 } from './contracts.ts'
import { Conflict, NotFound } from './errors.ts'
import { PRODUCT_CODE, SLUG } from './quote-input.ts'

export { upsertFxRates, listFxRates, FxRateBody, FxRate, FxRatesBody, FxRateQuery, FxRatePosition } from './fx-rates.ts'

// Providers and products: the public keys quotes and index filters refer to (DESIGN §2).

export const PROVIDER_KINDS = ['hyperscaler', 'neocloud', 'marketplace', 'model_lab', 'inference_host'] as const
const Family = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be a lowercase family such as h100 or gpt-5')
const Name = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters')

export const ProviderSlug = z.string().regex(SLUG, 'must match ^[a-z0-9][a-z0-9-]{0,62}$').meta({ example: 'lambda' })
export const ProductCode = z.string().regex(PRODUCT_CODE, 'must be a lowercase code such as h100-sxm or openai/gpt-5.5 (URL-encode the slash as %2F)')
  .meta({ example: 'h100-sxm' })

export const ProviderBody = z.strictObject({
  name: Name,
  kind: z.enum(PROVIDER_KINDS),
  website: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(500).nullish(),
}).meta({ id: 'ProviderBody' })

export const Provider = z.object({
  slug: z.string(),
  name: z.string(),
  kind: z.enum(PROVIDER_KINDS),
  website: z.string().nullable(),
  created_at: Rfc3339,
  updated_at: Rfc3339,
}).meta({ id: 'Provider' })

export const GpuProductBody = z.strictObject({
  kind: z.literal('gpu'),
  name: Name,
  family: Family.meta({ example: 'h100' }),
  variant: z.enum(['sxm', 'pcie', 'nvl']),
}).meta({ id: 'GpuProductBody' })

export const ModelProductBody = z.strictObject({
  kind: z.literal('model'),
  name: Name,
  family: Family.meta({ example: 'gpt-5' }),
  tier: z.enum(['frontier', 'mid', 'small']),
  open_weights: z.boolean(),
}).meta({ id: 'ModelProductBody' })

export const ProductBody = z.discriminatedUnion('kind', [GpuProductBody, ModelProductBody]).meta({ id: 'ProductBody' })

export const Product = z.object({
  code: z.string(),
  kind: z.enum(['gpu', 'model']),
  name: z.string(),
  family: z.string(),
  variant: z.enum(['sxm', 'pcie', 'nvl']).nullable(),
  tier: z.enum(['frontier', 'mid', 'small']).nullable(),
  open_weights: z.boolean().nullable(),
  created_at: Rfc3339,
  updated_at: Rfc3339,
}).meta({ id: 'Product' })

export type ProviderFields = z.infer<typeof ProviderBody>
export type ProductFields = z.infer<typeof ProductBody>
export type ProviderRecord = z.infer<typeof Provider>
export type ProductRecord = z.infer<typeof Product>

/** Creates or replaces a provider; `created` says which. A provider's kind may change (quotes keep their slug). */
export async function upsertProvider (db: Kysely<Schema>, slug: string, body: ProviderFields): Promise<ProviderRecord & { created: boolean }> {
  const row = await db.insertInto('providers')
    .values({ slug, name: body.name, kind: body.kind, website: body.website ?? null })
    .onConflict((oc) => oc.column('slug').doUpdateSet((eb) => ({
      name: eb.ref('excluded.name'), kind: eb.ref('excluded.kind'), website: eb.ref('excluded.website'), updated_at: sql<string>`now()`,
    })))
    .returning(['slug', 'name', 'kind', 'website', 'created_at', 'updated_at', sql<boolean>`xmax = 0`.as('created')])
    .executeTakeFirstOrThrow()
  return row as ProviderRecord & { created: boolean }
}

/**
 * Creates or replaces a product. Its kind is fixed once quotes refer to it: stored quotes were
 * validated against that kind (segments, units), so changing it would make them wrong.
 */
export async function upsertProduct (db: Kysely<Schema>, code: string, body: ProductFields): Promise<ProductRecord & { created: boolean }> {
  const attrs = body.kind === 'gpu'
    ? { variant: body.variant, tier: null, open_weights: null }
    : { variant: null, tier: body.tier, open_weights: body.open_weights }
  const write = async (trx: Kysely<Schema>) => {
    const existing = await trx.selectFrom('products').select('kind').where('code', '=', code).forUpdate().executeTakeFirst()
    if (existing && existing.kind !== body.kind) {
      const used = await trx.selectFrom('quotes').select('id').where('product', '=', code).limit(1).executeTakeFirst()
      if (used) throw new Conflict(`Product ${code} is a ${existing.kind} product with stored quotes; its kind cannot change to ${body.kind}`)
    }
    const row = await trx.insertInto('products')
      .values({ code, kind: body.kind, name: body.name, family: body.family, ...attrs })
      .onConflict((oc) => oc.column('code').doUpdateSet((eb) => ({
        kind: eb.ref('excluded.kind'),
        name: eb.ref('excluded.name'),
        family: eb.ref('excluded.family'),
        variant: eb.ref('excluded.variant'),
        tier: eb.ref('excluded.tier'),
        open_weights: eb.ref('excluded.open_weights'),
        updated_at: sql<string>`now()`,
      })))
      .returning(['code', 'kind', 'name', 'family', 'variant', 'tier', 'open_weights', 'created_at', 'updated_at', sql<boolean>`xmax = 0`.as('created')])
      .executeTakeFirstOrThrow()
    return row as ProductRecord & { created: boolean }
  }
  // inside a caller's transaction (a source run stores its products with its quotes) that one is used
  return db.isTransaction ? write(db) : db.transaction().execute(write)
}

export const ProviderQuery = z.object({ kind: z.enum(PROVIDER_KINDS).optional() })
export const ProductQuery = z.object({
  kind: z.enum(['gpu', 'model']).optional(),
  family: Family.optional(),
  provider: ProviderSlug.optional().meta({ description: 'only products this provider has quoted' }),
})

export async function listProviders (db: Kysely<Schema>, q: z.infer<typeof ProviderQuery> = {}): Promise<ProviderRecord[]> {
  let query = db.selectFrom('providers').select(['slug', 'name', 'kind', 'website', 'created_at', 'updated_at']).orderBy('slug')
  if (q.kind) query = query.where('kind', '=', q.kind)
  return await query.execute() as ProviderRecord[]
}

export async function listProducts (db: Kysely<Schema>, q: z.infer<typeof ProductQuery> = {}): Promise<ProductRecord[]> {
  let query = db.selectFrom('products').select(['code', 'kind', 'name', 'family', 'variant', 'tier', 'open_weights', 'created_at', 'updated_at']).orderBy('code')
  if (q.kind) query = query.where('kind', '=', q.kind)
  if (q.family) query = query.where('family', '=', q.family)
  if (q.provider) {
    const provider = q.provider
    query = query.where(({ exists, selectFrom }) => exists(selectFrom('quotes').select('id')
      .whereRef('quotes.product', '=', 'products.code').where('quotes.provider', '=', provider)))
  }
  return await query.execute() as ProductRecord[]
}

export async function getProvider (db: Kysely<Schema>, slug: string): Promise<ProviderRecord> {
  const row = await db.selectFrom('providers').select(['slug', 'name', 'kind', 'website', 'created_at', 'updated_at'])
    .where('slug', '=', slug).executeTakeFirst() as ProviderRecord | undefined
  if (!row) throw new NotFound(`No provider ${slug}`)
  return row
}

export async function getProduct (db: Kysely<Schema>, code: string): Promise<ProductRecord> {
  const row = await db.selectFrom('products').select(['code', 'kind', 'name', 'family', 'variant', 'tier', 'open_weights', 'created_at', 'updated_at'])
    .where('code', '=', code).executeTakeFirst()
  if (!row) throw new NotFound(`No product ${code}`)
  return row as ProductRecord
}
