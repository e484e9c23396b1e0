import { parse } from 'csv-parse/sync'
import { parseTimestamp, utcText } from '../domain/calendar.ts'
import { ImportBatch, priceText, type QuoteRow } from './batch.ts'
import { CODE_MAPPINGS, sourceGpuProduct } from './mapping-set.ts'
import { regionOf } from './mappings.ts'
import type { ParseOptions } from './sources.ts'

type Row = Record<string, string>

/** The columns a gpu-observations file must have (others are ignored). */
export const GPU_OBSERVATION_COLUMNS = ['collected_at', 'source', 'segment', 'pricing', 'gpu_model', 'sku', 'region', 'geo',
  'gpu_count', 'usd_per_hour', 'usd_per_gpu_hour'] as const

const SEGMENTS: Record<string, QuoteRow['segment']> = { on_demand: 'on_demand', spot: 'spot' }
const KINDS = new Set(['hyperscaler', 'neocloud', 'marketplace'])
// The file's geo column → CPX region, when the region name says nothing regionOf knows (Azure's westus3).
const GEO: Record<string, QuoteRow['region']> = { NA: 'us', EU: 'eu', APAC: 'apac', LATAM: 'other', ME: 'other', AF: 'other' }

/**
 * One day of another public GPU index's raw observations (date, collected_at, source, provider, segment,
 * pricing, gpu_model, sku, region, geo, gpu_count, usd_per_hour, usd_per_gpu_hour, sample_size): one
 * quote per row at the instance price `usd_per_hour` with `gpu_count` GPUs (unit instance_hour, the
 * database divides, as for SkyPilot), checked against the file's own `usd_per_gpu_hour`, which is rounded
 * to 4 decimals; observed at `collected_at`. The provider is the `source` column through the
 * source_provider mappings (`gpu-observations:NAME@SEGMENT` before `gpu-observations:NAME`) and must be
 * of the kind the row's `segment` says; the GPU product is `gpu_model` (refined by `sku`) through the
 * source_gpu mappings. `sample_size` (how many offers a marketplace median stands on) is not a weight:
 * a row is one observation. A file without these columns is not this format (the run fails).
 */
export function parseGpuObservations (text: string, opts: ParseOptions): ImportBatch {
  const batch = new ImportBatch('gpu-observations')
  const m = opts.mappings ?? CODE_MAPPINGS
  const header = parse(text, { to_line: 1, trim: true, bom: true }) as string[][]
  const missing = GPU_OBSERVATION_COLUMNS.filter((c) => !(header[0] ?? []).includes(c))
  if (missing.length) throw new Error(`not a gpu-observations file: no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}`)
  const rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: true }) as Row[]
  const sources = m.sourceProviders['gpu-observations'] ?? {}
  for (const row of rows) {
    batch.rowsRead++
    const at = parseTimestamp(row.collected_at ?? '')
    if (!at.ok) { batch.skip('bad_collected_at'); continue }
    const segment = SEGMENTS[row.pricing ?? '']
    if (!segment) { batch.skip('unknown_pricing'); continue }
    const kind = row.segment ?? ''
    if (!KINDS.has(kind)) { batch.skip('unknown_segment'); continue }
    const name = row.source ?? ''
    const slug = sources[`${name}@${kind}`] ?? sources[name]
    const provider = slug ? m.providers[slug] : undefined
    if (!provider) { batch.unmappedName(`provider ${name || '(none)'} (${kind})`); continue }
    if (provider.kind !== kind) { batch.skip('segment_not_provider_kind'); continue }
    const code = sourceGpuProduct(m, 'gpu-observations', row.gpu_model ?? '', row.sku ?? '')
    const product = code ? m.gpuProducts[code] : undefined
    if (!product) { batch.unmappedName(`${row.gpu_model || '(no gpu_model)'}`); continue }
    const price = priceText(row.usd_per_hour)
    if (!('price' in price)) { batch.skip(price.reason); continue }
    const gpus = /^\d+$/.test(row.gpu_count ?? '') ? Number(row.gpu_count) : NaN
    if (!Number.isInteger(gpus) || gpus < 1) { batch.skip('no_gpu_count'); continue }
    const perGpu = priceText(row.usd_per_gpu_hour)
    if ('price' in perGpu && !roundsTo(price.price, gpus, perGpu.price)) { batch.skip('gpu_price_disagrees'); continue }
    const region = regionOf(row.region ?? '') ?? GEO[(row.geo ?? '').toUpperCase()]
    batch.addInstanceHour({ provider, product, segment, price: price.price, gpus, region, observed_at: utcText(row.collected_at!) }, 'same_price_same_region')
  }
  return batch
}

/**
 * The file rounds usd_per_gpu_hour to 4 decimals: `perGpu` must be a rounding of `instance` ÷ `gpus` to
 * 4 decimals, |instance ÷ gpus − perGpu| ≤ 0.00005, in whole units of the texts' finest decimal (no
 * float). At a tie (…5 in the 5th decimal) either neighbour is one: the real sample rounds ties both ways
 * (26.3444 ÷ 8 = 3.29305 → 3.2931, 120.934 ÷ 8 = 15.11675 → 15.1167), and in floats 3.7407 ÷ 2 − 1.8704
 * comes out just above 0.00005.
 */
function roundsTo (instance: string, gpus: number, perGpu: string): boolean {
  const places = (text: string) => text.split('.')[1]?.length ?? 0
  const scale = Math.max(5, places(instance), places(perGpu))
  const units = (text: string) => BigInt(text.replace('.', '') + '0'.repeat(scale - places(text)))
  const diff = units(instance) - BigInt(gpus) * units(perGpu)
  const half = BigInt(gpus) * 5n * 10n ** BigInt(scale - 5) // gpus × 0.00005, in those units
  return diff <= half && -diff <= half
}
