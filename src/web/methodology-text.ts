import type { IndexDefinitionRecord } from '../domain/indices.ts'

// The methodology of an index in plain sentences, from its stored definition (DESIGN §3): what a reader
// of the index page needs to know what the number measures, without reading JSON.

const SEGMENT_NAMES: Record<string, string> = {
  on_demand: 'on-demand', spot: 'spot', reserved: 'reserved', input: 'input tokens', output: 'output tokens', cached_input: 'cached input tokens',
}
const KIND_NAMES: Record<string, string> = {
  hyperscaler: 'hyperscalers', neocloud: 'neoclouds', marketplace: 'marketplaces', model_lab: 'model labs', inference_host: 'inference hosts',
}

const andList = (xs: readonly string[]) => xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`
const percent = (x: number) => `${Math.round(x * 1000) / 10}%`

function eligible (d: IndexDefinitionRecord): string {
  const f = d.filter
  const what: string[] = []
  if (f.products) what.push(`products ${andList(f.products)}`)
  if (f.families) what.push(`famil${f.families.length > 1 ? 'ies' : 'y'} ${andList(f.families)}`)
  if (f.variants) what.push(`variant${f.variants.length > 1 ? 's' : ''} ${andList(f.variants.map((v) => v.toUpperCase()))}`)
  if (f.tiers) what.push(`${andList(f.tiers)} tier`)
  if (f.open_weights !== null) what.push(f.open_weights ? 'open-weights models' : 'closed-weights models')
  const product = d.kind === 'gpu' ? 'GPUs' : 'models'
  const who = f.provider_kinds ? ` from ${andList(f.provider_kinds.map((k) => KIND_NAMES[k] ?? k))}` : ' from every kind of provider'
  const where = f.regions ? ` in ${andList(f.regions.map((r) => r.toUpperCase()))}` : ''
  const tier = d.kind === 'model' ? `, ${f.service_tier ?? 'standard'} service tier` : ''
  const term = d.term_months ? `, ${d.term_months}-month term` : ''
  return `Eligible quotes: ${what.length ? andList(what) : `all ${product}`}${who}${where}${tier}${term}.`
}

function segments (d: IndexDefinitionRecord): string {
  const entries = Object.entries(d.segments)
  if (entries.length === 1) return `Segment: ${SEGMENT_NAMES[entries[0]![0]] ?? entries[0]![0]} prices.`
  return `Blend of ${andList(entries.map(([s, w]) => `${SEGMENT_NAMES[s] ?? s} (weight ${w})`))}; a contributor counts only if it quotes every segment, otherwise it is excluded as an incomplete blend.`
}

/** Sentences, in the order the computation runs. */
export function methodologySentences (d: IndexDefinitionRecord): string[] {
  const m = d.methodology
  const [first, ...wider] = m.windows
  const unit = d.kind === 'gpu' ? 'USD per GPU-hour' : 'USD per 1M tokens'
  return [
    `Every quote is converted to ${unit} with exact decimal arithmetic and the day's FX rate.`,
    eligible(d),
    segments(d),
    `Window: the fixing day${first === 1 ? '' : ` and the ${first! - 1} days before`}${wider.length ? `; when that gives too little data, ${andList(wider.map(String))} days` : ''}. The window used is published as window_days.`,
    'Each contributor (a provider and product) is represented by the median of its quotes on the latest day in the window on which it quoted.',
    `With 5 or more contributors, one further than ${m.outlier_k} × 1.4826 × MAD from their median is excluded as an outlier.`,
    `A value is published when the remaining contributors come from at least ${m.min_providers} providers and stand on at least ${m.min_quotes} quotes; otherwise the day is marked insufficient_data.`,
    m.statistic === 'median'
      ? 'The value is the median of the remaining contributors\' prices.'
      : `The value is the mean of the remaining contributors' prices after cutting ${percent(m.trim)} from each end.`,
    ...(m.base_date ? [`The level is 100 × value ÷ the value of ${m.base_date}.`] : []),
    'Published figures are rounded half away from zero to 6 decimal places. A recomputation that changes a published figure is stored as a new revision; nothing is overwritten.',
  ]
}
