import type { Kysely } from 'kysely'
import { z } from 'zod'
import type { Schema } from '../db/schema.ts'
import { findLatestFixing, findLatestFixings } from './fixing-queries.ts'
import { Fixing } from './fixing-reads.ts'
import { getIndexDefinition, IndexDefinition, listIndexDefinitions } from './indices.ts'

// One schema for the catalog entries and the single index: the engine's definition plus the latest fixing.
export const IndexDetail = IndexDefinition.extend({
  latest: Fixing.nullable().meta({ description: 'the newest fixing; null before the first one' }),
}).meta({
  id: 'IndexDetail',
  examples: [{
    code: 'TOK-FRONTIER-BLEND',
    name: 'Frontier models, blended 3:1',
    description: 'USD per 1M tokens, frontier models, input 3 : output 1.',
    kind: 'model',
    unit: 'USD/1M tokens',
    methodology_version: 1,
    created_at: '2026-11-01T09:00:00Z',
    updated_at: '2026-11-01T09:00:00Z',
    latest: null,
    filter: { families: null, variants: null, tiers: ['frontier'], open_weights: null, products: null, provider_kinds: null, regions: null, service_tier: 'standard' },
    segments: { input: 3, output: 1 },
    term_months: null,
    methodology: { statistic: 'median', trim: 0.1, min_providers: 3, min_quotes: 5, windows: [1, 3, 7], outlier_k: 3.5, base_date: null },
  }],
})

export const IndexList = z.object({
  data: z.array(IndexDetail),
  next_cursor: z.string().nullable().meta({ description: 'always null: the catalog fits one page' }),
}).meta({ id: 'IndexList' })

export async function listIndices (db: Kysely<Schema>): Promise<z.output<typeof IndexList>> {
  const [defs, latest] = await Promise.all([listIndexDefinitions(db), findLatestFixings(db)])
  return { data: defs.map((d) => ({ ...d, latest: latest.get(d.code) ?? null })), next_cursor: null }
}

export async function getIndexDetail (db: Kysely<Schema>, code: string): Promise<z.output<typeof IndexDetail>> {
  const definition = await getIndexDefinition(db, code) // IndexNotFound when unknown
  return { ...definition, latest: (await findLatestFixing(db, code)) ?? null }
}
