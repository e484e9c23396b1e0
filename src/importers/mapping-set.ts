import type { Kysely } from 'kysely'
import type { Schema } from '../db/schema.ts'
import { GPU_PRODUCTS, INSTANCE_TYPES, PROVIDERS, SOURCE_GPUS, SOURCE_PROVIDERS, VAST_GPUS, type ProductSpec, type ProviderKind, type ProviderSpec } from './mappings.ts'
import { EXCLUSIONS, MODELS, type ExclusionRule, type ModelRule, type ModelRules, type ModelTier } from './models.ts'

// Mappings as data (docs/importers.md): the rules of mappings.ts and models.ts live in the `mappings`
// table (0065), seeded from those code tables (0066, written by scripts/write-mappings-seed.ts). An
// import loads them once (loadMappings) into the same in-memory shapes, so parsing stays synchronous.

export const MAPPING_KINDS = ['provider', 'source_provider', 'gpu_product', 'instance_type', 'vast_gpu', 'model_rule', 'exclusion', 'source_gpu'] as const
export type MappingKind = typeof MAPPING_KINDS[number]

export interface MappingSet extends ModelRules {
  providers: Record<string, ProviderSpec>
  /** source (litellm, genai-prices, llm-prices, skypilot, gpu-observations) → its provider name → CPX slug */
  sourceProviders: Record<string, Record<string, string>>
  gpuProducts: Record<string, ProductSpec>
  instanceTypes: Array<[RegExp, string]>
  vastGpus: Record<string, string>
  /** `SOURCE:NAME` or `SOURCE:NAME#LABEL` → GPU product, optionally only for skus matching a pattern; first match wins */
  sourceGpus: Array<[string, { product: string, sku?: RegExp }]>
}

/** The code tables as a set: what a parse uses when no database gave it one (and the seed's source). */
export const CODE_MAPPINGS: MappingSet = {
  providers: PROVIDERS,
  sourceProviders: SOURCE_PROVIDERS,
  gpuProducts: GPU_PRODUCTS,
  instanceTypes: INSTANCE_TYPES,
  vastGpus: VAST_GPUS,
  sourceGpus: SOURCE_GPUS,
  models: MODELS,
  exclusions: EXCLUSIONS,
}

export interface MappingRow { kind: MappingKind, key: string, position: number, value: Record<string, unknown> }

/** Keys for rules that have no name in code: the target, numbered when it repeats (`h100-sxm.2`). */
function numbered<T> (items: T[], base: (t: T) => string): Array<[string, T]> {
  const seen = new Map<string, number>()
  return items.map((t) => {
    const b = base(t)
    const n = (seen.get(b) ?? 0) + 1
    seen.set(b, n)
    return [n === 1 ? b : `${b}.${n}`, t]
  })
}

const pattern = (re: RegExp) => {
  if (re.flags) throw new Error(`mapping pattern ${re} has flags; the table stores the source only`)
  return re.source
}

/** The code tables as rows of the mappings table, in their code order (position 10, 20, …). */
export function seedRows (set: MappingSet = CODE_MAPPINGS): MappingRow[] {
  const rows: MappingRow[] = []
  const add = (kind: MappingKind, entries: Array<[string, Record<string, unknown>]>) =>
    entries.forEach(([key, value], i) => rows.push({ kind, key, position: (i + 1) * 10, value }))
  add('provider', Object.values(set.providers).map((p) => [p.slug, { name: p.name, kind: p.kind, ...(p.website ? { website: p.website } : {}) }]))
  add('source_provider', Object.entries(set.sourceProviders).flatMap(([source, names]) =>
    Object.entries(names).map(([name, provider]): [string, Record<string, unknown>] => [`${source}:${name}`, { provider }])))
  add('gpu_product', Object.values(set.gpuProducts).map((p) => {
    if (p.kind !== 'gpu') throw new Error(`${p.code} is not a GPU product`)
    return [p.code, { name: p.name, family: p.family, variant: p.variant }]
  }))
  add('instance_type', numbered(set.instanceTypes, ([, code]) => code).map(([key, [re, product]]) => [key, { match: pattern(re), product }]))
  add('vast_gpu', Object.entries(set.vastGpus).map(([name, product]) => [name, { product }]))
  add('model_rule', numbered(set.models, (r) => `${r.lab}.${r.family}.${r.tier}`).map(([key, r]) =>
    [key, { match: pattern(r.match), lab: r.lab, family: r.family, tier: r.tier, open_weights: r.open }]))
  add('exclusion', set.exclusions.map((e) => [e.reason, { match: pattern(e.match) }]))
  add('source_gpu', set.sourceGpus.map(([key, g]) => [key, { product: g.product, ...(g.sku ? { sku: pattern(g.sku) } : {}) }]))
  return rows
}

type V = Record<string, unknown>
const str = (v: V, k: string) => String(v[k])

/** Rows (any order) → the in-memory set; each kind in position order, then key. */
export function mappingSetOf (rows: MappingRow[]): MappingSet {
  const of = (kind: MappingKind) => rows.filter((r) => r.kind === kind)
    .sort((a, b) => a.position - b.position || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const sourceProviders: Record<string, Record<string, string>> = {}
  for (const r of of('source_provider')) {
    const at = r.key.indexOf(':')
    const source = r.key.slice(0, at)
    ;(sourceProviders[source] ??= {})[r.key.slice(at + 1)] = str(r.value, 'provider')
  }
  return {
    providers: Object.fromEntries(of('provider').map((r) => [r.key, {
      slug: r.key, name: str(r.value, 'name'), kind: r.value.kind as ProviderKind, ...(r.value.website ? { website: str(r.value, 'website') } : {}),
    }])),
    sourceProviders,
    gpuProducts: Object.fromEntries(of('gpu_product').map((r) => [r.key, {
      code: r.key, kind: 'gpu', name: str(r.value, 'name'), family: str(r.value, 'family'), variant: r.value.variant as 'sxm' | 'pcie' | 'nvl',
    }])),
    instanceTypes: of('instance_type').map((r) => [new RegExp(str(r.value, 'match')), str(r.value, 'product')]),
    vastGpus: Object.fromEntries(of('vast_gpu').map((r) => [r.key, str(r.value, 'product')])),
    models: of('model_rule').map((r): ModelRule => ({
      match: new RegExp(str(r.value, 'match')), lab: str(r.value, 'lab'), family: str(r.value, 'family'), tier: r.value.tier as ModelTier, open: r.value.open_weights === true,
    })),
    exclusions: of('exclusion').map((r): ExclusionRule => ({ match: new RegExp(str(r.value, 'match')), reason: r.key })),
    sourceGpus: of('source_gpu').map((r) => [r.key, { product: str(r.value, 'product'), ...(r.value.sku ? { sku: new RegExp(str(r.value, 'sku')) } : {}) }]),
  }
}

/** A source's GPU name (and sku) → GPU product code by the source_gpu rules, or undefined (unmapped). */
export function sourceGpuProduct (set: MappingSet, source: string, name: string, sku: string): string | undefined {
  const lower = sku.toLowerCase()
  for (const [key, rule] of set.sourceGpus) {
    const at = key.indexOf(':')
    const hash = key.indexOf('#', at)
    if (key.slice(0, at) !== source || key.slice(at + 1, hash < 0 ? undefined : hash) !== name) continue
    if (!rule.sku || rule.sku.test(lower)) return rule.product
  }
  return undefined
}

/** The database's mappings, read once for a run. */
export async function loadMappings (db: Kysely<Schema>): Promise<MappingSet> {
  const rows = await db.selectFrom('mappings').select(['kind', 'key', 'position', 'value']).execute()
  return mappingSetOf(rows as MappingRow[])
}
