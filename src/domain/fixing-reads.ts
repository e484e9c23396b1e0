import { z } from 'zod'
import { DayText, TimestampText } from './contracts.ts'

// The read contract of fixings (DESIGN §5): figures leave SQL as round(x, 6)::float8, so they are
// JSON numbers; a missing figure is null and `status` says why. Queries are in fixing-queries.ts.

const HASH = 'sha256:9f2c1e7a4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a'

export const Unit = z.enum(['USD/GPU-hour', 'USD/1M tokens']).meta({ id: 'Unit', description: 'the index unit: USD per GPU-hour or USD per 1M tokens' })
export const FixingStatus = z.enum(['ok', 'insufficient_data']).meta({
  id: 'FixingStatus',
  description: '`ok`: the value is published; `insufficient_data`: too few providers or quotes in every window, value null',
})
const figure = (description: string) => z.number().nullable().meta({ description })

export const Constituent = z.object({
  provider: z.string(),
  product: z.string(),
  value: figure('r(c): the contributor\'s representative price (blend of its segments), 6 dp'),
  segments: z.record(z.string(), z.number()).meta({ description: 'r(c,s) per segment, 6 dp' }),
  n_quotes: z.number().int(),
  quote_ids: z.array(z.string()).meta({ description: 'ids of the quotes behind the representative (GET /v1/quotes)' }),
  excluded: z.boolean(),
  reason: z.enum(['outlier', 'incomplete_blend']).nullable().meta({ description: 'why an excluded contributor was excluded; null when included' }),
  rules: z.record(z.string(), z.object({
    kept_by: z.enum(['window', 'posted']).meta({ description: 'window: a market quote inside window_days; posted: a list price in force (methodology v2)' }),
    age_days: z.number().int().meta({ description: 'fixing day − the UTC day the price was observed' }),
    observed_on: z.string(),
  })).optional().meta({ description: 'methodology v2: per segment, the rule that kept the price and its age' }),
  model: z.object({
    value: z.number().meta({ description: 'the model\'s first-stage value: median of its remaining contributors\' r(c)' }),
    weight: z.number(),
    n_contributors: z.number().int(),
    n_providers: z.number().int(),
  }).optional().meta({ description: 'methodology v2, model_then_market: the model this contributor priced, as it entered the index' }),
}).meta({
  id: 'Constituent',
  examples: [{ provider: 'lambda', product: 'h100-sxm', value: 2.99, segments: { on_demand: 2.99 }, n_quotes: 1, quote_ids: ['18423'], excluded: false, reason: null }],
})

/** A real-looking fixing: the OpenAPI example, and the bench's bare route body (same shape, same size). */
export const fixingExample = {
  code: 'H100-SXM-OD',
  date: '2026-11-02',
  status: 'ok',
  value: 2.945,
  level: null,
  unit: 'USD/GPU-hour',
  window_days: 1,
  n_providers: 4,
  n_contributors: 4,
  n_quotes: 5,
  n_excluded: 0,
  min: 2.4,
  p25: 2.775,
  p75: 3.0925,
  max: 3.4,
  hhi: 0.25,
  max_provider_impact: 0.045,
  revision: 1,
  published_at: '2026-11-03T00:15:02.318Z',
  methodology_version: 1,
  hash: HASH,
}

export const Fixing = z.object({
  code: z.string(),
  date: DayText.meta({ description: 'the UTC day fixed, YYYY-MM-DD' }),
  status: FixingStatus,
  value: figure('the index value in `unit`; null unless status is ok'),
  level: figure('100 × value / value(base_date) when the index has a base date; else null'),
  unit: Unit,
  window_days: z.number().int().meta({ description: 'the window length used (the widest when insufficient_data)' }),
  n_providers: z.number().int(),
  n_contributors: z.number().int(),
  n_quotes: z.number().int(),
  n_excluded: z.number().int(),
  min: figure('smallest remaining r(c)'),
  p25: figure('25th percentile of the remaining r(c)'),
  p75: figure('75th percentile of the remaining r(c)'),
  max: figure('largest remaining r(c)'),
  hhi: figure('Σ over providers of (share of remaining contributors)²'),
  max_provider_impact: figure('largest change of the value when one provider is dropped'),
  revision: z.number().int().meta({ description: '1 is the first publication; restatements count up' }),
  published_at: TimestampText.meta({ description: 'when this revision was published (RFC 3339)' }),
  methodology_version: z.number().int(),
  hash: z.string().meta({ description: 'SHA-256 over the figures and constituents; the ETag derives from it' }),
  constituents: z.array(Constituent).optional().meta({ description: 'with include=constituents' }),
}).meta({ id: 'Fixing', examples: [fixingExample] })
export type FixingJson = z.infer<typeof Fixing>

export const FixingPage = z.object({
  data: z.array(Fixing),
  next_cursor: z.string().nullable().meta({ description: 'pass as `cursor` to get the next page; null on the last page' }),
}).meta({ id: 'FixingPage', examples: [{ data: [fixingExample], next_cursor: null }] })

export const Revision = Fixing.omit({ constituents: true }).extend({
  reason: z.string().meta({ description: 'why this revision exists: initial, late_quotes, definition_change, correction…' }),
  superseded_at: TimestampText.nullable().meta({ description: 'when the next revision replaced it; null for the current one' }),
}).meta({ id: 'Revision', examples: [{ ...fixingExample, reason: 'initial', superseded_at: null }] })

export const RevisionList = z.object({ data: z.array(Revision) }).meta({ id: 'RevisionList' })

export const Restatement = z.object({
  code: z.string(),
  date: DayText,
  revision: z.number().int(),
  reason: z.string(),
  published_at: TimestampText,
  unit: Unit,
  status: FixingStatus,
  value: figure('the restated value'),
  previous_status: FixingStatus,
  previous_value: figure('the value of the revision it replaced'),
  change: figure('value − previous_value; null when either is null'),
  methodology_version: z.number().int(),
  hash: z.string(),
}).meta({
  id: 'Restatement',
  examples: [{
    code: 'H100-SXM-OD',
    date: '2026-11-02',
    revision: 2,
    reason: 'late_quotes',
    published_at: '2026-11-04T00:15:01.902Z',
    unit: 'USD/GPU-hour',
    status: 'ok',
    value: 2.96,
    previous_status: 'ok',
    previous_value: 2.945,
    change: 0.015,
    methodology_version: 1,
    hash: HASH,
  }],
})

export const RestatementPage = z.object({
  data: z.array(Restatement),
  next_cursor: z.string().nullable().meta({ description: 'pass as `cursor` to get the next page; null on the last page' }),
}).meta({ id: 'RestatementPage' })

export const Period = z.enum(['week', 'month', 'quarter', 'year']).meta({ id: 'Period', description: 'calendar periods in UTC; weeks start on Monday (ISO)' })

export const Average = z.object({
  code: z.string(),
  period: Period,
  period_start: DayText.meta({ description: 'first calendar day of the period' }),
  period_end: DayText.meta({ description: 'last calendar day of the period' }),
  status: FixingStatus.meta({ description: '`insufficient_data` when no day of the period (within from..to) has an ok fixing' }),
  value: figure('mean of the values of the ok days, in exact decimal arithmetic, rounded half away from zero to 6 dp'),
  unit: Unit,
  n_days: z.number().int().meta({ description: 'days with status ok that entered the mean' }),
  first_day: DayText.nullable(),
  last_day: DayText.nullable(),
  revisions: z.array(z.object({ date: DayText, revision: z.number().int() })).meta({ description: 'the revision of each day used' }),
}).meta({
  id: 'Average',
  examples: [{
    code: 'H100-SXM-OD',
    period: 'month',
    period_start: '2026-10-01',
    period_end: '2026-10-31',
    status: 'ok',
    value: 2.951613,
    unit: 'USD/GPU-hour',
    n_days: 2,
    first_day: '2026-10-30',
    last_day: '2026-10-31',
    revisions: [{ date: '2026-10-30', revision: 1 }, { date: '2026-10-31', revision: 2 }],
  }],
})
export type AverageJson = z.infer<typeof Average>

export const AverageList = z.object({ data: z.array(Average) }).meta({ id: 'AverageList' })
