import { sql, type Kysely } from 'kysely'
import { z } from 'zod'
import type { Schema } from '../db/schema.ts'
import { IndexNotFound } from './errors.ts'
import { findLatestFixing, findLatestFixings } from './fixing-queries.ts'
import { Fixing, Unit } from './fixing-reads.ts'

// The catalog as readers see it: each definition with its unit and latest fixing.

export const IndexSummary = z.object({
  code: z.string(),
  name: z.string(),
  description: z.string(),
  kind: z.enum(['gpu', 'model']),
  unit: Unit,
  methodology_version: z.number().int(),
  latest: Fixing.nullable().meta({ description: 'the newest fixing; null before the first one' }),
}).meta({ id: 'IndexSummary' })

export const IndexDetail = IndexSummary.extend({
  filter: z.record(z.string(), z.unknown()).meta({ description: 'which quotes are eligible (DESIGN §2); a null field does not filter' }),
  segments: z.record(z.string(), z.number()).meta({ description: 'segment weights: one segment, or a blend such as input 3 : output 1' }),
  term_months: z.number().int().nullable(),
  methodology: z.record(z.string(), z.unknown()).meta({ description: 'statistic, trim, min_providers, min_quotes, windows, outlier_k, base_date' }),
}).meta({
  id: 'IndexDetail',
  examples: [{
    code: 'TOK-FRONTIER-BLEND',
    name: 'Frontier models, blended 3:1',
    description: 'USD per 1M tokens, frontier models, input 3 : output 1.',
    kind: 'model',
    unit: 'USD/1M tokens',
    methodology_version: 1,
    latest: null,
    filter: { families: null, variants: null, tiers: ['frontier'], open_weights: null, products: null, provider_kinds: null, regions: null, service_tier: 'standard' },
    segments: { input: 3, output: 1 },
    term_months: null,
    methodology: { statistic: 'median', trim: 0.1, min_providers: 3, min_quotes: 5, windows: [1, 3, 7], outlier_k: 3.5, base_date: null },
  }],
})

export const IndexList = z.object({
  data: z.array(IndexSummary),
  next_cursor: z.string().nullable().meta({ description: 'always null: the catalog fits one page' }),
}).meta({ id: 'IndexList' })

const UNIT = sql<z.infer<typeof Unit>>`case when kind = 'gpu' then 'USD/GPU-hour' else 'USD/1M tokens' end`

export async function listIndices (db: Kysely<Schema>): Promise<z.infer<typeof IndexList>> {
  const [defs, latest] = await Promise.all([
    db.selectFrom('index_definitions').select(['code', 'name', 'description', 'kind', UNIT.as('unit'), 'methodology_version']).orderBy('code').execute(),
    findLatestFixings(db),
  ])
  return { data: defs.map((d) => ({ ...d, kind: d.kind as 'gpu' | 'model', latest: latest.get(d.code) ?? null })), next_cursor: null }
}

export async function getIndexDetail (db: Kysely<Schema>, code: string): Promise<z.infer<typeof IndexDetail>> {
  const d = await db.selectFrom('index_definitions')
    .select(['code', 'name', 'description', 'kind', UNIT.as('unit'), 'methodology_version', 'filter', 'segments', 'term_months', 'methodology'])
    .where('code', '=', code)
    .executeTakeFirst()
  if (!d) throw new IndexNotFound(code)
  const latest = await findLatestFixing(db, code)
  return {
    ...d,
    kind: d.kind as 'gpu' | 'model',
    filter: d.filter as Record<string, unknown>,
    segments: d.segments as Record<string, number>,
    methodology: d.methodology as Record<string, unknown>,
    latest: latest ?? null,
  }
}
